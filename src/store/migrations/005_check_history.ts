/**
 * Check history that stays small (see src/checks/history/ and docs/checks.md#history):
 * raw samples packed per check per hour, failure messages apart, hourly and daily rollups,
 * the transition log, and the state columns for retries, thresholds and runtime pause.
 * The row-per-result table of 001 is dropped: it grew ~150 bytes per result.
 * A migration is history: once released, never edit it — add a new one instead.
 */
import { type Kysely, type Migration, sql } from "kysely";
import { addIdColumn, storeKindOf } from "./helpers.ts";

export const migration005CheckHistory: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const kind = storeKindOf(db);
    const blob = kind === "postgres" ? "bytea" : "blob";
    // SQLite stores a WITHOUT ROWID table in its primary key order: the rows of one hour
    // (or one rollup bucket) sit together, so a flush rewrites a few pages, not thousands.
    const clustered = kind === "sqlite" ? sql`without rowid` : sql``;

    await db.schema
      .createTable("check_samples")
      .addColumn("hour", "bigint", (col) => col.notNull())
      .addColumn("check_id", "text", (col) => col.notNull())
      .addColumn("count", "integer", (col) => col.notNull())
      .addColumn("failures", "integer", (col) => col.notNull())
      .addColumn("data", blob, (col) => col.notNull())
      .addPrimaryKeyConstraint("check_samples_pk", ["hour", "check_id"])
      .modifyEnd(clustered)
      .execute();
    // One check's history ("latest results of X"): an index entry per check per hour,
    // written once when the hour's row is created, never on the flushes that follow.
    await db.schema
      .createIndex("check_samples_check_id_hour_idx")
      .on("check_samples")
      .columns(["check_id", "hour"])
      .execute();

    await db.schema
      .createTable("check_rollups")
      .addColumn("resolution", "text", (col) => col.notNull())
      .addColumn("bucket", "bigint", (col) => col.notNull())
      .addColumn("check_id", "text", (col) => col.notNull())
      .addColumn("count", "integer", (col) => col.notNull())
      .addColumn("failures", "integer", (col) => col.notNull())
      .addColumn("degraded", "integer", (col) => col.notNull())
      .addColumn("sum_ms", "bigint", (col) => col.notNull())
      .addColumn("max_ms", "integer", (col) => col.notNull())
      .addColumn("histogram", blob, (col) => col.notNull())
      .addPrimaryKeyConstraint("check_rollups_pk", ["resolution", "bucket", "check_id"])
      .modifyEnd(clustered)
      .execute();

    await addIdColumn(db.schema.createTable("check_failures"), kind)
      .addColumn("check_id", "text", (col) => col.notNull())
      .addColumn("at", "bigint", (col) => col.notNull())
      .addColumn("kind", "text", (col) => col.notNull())
      .addColumn("message", "text", (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex("check_failures_check_id_at_idx")
      .on("check_failures")
      .columns(["check_id", "at"])
      .execute();

    await addIdColumn(db.schema.createTable("check_events"), kind)
      .addColumn("check_id", "text", (col) => col.notNull())
      .addColumn("at", "bigint", (col) => col.notNull())
      .addColumn("from_state", "text", (col) => col.notNull())
      .addColumn("to_state", "text", (col) => col.notNull())
      .addColumn("message", "text")
      .execute();
    await db.schema
      .createIndex("check_events_check_id_at_idx")
      .on("check_events")
      .columns(["check_id", "at"])
      .execute();

    await db.schema
      .alterTable("check_state")
      .addColumn("consecutive_successes", "integer", (col) => col.notNull().defaultTo(0))
      .execute();
    // Set by `unyo checks pause|resume` and the API; overrides the config's `paused` until cleared.
    await db.schema.alterTable("check_state").addColumn("paused_by", "text").execute();
    await db.schema.alterTable("check_state").addColumn("paused_at", "bigint").execute();

    await db.schema.dropTable("check_results").execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    const kind = storeKindOf(db);
    await addIdColumn(db.schema.createTable("check_results"), kind)
      .addColumn("check_id", "text", (col) => col.notNull())
      .addColumn("started_at", "bigint", (col) => col.notNull())
      .addColumn("duration_ms", "integer", (col) => col.notNull())
      .addColumn("ok", "integer", (col) => col.notNull())
      .addColumn("error_kind", "text")
      .addColumn("message", "text")
      .execute();
    await db.schema.alterTable("check_state").dropColumn("paused_at").execute();
    await db.schema.alterTable("check_state").dropColumn("paused_by").execute();
    await db.schema.alterTable("check_state").dropColumn("consecutive_successes").execute();
    for (const table of ["check_events", "check_failures", "check_rollups", "check_samples"]) {
      await db.schema.dropTable(table).execute();
    }
  },
};
