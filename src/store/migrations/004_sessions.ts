/**
 * Browser sessions (see src/auth/sessions.ts and docs/security.md).
 * A migration is history: once released, never edit it — add a new one instead.
 */
import type { Kysely, Migration } from "kysely";

export const migration004Sessions: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    // id is the hex sha256 of the session secret; the secret itself is never stored.
    await db.schema
      .createTable("sessions")
      .addColumn("id", "text", (col) => col.primaryKey())
      .addColumn("user_id", "bigint", (col) =>
        col.notNull().references("users.id").onDelete("cascade"),
      )
      .addColumn("csrf_hash", "text", (col) => col.notNull())
      .addColumn("created_at", "bigint", (col) => col.notNull())
      .addColumn("last_seen_at", "bigint", (col) => col.notNull())
      .addColumn("expires_at", "bigint", (col) => col.notNull())
      .addColumn("idle_expires_at", "bigint", (col) => col.notNull())
      .addColumn("revoked_at", "bigint")
      .addColumn("source_ip", "text")
      .addColumn("user_agent", "text")
      .execute();
    await db.schema.createIndex("sessions_user_id_idx").on("sessions").column("user_id").execute();
    await db.schema
      .createIndex("sessions_expires_at_idx")
      .on("sessions")
      .column("expires_at")
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("sessions").execute();
  },
};
