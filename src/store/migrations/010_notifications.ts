/**
 * The notification outbox (src/notify/outbox.ts): every notification is written here before
 * any channel is tried, so a crash, a restart or a failing channel never loses one. Delivery
 * is at-least-once; `idempotency_key` makes enqueueing the same notification twice a no-op
 * and is sent along so receivers can drop the duplicates at-least-once implies.
 *
 * `next_attempt_at` means "when this row may be claimed": for `pending` the retry time, for
 * `sending` the end of the claimer's lease (a claimer that died mid-delivery lets it lapse,
 * and the row is delivered again). Every try is logged in `notification_attempts` for the API.
 * A migration is history: once released, never edit it — add a new one instead.
 */
import type { Kysely, Migration } from "kysely";
import { addIdColumn, storeKindOf } from "./helpers.ts";

export const migration010Notifications: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const kind = storeKindOf(db);
    await addIdColumn(db.schema.createTable("notification_outbox"), kind)
      .addColumn("idempotency_key", "text", (col) => col.notNull().unique())
      .addColumn("channel", "text", (col) => col.notNull())
      .addColumn("payload", "text", (col) => col.notNull())
      .addColumn("state", "text", (col) => col.notNull())
      .addColumn("attempts", "integer", (col) => col.notNull().defaultTo(0))
      .addColumn("next_attempt_at", "bigint", (col) => col.notNull())
      .addColumn("created_at", "bigint", (col) => col.notNull())
      .addColumn("sent_at", "bigint")
      .addColumn("last_error", "text")
      .execute();
    // Claiming: due rows of one channel, oldest first.
    await db.schema
      .createIndex("notification_outbox_channel_state_next_idx")
      .on("notification_outbox")
      .columns(["channel", "state", "next_attempt_at"])
      .execute();
    // The worker's "when is the next row due" across channels.
    await db.schema
      .createIndex("notification_outbox_state_next_idx")
      .on("notification_outbox")
      .columns(["state", "next_attempt_at"])
      .execute();

    await addIdColumn(db.schema.createTable("notification_attempts"), kind)
      .addColumn("outbox_id", "bigint", (col) => col.notNull())
      .addColumn("at", "bigint", (col) => col.notNull())
      .addColumn("duration_ms", "integer", (col) => col.notNull())
      .addColumn("ok", "integer", (col) => col.notNull())
      .addColumn("status", "integer")
      .addColumn("error", "text")
      .execute();
    await db.schema
      .createIndex("notification_attempts_outbox_id_idx")
      .on("notification_attempts")
      .columns(["outbox_id", "at"])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("notification_attempts").execute();
    await db.schema.dropTable("notification_outbox").execute();
  },
};
