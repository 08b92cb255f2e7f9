/**
 * Threshold rules (src/rules/, docs/rules.md): the state of every alert a rule raised (one
 * row per rule and label set, written only when something people see changes — state, level
 * — or on the evaluation that needs it for `for`/`keep_firing_for`), each rule's last
 * evaluation, and the transition log alerting and the UI read.
 * A migration is history: once released, never edit it — add a new one instead.
 */
import type { Kysely, Migration } from "kysely";
import { addIdColumn, storeKindOf } from "./helpers.ts";

export const migration008Rules: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const kind = storeKindOf(db);
    await db.schema
      .createTable("rule_alerts")
      .addColumn("rule_id", "text", (col) => col.notNull())
      .addColumn("fingerprint", "text", (col) => col.notNull())
      .addColumn("labels", "text", (col) => col.notNull())
      .addColumn("state", "text", (col) => col.notNull())
      .addColumn("level", "text")
      .addColumn("holding_since", "text", (col) => col.notNull())
      .addColumn("fired_at", "bigint")
      .addColumn("recovered_at", "bigint")
      .addColumn("value", "double precision")
      .addColumn("no_data", "integer", (col) => col.notNull().defaultTo(0))
      .addColumn("updated_at", "bigint", (col) => col.notNull())
      .addPrimaryKeyConstraint("rule_alerts_pk", ["rule_id", "fingerprint"])
      .execute();

    await db.schema
      .createTable("rule_status")
      .addColumn("rule_id", "text", (col) => col.primaryKey())
      .addColumn("last_eval_at", "bigint", (col) => col.notNull())
      .addColumn("duration_ms", "double precision", (col) => col.notNull())
      .addColumn("health", "text", (col) => col.notNull())
      .addColumn("last_error", "text")
      .addColumn("series", "integer", (col) => col.notNull())
      .execute();

    await addIdColumn(db.schema.createTable("alert_events"), kind)
      .addColumn("rule_id", "text", (col) => col.notNull())
      .addColumn("fingerprint", "text", (col) => col.notNull())
      .addColumn("at", "bigint", (col) => col.notNull())
      .addColumn("from_state", "text", (col) => col.notNull())
      .addColumn("from_level", "text")
      .addColumn("to_state", "text", (col) => col.notNull())
      .addColumn("to_level", "text")
      .addColumn("value", "double precision")
      .addColumn("labels", "text", (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex("alert_events_rule_id_at_idx")
      .on("alert_events")
      .columns(["rule_id", "at"])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("alert_events").execute();
    await db.schema.dropTable("rule_status").execute();
    await db.schema.dropTable("rule_alerts").execute();
  },
};
