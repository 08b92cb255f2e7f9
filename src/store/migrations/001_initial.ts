/**
 * The first schema: instance metadata, config load history, check state and raw results.
 * A migration is history: once released, never edit it — add a new one instead.
 */
import type { Kysely, Migration } from "kysely";
import { addIdColumn, storeKindOf } from "./helpers.ts";

export const migration001Initial: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const kind = storeKindOf(db);

    await db.schema
      .createTable("unyo_meta")
      .addColumn("key", "text", (col) => col.primaryKey())
      .addColumn("value", "text", (col) => col.notNull())
      .execute();

    await addIdColumn(db.schema.createTable("config_revisions"), kind)
      .addColumn("revision", "text", (col) => col.notNull())
      .addColumn("source", "text", (col) => col.notNull())
      .addColumn("loaded_at", "bigint", (col) => col.notNull())
      .addColumn("outcome", "text", (col) => col.notNull())
      .addColumn("errors", "text")
      .execute();

    await db.schema
      .createTable("check_state")
      .addColumn("check_id", "text", (col) => col.primaryKey())
      .addColumn("state", "text", (col) => col.notNull())
      .addColumn("since", "bigint", (col) => col.notNull())
      .addColumn("last_run_at", "bigint")
      .addColumn("last_duration_ms", "integer")
      .addColumn("last_message", "text")
      .addColumn("consecutive_failures", "integer", (col) => col.notNull().defaultTo(0))
      .addColumn("next_due_at", "bigint")
      .addColumn("updated_at", "bigint", (col) => col.notNull())
      .execute();

    // Results are not foreign-keyed to check_state: a check removed from the config keeps
    // its history until retention prunes it.
    await addIdColumn(db.schema.createTable("check_results"), kind)
      .addColumn("check_id", "text", (col) => col.notNull())
      .addColumn("started_at", "bigint", (col) => col.notNull())
      .addColumn("duration_ms", "integer", (col) => col.notNull())
      .addColumn("ok", "integer", (col) => col.notNull())
      .addColumn("error_kind", "text")
      .addColumn("message", "text")
      .execute();

    // Serves "latest results of check X" and retention's "older than T" per check.
    await db.schema
      .createIndex("check_results_check_id_started_at_idx")
      .on("check_results")
      .columns(["check_id", "started_at"])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("check_results").execute();
    await db.schema.dropTable("check_state").execute();
    await db.schema.dropTable("config_revisions").execute();
    await db.schema.dropTable("unyo_meta").execute();
  },
};
