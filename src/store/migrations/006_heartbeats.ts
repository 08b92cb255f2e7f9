/**
 * Heartbeat checks (src/checks/heartbeat/, docs/checks.md): the ping keys Unyo generated for
 * checks whose config names none, and every ping received.
 * A migration is history: once released, never edit it — add a new one instead.
 */
import type { Kysely, Migration } from "kysely";
import { addIdColumn, storeKindOf } from "./helpers.ts";

export const migration006Heartbeats: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    // Kept as is, not hashed: `unyo checks list` shows the key again. A key set in the config
    // is never stored here; it replaces the generated one, whose row is deleted.
    await db.schema
      .createTable("heartbeat_keys")
      .addColumn("check_id", "text", (col) => col.primaryKey())
      .addColumn("key", "text", (col) => col.notNull().unique())
      .addColumn("created_at", "bigint", (col) => col.notNull())
      .execute();

    await addIdColumn(db.schema.createTable("heartbeat_pings"), storeKindOf(db))
      .addColumn("check_id", "text", (col) => col.notNull())
      .addColumn("at", "bigint", (col) => col.notNull())
      .addColumn("kind", "text", (col) => col.notNull())
      .addColumn("exit_code", "integer")
      .addColumn("run_id", "text")
      .addColumn("duration_ms", "integer")
      .addColumn("source_ip", "text")
      .addColumn("body", "text")
      .execute();
    await db.schema
      .createIndex("heartbeat_pings_check_id_at_idx")
      .on("heartbeat_pings")
      .columns(["check_id", "at"])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("heartbeat_pings").execute();
    await db.schema.dropTable("heartbeat_keys").execute();
  },
};
