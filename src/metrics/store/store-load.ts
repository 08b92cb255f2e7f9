/**
 * Opening the store after a start: every series (the index must know them all, for the
 * cardinality limits and selection), and the chunks of the hours memory must hold — the memory
 * window, plus every hour not yet rolled up and the one before it, so a stop in the middle of
 * an hour loses nothing of its rollups. The newest chunk of each series, if not full, becomes
 * its open chunk again and is continued (and rewritten in place) by the next appends.
 */
import type { Kysely } from "kysely";
import type { Database } from "../../store/schema.ts";
import { NAME_LABEL } from "../series.ts";
import { ChunkEncoder, decodeChunk, MAX_CHUNK_SAMPLES } from "./chunk-codec.ts";
import { MemSeries } from "./head.ts";
import { HOUR_MS, hourOf } from "./rollup.ts";
import { seriesKey } from "./series-index.ts";
import { lastRolledHour, loadChunksFrom, loadSeries, maxSeriesId } from "./tables.ts";

export interface LoadedState {
  series: MemSeries[];
  nextId: number;
  closedBefore: number;
  memFromHour: number;
}

export async function loadState(
  db: Kysely<Database>,
  now: number,
  opts: { retention: { raw: number }; memoryWindowMs: number },
): Promise<LoadedState> {
  const byId = new Map<number, MemSeries>();
  for (const row of await loadSeries(db)) {
    const labels = {
      [NAME_LABEL]: row.name,
      ...(JSON.parse(row.labels) as Record<string, string>),
    };
    const { [NAME_LABEL]: _, ...rest } = labels;
    const s = new MemSeries(
      row.id,
      seriesKey(row.name, rest),
      row.name,
      labels,
      true,
      row.last_seen,
    );
    // The hour of the newest sample, until a chunk tells better.
    s.lastT = row.last_seen;
    byId.set(row.id, s);
  }
  const rawFrom = hourOf(now - opts.retention.raw);
  const rolled = await lastRolledHour(db);
  const closedBefore = Math.max(rawFrom, rolled === undefined ? rawFrom : rolled + HOUR_MS);
  const memFromHour = Math.max(
    rawFrom,
    Math.min(closedBefore - HOUR_MS, hourOf(now - opts.memoryWindowMs)),
  );
  for (const row of await loadChunksFrom(db, memFromHour)) {
    const s = byId.get(row.series_id);
    if (s === undefined) continue;
    const { timestamps, values } = decodeChunk(row.data, row.count);
    const endMs = timestamps[timestamps.length - 1] as number;
    s.chunks.push({
      hour: row.hour,
      startMs: row.start_ms,
      endMs,
      count: row.count,
      data: row.data,
      persisted: true,
    });
    if (endMs >= s.lastT) {
      s.lastT = endMs;
      s.lastV = values[values.length - 1] as number;
    }
  }
  for (const s of byId.values()) {
    const newest = s.chunks[s.chunks.length - 1];
    // A series silent since before the loaded hours: its newest sample is somewhere in the
    // hour last_seen names, so anything up to that hour's end counts as out of order.
    if (newest === undefined && s.lastT + HOUR_MS <= memFromHour) s.lastT += HOUR_MS - 1;
    if (newest === undefined || newest.count >= MAX_CHUNK_SAMPLES) continue;
    s.chunks.pop();
    s.open = ChunkEncoder.resume(newest.data);
    s.openHourEnd = newest.hour + HOUR_MS;
    s.openDirty = false;
  }
  return {
    series: [...byId.values()],
    nextId: (await maxSeriesId(db)) + 1,
    closedBefore,
    memFromHour,
  };
}
