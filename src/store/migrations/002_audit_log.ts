/**
 * The audit log: an append-only, hash-chained record of who did what (see docs/audit.md).
 * A migration is history: once released, never edit it — add a new one instead.
 */
import type { Kysely, Migration } from "kysely";
import { addIdColumn, storeKindOf } from "./helpers.ts";

export const migration002AuditLog: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const kind = storeKindOf(db);

    // Ids are assigned by the audit log itself (previous id + 1, under a lock) because the
    // id is part of each row's hash; the identity/autoincrement default is only a fallback.
    await addIdColumn(db.schema.createTable("audit_log"), kind)
      .addColumn("at", "bigint", (col) => col.notNull())
      .addColumn("actor", "text", (col) => col.notNull())
      .addColumn("action", "text", (col) => col.notNull())
      .addColumn("target", "text")
      .addColumn("source_ip", "text")
      .addColumn("outcome", "text", (col) => col.notNull())
      .addColumn("details", "text")
      .addColumn("prev_hash", "text", (col) => col.notNull())
      .addColumn("hash", "text", (col) => col.notNull())
      .execute();

    await db.schema.createIndex("audit_log_at_idx").on("audit_log").column("at").execute();
    await db.schema
      .createIndex("audit_log_actor_at_idx")
      .on("audit_log")
      .columns(["actor", "at"])
      .execute();
    await db.schema
      .createIndex("audit_log_action_at_idx")
      .on("audit_log")
      .columns(["action", "at"])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("audit_log").execute();
  },
};
