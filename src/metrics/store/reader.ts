/**
 * Reading the store: raw samples and rollups of the selected series, merged from memory (the
 * recent hours, and whatever is not flushed yet) and the database (older hours), oldest first.
 *
 * Memory holds every chunk of the hours from `memFromHour` on, so the database is only asked
 * for older hours; rule evaluation over recent windows stays in memory. Rollups of hours not
 * yet rolled up (from `closedBefore` on: the current hour, mostly) are computed on the fly
 * from the chunks in memory, the rest read from the rollup rows.
 */
import type { Kysely } from "kysely";
import type { Database } from "../../store/schema.ts";
import type { Labels, Matcher, SeriesSamples } from "../series.ts";
import { decodeChunk } from "./chunk-codec.ts";
import { type MemSeries, pushRange, sortedUnique } from "./head.ts";
import { type Bucket, DAY_MS, HOUR_MS, hourOf, MINUTE_MS, mergeBuckets } from "./rollup.ts";
import { decodeRow } from "./rollup-codec.ts";
import { memoryHour, minuteBuckets } from "./rollup-writer.ts";
import type { SeriesIndex } from "./series-index.ts";
import { readChunks, readRollups } from "./tables.ts";

export interface ReadState {
  readonly db: Kysely<Database>;
  readonly index: SeriesIndex<MemSeries>;
  /** Every hour before this is rolled up in the database. */
  readonly closedBefore: number;
  /** Every chunk of this hour and later is in memory. */
  readonly memFromHour: number;
}

export interface RollupSeries {
  /** Including `__name__`. */
  labels: Labels;
  /** Buckets with `fromMs <= start < toMs`, oldest first; empty buckets are left out. */
  buckets: Bucket[];
}

/** Hour starts covering [from, to], ascending. */
function hoursBetween(from: number, to: number, step = HOUR_MS): number[] {
  const out: number[] = [];
  for (let h = Math.floor(from / step) * step; h <= to; h += step) out.push(h);
  return out;
}

export async function selectSamples(
  st: ReadState,
  matchers: readonly Matcher[],
  fromMs: number,
  toMs: number,
): Promise<SeriesSamples[]> {
  const series = st.index.select(matchers);
  // What memory holds now, before any await: a flush may evict chunks meanwhile (they are in
  // the database by then, but in hours this read would not ask it for).
  const inMemory = new Map<MemSeries, Chunk[]>();
  for (const s of series) {
    const chunks: Chunk[] = [];
    for (const c of s.chunks) if (c.endMs > fromMs && c.startMs <= toMs) chunks.push(c);
    const open = s.openChunk();
    if (open !== undefined && open.endMs > fromMs && open.startMs <= toMs) chunks.push(open);
    inMemory.set(s, chunks);
  }
  const fromDb = new Map<number, Chunk[]>();
  if (series.length > 0 && hourOf(fromMs + 1) < st.memFromHour) {
    const hours = hoursBetween(fromMs + 1, Math.min(toMs, st.memFromHour - 1));
    const rows = await readChunks(
      st.db,
      series.map((s) => s.id),
      hours,
    );
    for (const r of rows) {
      let list = fromDb.get(r.series_id);
      if (list === undefined) {
        list = [];
        fromDb.set(r.series_id, list);
      }
      list.push({ startMs: r.start_ms, count: r.count, data: r.data });
    }
  }
  const out: SeriesSamples[] = [];
  for (const s of series) {
    const ts: number[] = [];
    const vs: number[] = [];
    let chunks = inMemory.get(s) ?? [];
    const stored = fromDb.get(s.id);
    if (stored !== undefined) {
      // Memory wins over the database for a chunk both hold (an open chunk flushed earlier).
      const seen = new Set(chunks.map((c) => c.startMs));
      chunks = [...stored.filter((c) => !seen.has(c.startMs)), ...chunks];
      chunks.sort((a, b) => a.startMs - b.startMs);
    }
    for (const c of chunks) pushRange(decodeChunk(c.data, c.count), fromMs, toMs, ts, vs);
    if (ts.length === 0) continue;
    const sorted = sortedUnique(ts, vs);
    out.push({
      labels: s.labels,
      timestamps: Float64Array.from(sorted.ts),
      values: Float64Array.from(sorted.vs),
    });
  }
  return out;
}

interface Chunk {
  startMs: number;
  count: number;
  data: Uint8Array;
}

export async function selectRollups(
  st: ReadState,
  matchers: readonly Matcher[],
  fromMs: number,
  toMs: number,
  resolution: "1m" | "1h",
): Promise<RollupSeries[]> {
  const series = st.index.select(matchers);
  if (series.length === 0 || toMs <= fromMs) return [];
  const width = resolution === "1m" ? MINUTE_MS : HOUR_MS;
  const rowWidth = resolution === "1m" ? HOUR_MS : DAY_MS;
  // Hours not rolled up yet, from memory, before any await (as in selectSamples).
  const openHours = hoursBetween(Math.max(fromMs, st.closedBefore), toMs - 1).filter(
    (h) => h >= st.closedBefore,
  );
  const fresh = new Map<MemSeries, Bucket[]>();
  for (const s of series) {
    const buckets: Bucket[] = [];
    for (const hour of openHours) {
      const minutes = minuteBuckets(memoryHour(s, hour));
      if (minutes.length === 0) continue;
      if (resolution === "1m") buckets.push(...minutes);
      else buckets.push(mergeBuckets(minutes, hour));
    }
    fresh.set(s, buckets);
  }
  const stored = new Map<number, Bucket[]>();
  const closedTo = Math.min(toMs, st.closedBefore);
  if (fromMs < closedTo) {
    const starts = hoursBetween(fromMs, closedTo - 1, rowWidth);
    const rows = await readRollups(
      st.db,
      resolution,
      series.map((s) => s.id),
      starts,
    );
    rows.sort((a, b) => a.start - b.start);
    for (const row of rows) {
      let list = stored.get(row.series_id);
      if (list === undefined) {
        list = [];
        stored.set(row.series_id, list);
      }
      for (const b of decodeRow(row.data, row.start, width)) {
        if (b.start < st.closedBefore) list.push(b);
      }
    }
  }
  const out: RollupSeries[] = [];
  for (const s of series) {
    const buckets = [...(stored.get(s.id) ?? []), ...(fresh.get(s) ?? [])];
    const inRange = buckets.filter((b) => b.start >= fromMs && b.start < toMs);
    if (inRange.length > 0) out.push({ labels: s.labels, buckets: inRange });
  }
  return out;
}
