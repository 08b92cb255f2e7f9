/**
 * Turns the samples of ended hours into rollup rows: the hour's minute buckets (one "1m" row
 * per series per hour) and its hour bucket, folded into the series' "1h" row of that day.
 * Hours are rolled up from the chunks still in memory when they end, or — for a sample that
 * arrived after its hour was rolled up — again from the chunks in the database; either way
 * the result only depends on the stored samples, so redoing it after a crash is harmless.
 */
import type { Kysely } from "kysely";
import type { Database } from "../../store/schema.ts";
import { decodeChunk } from "./chunk-codec.ts";
import { type MemSeries, type SealedChunk, sortedUnique } from "./head.ts";
import { type Bucket, bucketsOf, dayOf, HOUR_MS, MINUTE_MS, mergeBuckets } from "./rollup.ts";
import { appendToRow, encodeRow } from "./rollup-codec.ts";
import { type ChunkRow, type RollupRow, readChunks, readRollups } from "./tables.ts";

/** The samples of one series in one hour, and the last value before it that counts. */
export interface HourSamples {
  seriesId: number;
  hour: number;
  timestamps: ArrayLike<number>;
  values: ArrayLike<number>;
  /** The last non-NaN value of the previous hour, if any (rollup.ts). */
  prev: number | undefined;
}

interface Chunkish {
  hour: number;
  startMs: number;
  count: number;
  data: Uint8Array;
}

/**
 * The samples of the chunks of `hour` (given oldest first), in time order even if chunks
 * overlap (see sortedUnique): buckets must ascend.
 */
function samplesOf(chunks: readonly Chunkish[], hour: number): { ts: number[]; vs: number[] } {
  const ts: number[] = [];
  const vs: number[] = [];
  for (const c of chunks) {
    if (c.hour !== hour) continue;
    const d = decodeChunk(c.data, c.count);
    for (let i = 0; i < d.timestamps.length; i++) {
      ts.push(d.timestamps[i] as number);
      vs.push(d.values[i] as number);
    }
  }
  return sortedUnique(ts, vs);
}

/** The last non-NaN value in the chunks of `hour`, if any. */
function lastFinite(chunks: readonly Chunkish[], hour: number): number | undefined {
  for (let k = chunks.length - 1; k >= 0; k--) {
    const c = chunks[k] as Chunkish;
    if (c.hour !== hour) continue;
    const { values } = decodeChunk(c.data, c.count);
    for (let i = values.length - 1; i >= 0; i--) {
      const v = values[i] as number;
      if (!Number.isNaN(v)) return v;
    }
  }
  return undefined;
}

function hourSamplesOf(seriesId: number, chunks: readonly Chunkish[], hour: number): HourSamples {
  const { ts, vs } = samplesOf(chunks, hour);
  return { seriesId, hour, timestamps: ts, values: vs, prev: lastFinite(chunks, hour - HOUR_MS) };
}

/** The hour's samples from the chunks the series holds in memory. */
export function memoryHour(s: MemSeries, hour: number): HourSamples {
  return hourSamplesOf(s.id, s.allChunks() as SealedChunk[], hour);
}

/** The hours' samples of the series read from the database (for late samples). */
export async function databaseHours(
  db: Kysely<Database>,
  wanted: readonly { seriesId: number; hour: number }[],
): Promise<HourSamples[]> {
  const hours = [...new Set(wanted.flatMap((w) => [w.hour, w.hour - HOUR_MS]))];
  const ids = [...new Set(wanted.map((w) => w.seriesId))];
  const bySeries = new Map<number, Chunkish[]>();
  const rows: ChunkRow[] = await readChunks(db, ids, hours);
  rows.sort((a, b) => a.start_ms - b.start_ms);
  for (const r of rows) {
    let list = bySeries.get(r.series_id);
    if (list === undefined) {
      list = [];
      bySeries.set(r.series_id, list);
    }
    list.push({ hour: r.hour, startMs: r.start_ms, count: r.count, data: r.data });
  }
  return wanted.map((w) => hourSamplesOf(w.seriesId, bySeries.get(w.seriesId) ?? [], w.hour));
}

/** The minute buckets of an hour's samples. */
export function minuteBuckets(h: HourSamples): Bucket[] {
  return bucketsOf(h.timestamps, h.values, MINUTE_MS, h.hour, h.hour + HOUR_MS, h.prev);
}

/** Lets other work (API requests, scrapes) run between slices of a long computation. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const SLICE = 500;

/**
 * The rows that record ended hours of series (`hours` gives each one's samples, called once
 * per item, in slices so the event loop is not held for long): their "1m" rows, and the "1h"
 * rows of their days with the hour's bucket put in (the day rows are read from `db` first).
 */
export async function rollupRows<T>(
  db: Kysely<Database>,
  items: readonly T[],
  load: (item: T) => HourSamples,
): Promise<RollupRow[]> {
  const out: RollupRow[] = [];
  const hourBuckets: { seriesId: number; bucket: Bucket }[] = [];
  for (let i = 0; i < items.length; i += SLICE) {
    if (i > 0) await yieldToEventLoop();
    for (const item of items.slice(i, i + SLICE)) {
      const h = load(item);
      const minutes = minuteBuckets(h);
      if (minutes.length === 0) continue;
      out.push({
        resolution: "1m",
        start: h.hour,
        series_id: h.seriesId,
        data: encodeRow(h.hour, MINUTE_MS, minutes),
      });
      hourBuckets.push({ seriesId: h.seriesId, bucket: mergeBuckets(minutes, h.hour) });
    }
  }
  // The day rows to extend, read once per day for every series that needs it.
  const days = new Map<number, Set<number>>();
  for (const { seriesId, bucket } of hourBuckets) {
    const day = dayOf(bucket.start);
    let ids = days.get(day);
    if (ids === undefined) {
      ids = new Set();
      days.set(day, ids);
    }
    ids.add(seriesId);
  }
  const dayRows = new Map<string, Uint8Array>();
  for (const [day, ids] of days) {
    for (const row of await readRollups(db, "1h", [...ids], [day])) {
      dayRows.set(`${day}:${row.series_id}`, row.data);
    }
  }
  const touched = new Map<string, { day: number; seriesId: number }>();
  for (let i = 0; i < hourBuckets.length; i += SLICE) {
    if (i > 0) await yieldToEventLoop();
    for (const { seriesId, bucket } of hourBuckets.slice(i, i + SLICE)) {
      const day = dayOf(bucket.start);
      const key = `${day}:${seriesId}`;
      dayRows.set(key, appendToRow(dayRows.get(key), day, HOUR_MS, bucket));
      touched.set(key, { day, seriesId });
    }
  }
  for (const [key, { day, seriesId }] of touched) {
    out.push({
      resolution: "1h",
      start: day,
      series_id: seriesId,
      data: dayRows.get(key) as Uint8Array,
    });
  }
  return out;
}
