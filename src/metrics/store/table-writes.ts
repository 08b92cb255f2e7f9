/**
 * The writes of a flush: new series, last_seen moves, chunks and rollup rows, as multi-row
 * upserts inside the flush's transaction.
 */
import { CompiledQuery } from "kysely";
import { storeKindOf } from "../../store/migrations/helpers.ts";
import { batches, type ChunkRow, type Db, type RollupRow, type SeriesRow } from "./tables.ts";

export interface FlushWrites {
  series: SeriesRow[];
  /** last_seen value → ids that moved to it. */
  seen: Map<number, number[]>;
  chunks: ChunkRow[];
  rollups: RollupRow[];
}

type ColumnType = "int" | "text" | "blob";

const hex = (data: Uint8Array) =>
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("hex");

/**
 * `insert … on conflict (key) do update set …` of many rows, written as SQL text directly
 * (the query builder cost more than the statement). On SQLite a multi-row VALUES list with
 * one parameter per field, 500 rows at a time; on PostgreSQL the rows travel as ONE JSON
 * parameter unpacked by jsonb_array_elements (blobs as hex), which its planner handles
 * faster than thousands of parameters. Measured: 10,000 open chunks upsert in ~40 ms on
 * SQLite and ~150 ms on PostgreSQL.
 */
async function upsert(
  tx: Db,
  table: string,
  columns: readonly (readonly [name: string, type: ColumnType])[],
  key: readonly string[],
  update: readonly string[],
  rows: readonly unknown[][],
): Promise<void> {
  if (rows.length === 0) return;
  const names = columns.map(([name]) => name).join(", ");
  const action =
    update.length === 0
      ? "do nothing"
      : `do update set ${update.map((c) => `${c} = excluded.${c}`).join(", ")}`;
  const tail = `on conflict (${key.join(", ")}) ${action}`;
  if (storeKindOf(tx) === "postgres") {
    const fields = columns.map(([, type], i) => {
      if (type === "blob") return `decode(r->>${i}, 'hex')`;
      return type === "int" ? `(r->>${i})::bigint` : `r->>${i}`;
    });
    const json = JSON.stringify(
      rows.map((row) => row.map((v, i) => (columns[i]?.[1] === "blob" ? hex(v as Uint8Array) : v))),
    );
    const text = `insert into ${table} (${names}) select ${fields.join(", ")} from jsonb_array_elements($1::jsonb) as r ${tail}`;
    await tx.executeQuery(CompiledQuery.raw(text, [json]));
    return;
  }
  const tuple = `(${columns.map(() => "?").join(", ")})`;
  for (const batch of batches(rows)) {
    const text = `insert into ${table} (${names}) values ${batch.map(() => tuple).join(", ")} ${tail}`;
    await tx.executeQuery(CompiledQuery.raw(text, batch.flat()));
  }
}

/** Writes a flush's rows with multi-row statements (run it inside a transaction). */
export async function writeFlush(tx: Db, w: FlushWrites): Promise<number> {
  let bytes = 0;
  for (const rows of batches(w.series, 2000)) {
    await upsert(
      tx,
      "metric_series",
      [
        ["id", "int"],
        ["name", "text"],
        ["labels", "text"],
        ["created_at", "int"],
        ["last_seen", "int"],
      ],
      ["id"],
      [],
      rows.map((r) => [r.id, r.name, r.labels, r.created_at, r.last_seen]),
    );
  }
  for (const [lastSeen, ids] of w.seen) {
    for (const batch of batches(ids)) {
      await tx
        .updateTable("metric_series")
        .set({ last_seen: lastSeen })
        .where("id", "in", batch)
        .execute();
    }
  }
  for (const rows of batches(w.chunks, 2000)) {
    await upsert(
      tx,
      "metric_chunks",
      [
        ["hour", "int"],
        ["series_id", "int"],
        ["start_ms", "int"],
        ["count", "int"],
        ["data", "blob"],
      ],
      ["hour", "series_id", "start_ms"],
      ["count", "data"],
      rows.map((r) => [r.hour, r.series_id, r.start_ms, r.count, r.data]),
    );
    for (const r of rows) bytes += r.data.length;
  }
  bytes += await writeRollups(tx, w.rollups);
  return bytes;
}

export async function writeRollups(tx: Db, rollups: readonly RollupRow[]): Promise<number> {
  let bytes = 0;
  for (const rows of batches(rollups, 2000)) {
    await upsert(
      tx,
      "metric_rollups",
      [
        ["resolution", "text"],
        ["start", "int"],
        ["series_id", "int"],
        ["data", "blob"],
      ],
      ["resolution", "start", "series_id"],
      ["data"],
      rows.map((r) => [r.resolution, r.start, r.series_id, r.data]),
    );
    for (const r of rows) bytes += r.data.length;
  }
  return bytes;
}
