/**
 * Silences (src/alerting/silences.ts): label matchers that keep matching alerts from being
 * notified between a start and an end, with who made them and why. Expired silences are
 * kept (with who expired them) so "why was nobody told?" can be answered afterwards.
 * A migration is history: once released, never edit it — add a new one instead.
 */
import type { Kysely, Migration } from "kysely";

export const migration009Silences: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("silences")
      .addColumn("id", "text", (col) => col.primaryKey())
      .addColumn("matchers", "text", (col) => col.notNull())
      .addColumn("starts_at", "bigint", (col) => col.notNull())
      .addColumn("ends_at", "bigint", (col) => col.notNull())
      .addColumn("created_by", "text", (col) => col.notNull())
      .addColumn("comment", "text", (col) => col.notNull())
      .addColumn("created_at", "bigint", (col) => col.notNull())
      .addColumn("expired_at", "bigint")
      .addColumn("expired_by", "text")
      .execute();
    await db.schema.createIndex("silences_ends_at_idx").on("silences").column("ends_at").execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("silences").execute();
  },
};
