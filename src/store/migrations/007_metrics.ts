/**
 * The embedded metric series store (src/metrics/store/, docs/metrics.md): the series, raw
 * samples packed in chunks, and rollups packed per series per hour (minute buckets) and per
 * series per day (hour buckets).
 *
 * Every table is clustered by time first (SQLite WITHOUT ROWID keeps rows in primary key
 * order): the rows a flush writes — the current hour of every series — sit together, so a
 * flush rewrites a few pages instead of one page per series, and retention is a range delete.
 * Reads of one series probe the key with `hour in (…) and series_id in (…)`.
 * A migration is history: once released, never edit it — add a new one instead.
 */
import { type Kysely, type Migration, sql } from "kysely";
import { storeKindOf } from "./helpers.ts";

export const migration007Metrics: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const kind = storeKindOf(db);
    const blob = kind === "postgres" ? "bytea" : "blob";
    const clustered = kind === "sqlite" ? sql`without rowid` : sql``;

    // Ids are given by the store (one writer per database); labels is JSON without __name__.
    await db.schema
      .createTable("metric_series")
      .addColumn("id", "bigint", (col) => col.primaryKey())
      .addColumn("name", "text", (col) => col.notNull())
      .addColumn("labels", "text", (col) => col.notNull())
      .addColumn("created_at", "bigint", (col) => col.notNull())
      .addColumn("last_seen", "bigint", (col) => col.notNull())
      .execute();

    await db.schema
      .createTable("metric_chunks")
      .addColumn("hour", "bigint", (col) => col.notNull())
      .addColumn("series_id", "bigint", (col) => col.notNull())
      .addColumn("start_ms", "bigint", (col) => col.notNull())
      .addColumn("count", "integer", (col) => col.notNull())
      .addColumn("data", blob, (col) => col.notNull())
      .addPrimaryKeyConstraint("metric_chunks_pk", ["hour", "series_id", "start_ms"])
      .modifyEnd(clustered)
      .execute();

    // resolution "1m": start is an hour, data its minute buckets;
    // resolution "1h": start is a day (UTC), data its hour buckets.
    await db.schema
      .createTable("metric_rollups")
      .addColumn("resolution", "text", (col) => col.notNull())
      .addColumn("start", "bigint", (col) => col.notNull())
      .addColumn("series_id", "bigint", (col) => col.notNull())
      .addColumn("data", blob, (col) => col.notNull())
      .addPrimaryKeyConstraint("metric_rollups_pk", ["resolution", "start", "series_id"])
      .modifyEnd(clustered)
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ["metric_rollups", "metric_chunks", "metric_series"]) {
      await db.schema.dropTable(table).execute();
    }
  },
};
