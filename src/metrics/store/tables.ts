/**
 * Every query of the metric store, in one place: loading at open, reading older chunks and
 * rollups, the batched writes of a flush, and retention. Keys are probed with
 * `hour in (…) and series_id in (…)` — both leading primary-key columns — so a read of a few
 * series over a few days touches only their rows on SQLite and PostgreSQL alike; lists are
 * cut into batches to stay far below either database's parameter limits. The writes of a
 * flush are in table-writes.ts.
 */
import type { Kysely } from "kysely";
import type { Database } from "../../store/schema.ts";

export type Db = Kysely<Database>;
export type Resolution = "1m" | "1h";

const BATCH = 500;

export interface SeriesRow {
  id: number;
  name: string;
  labels: string;
  created_at: number;
  last_seen: number;
}

export interface ChunkRow {
  hour: number;
  series_id: number;
  start_ms: number;
  count: number;
  data: Uint8Array;
}

export interface RollupRow {
  resolution: Resolution;
  start: number;
  series_id: number;
  data: Uint8Array;
}

export function batches<T>(items: readonly T[], size = BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** pg gives Buffers, node:sqlite Uint8Arrays: both are Uint8Arrays. */
const chunkOf = (r: ChunkRow): ChunkRow => ({
  hour: Number(r.hour),
  series_id: Number(r.series_id),
  start_ms: Number(r.start_ms),
  count: Number(r.count),
  data: r.data,
});

export async function loadSeries(db: Db): Promise<SeriesRow[]> {
  const rows = await db.selectFrom("metric_series").selectAll().orderBy("id").execute();
  return rows.map((r) => ({ ...r, id: Number(r.id), last_seen: Number(r.last_seen) }));
}

/** Every chunk of the hours from `fromHour` on, by series then time. */
export async function loadChunksFrom(db: Db, fromHour: number): Promise<ChunkRow[]> {
  const rows = await db
    .selectFrom("metric_chunks")
    .selectAll()
    .where("hour", ">=", fromHour)
    .execute();
  return rows.map(chunkOf).sort((a, b) => a.series_id - b.series_id || a.start_ms - b.start_ms);
}

/** The newest hour with minute rollups, or undefined. */
export async function lastRolledHour(db: Db): Promise<number | undefined> {
  const row = await db
    .selectFrom("metric_rollups")
    .select((eb) => eb.fn.max("start").as("start"))
    .where("resolution", "=", "1m")
    .executeTakeFirst();
  return row?.start == null ? undefined : Number(row.start);
}

/** The chunks of the series in the hours, unordered. */
export async function readChunks(
  db: Db,
  seriesIds: readonly number[],
  hours: readonly number[],
): Promise<ChunkRow[]> {
  const out: ChunkRow[] = [];
  for (const hourBatch of batches(hours)) {
    for (const idBatch of batches(seriesIds)) {
      const rows = await db
        .selectFrom("metric_chunks")
        .selectAll()
        .where("hour", "in", hourBatch)
        .where("series_id", "in", idBatch)
        .execute();
      for (const r of rows) out.push(chunkOf(r));
    }
  }
  return out;
}

/** The rollup rows of the series at the starts (hours for 1m, days for 1h). */
export async function readRollups(
  db: Db,
  resolution: Resolution,
  seriesIds: readonly number[],
  starts: readonly number[],
): Promise<RollupRow[]> {
  const out: RollupRow[] = [];
  for (const startBatch of batches(starts)) {
    for (const idBatch of batches(seriesIds)) {
      const rows = await db
        .selectFrom("metric_rollups")
        .selectAll()
        .where("resolution", "=", resolution)
        .where("start", "in", startBatch)
        .where("series_id", "in", idBatch)
        .execute();
      for (const r of rows) {
        out.push({
          resolution,
          start: Number(r.start),
          series_id: Number(r.series_id),
          data: r.data,
        });
      }
    }
  }
  return out;
}

export interface PruneCutoffs {
  /** Chunks of hours before this go. */
  chunkHour: number;
  /** Minute rollups of hours before this go. */
  minuteHour: number;
  /** Hour rollups of days before this go. */
  hourDay: number;
  /** Series last seen before this go. */
  seenBefore: number;
}

/** Deletes what is past retention; returns the ids of the series deleted and rows removed. */
export async function prune(db: Db, c: PruneCutoffs): Promise<{ series: number[]; rows: number }> {
  return db.transaction().execute(async (tx) => {
    const gone = await tx
      .selectFrom("metric_series")
      .select("id")
      .where("last_seen", "<", c.seenBefore)
      .execute();
    const ids = gone.map((r) => Number(r.id));
    let rows = 0;
    const count = (r: { numDeletedRows: bigint }) => {
      rows += Number(r.numDeletedRows);
    };
    count(await tx.deleteFrom("metric_chunks").where("hour", "<", c.chunkHour).executeTakeFirst());
    count(
      await tx
        .deleteFrom("metric_rollups")
        .where("resolution", "=", "1m")
        .where("start", "<", c.minuteHour)
        .executeTakeFirst(),
    );
    count(
      await tx
        .deleteFrom("metric_rollups")
        .where("resolution", "=", "1h")
        .where("start", "<", c.hourDay)
        .executeTakeFirst(),
    );
    for (const batch of batches(ids)) {
      count(await tx.deleteFrom("metric_series").where("id", "in", batch).executeTakeFirst());
    }
    return { series: ids, rows };
  });
}

export async function maxSeriesId(db: Db): Promise<number> {
  const row = await db
    .selectFrom("metric_series")
    .select((eb) => eb.fn.max("id").as("id"))
    .executeTakeFirst();
  return row?.id == null ? 0 : Number(row.id);
}
