/**
 * What one flush writes, gathered synchronously from memory (so appends between the await
 * points of the flush cannot tear it): new series rows, last_seen updates, every sealed chunk
 * not yet written, the open chunk of every series that changed, and the series' hours that
 * end now (sealing the open chunks that are still in them). `committed()` marks it all
 * as written once the transaction succeeded; `failed()` puts it back for the next flush.
 */
import type { MemSeries, SealedChunk } from "./head.ts";
import { hourOf } from "./rollup.ts";
import type { ChunkRow, SeriesRow } from "./tables.ts";

export interface FlushPlan {
  series: SeriesRow[];
  seen: Map<number, number[]>;
  chunks: ChunkRow[];
  /**
   * Hours that end with this flush, per series: their chunks are in memory (sealed, so they
   * only gain late samples, which are rolled up again anyway).
   */
  closing: { s: MemSeries; hour: number }[];
  committed(): void;
  failed(): void;
}

/** `closedBefore`: hours before it are rolled up; `closeTo`: hours before it are to be. */
export function planFlush(
  all: Iterable<MemSeries>,
  now: number,
  closedBefore: number,
  closeTo: number,
): FlushPlan {
  const series: SeriesRow[] = [];
  const created: MemSeries[] = [];
  const seen = new Map<number, number[]>();
  const moved: { s: MemSeries; hour: number }[] = [];
  const chunks: ChunkRow[] = [];
  const sealed: SealedChunk[] = [];
  const opened: MemSeries[] = [];
  const openRows: ChunkRow[] = [];
  let arena = 0;
  const closing: { s: MemSeries; hour: number }[] = [];

  for (const s of all) {
    if (closeTo > closedBefore) {
      if (s.open.count > 0 && s.openHourEnd <= closeTo) s.seal();
      const hours = new Set<number>();
      for (const c of s.chunks) if (c.hour >= closedBefore && c.hour < closeTo) hours.add(c.hour);
      for (const hour of hours) closing.push({ s, hour });
    }
    const seenHour = Number.isFinite(s.lastT) ? hourOf(s.lastT) : hourOf(now);
    if (!s.stored) {
      series.push({
        id: s.id,
        name: s.name,
        labels: storedLabels(s),
        created_at: now,
        last_seen: seenHour,
      });
      created.push(s);
    } else if (seenHour > s.storedSeenHour) {
      let ids = seen.get(seenHour);
      if (ids === undefined) {
        ids = [];
        seen.set(seenHour, ids);
      }
      ids.push(s.id);
      moved.push({ s, hour: seenHour });
    }
    for (const c of s.chunks) {
      if (c.persisted) continue;
      chunks.push(rowOf(s.id, c));
      sealed.push(c);
    }
    if (s.openDirty) {
      const row = rowOf(s.id, s.openChunk(false) as SealedChunk);
      chunks.push(row);
      openRows.push(row);
      arena += row.data.length;
      s.openDirty = false;
      opened.push(s);
    }
  }
  // The open chunks keep growing after this: copy them now, into one buffer (one allocation
  // instead of one per series).
  const copy = new Uint8Array(arena);
  let offset = 0;
  for (const row of openRows) {
    copy.set(row.data, offset);
    row.data = copy.subarray(offset, offset + row.data.length);
    offset += row.data.length;
  }

  return {
    series,
    seen,
    chunks,
    closing,
    committed() {
      for (const c of sealed) c.persisted = true;
      for (const s of created) {
        s.stored = true;
        s.storedSeenHour = Number.isFinite(s.lastT) ? hourOf(s.lastT) : hourOf(now);
      }
      for (const { s, hour } of moved) if (hour > s.storedSeenHour) s.storedSeenHour = hour;
    },
    failed() {
      for (const s of opened) s.openDirty = true;
    },
  };
}

function rowOf(seriesId: number, c: SealedChunk): ChunkRow {
  return { hour: c.hour, series_id: seriesId, start_ms: c.startMs, count: c.count, data: c.data };
}

/** The labels column: JSON of the labels without `__name__` (sorted, as the series holds them). */
function storedLabels(s: MemSeries): string {
  const { __name__: _, ...rest } = s.labels;
  return JSON.stringify(rest);
}
