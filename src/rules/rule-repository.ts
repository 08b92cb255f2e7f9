/**
 * Where rule state lives between restarts: each rule's non-inactive alerts (with the timers
 * `for` and `keep_firing_for` need, so a restart neither re-fires nor forgets a pending
 * alert), each rule's last evaluation, and the transition log. Writes are batched: whatever
 * the rules produced since the last write goes in one transaction.
 */
import type { Kysely } from "kysely";
import type { Level } from "../config/rules-schema.ts";
import type { Labels } from "../metrics/series.ts";
import type { Database } from "../store/schema.ts";
import type { AlertStateName } from "./alert-state.ts";
import type { AlertTransition, TrackedAlert } from "./rule-round.ts";

export interface RuleStatusRow {
  ruleId: string;
  lastEvalAt: number;
  durationMs: number;
  health: "ok" | "error";
  lastError: string | null;
  series: number;
}

export interface RuleWrite {
  ruleId: string;
  dirty: TrackedAlert[];
  removed: string[];
  transitions: AlertTransition[];
  /** Absent for a rule that was removed (its status row is deleted). */
  status?: RuleStatusRow;
}

/** NaN is stored as NULL (SQLite has no NaN); ±Inf are stored as they are. */
const toDb = (n: number) => (Number.isNaN(n) ? null : n);
const fromDb = (n: number | null) => (n === null ? Number.NaN : Number(n));

export class RuleRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async loadAlerts(): Promise<Map<string, Map<string, TrackedAlert>>> {
    const rows = await this.#db.selectFrom("rule_alerts").selectAll().execute();
    const byRule = new Map<string, Map<string, TrackedAlert>>();
    for (const row of rows) {
      const alerts = byRule.get(row.rule_id) ?? new Map<string, TrackedAlert>();
      byRule.set(row.rule_id, alerts);
      alerts.set(row.fingerprint, {
        fingerprint: row.fingerprint,
        identity: JSON.parse(row.labels) as Labels,
        state: row.state as AlertStateName,
        level: row.level as Level | null,
        holdingSince: JSON.parse(row.holding_since) as TrackedAlert["holdingSince"],
        firedAt: row.fired_at === null ? null : Number(row.fired_at),
        recoveredAt: row.recovered_at === null ? null : Number(row.recovered_at),
        value: fromDb(row.value),
        noData: row.no_data === 1,
        updatedAt: Number(row.updated_at),
      });
    }
    return byRule;
  }

  async loadStatus(): Promise<Map<string, RuleStatusRow>> {
    const rows = await this.#db.selectFrom("rule_status").selectAll().execute();
    return new Map(
      rows.map((r) => [
        r.rule_id,
        {
          ruleId: r.rule_id,
          lastEvalAt: Number(r.last_eval_at),
          durationMs: Number(r.duration_ms),
          health: r.health === "error" ? "error" : "ok",
          lastError: r.last_error,
          series: r.series,
        },
      ]),
    );
  }

  /** Writes a batch of rounds in one transaction. */
  async write(batch: readonly RuleWrite[]): Promise<void> {
    if (batch.length === 0) return;
    await this.#db.transaction().execute(async (tx) => {
      for (const w of batch) {
        for (const fp of w.removed) {
          await tx
            .deleteFrom("rule_alerts")
            .where("rule_id", "=", w.ruleId)
            .where("fingerprint", "=", fp)
            .execute();
        }
        for (const a of w.dirty) {
          const row = {
            labels: JSON.stringify(a.identity),
            state: a.state,
            level: a.level,
            holding_since: JSON.stringify(a.holdingSince),
            fired_at: a.firedAt,
            recovered_at: a.recoveredAt,
            value: toDb(a.value),
            no_data: (a.noData ? 1 : 0) as 0 | 1,
            updated_at: a.updatedAt,
          };
          await tx
            .insertInto("rule_alerts")
            .values({ rule_id: w.ruleId, fingerprint: a.fingerprint, ...row })
            .onConflict((oc) => oc.columns(["rule_id", "fingerprint"]).doUpdateSet(row))
            .execute();
        }
        if (w.transitions.length > 0) {
          await tx
            .insertInto("alert_events")
            .values(
              w.transitions.map((t) => ({
                rule_id: w.ruleId,
                fingerprint: t.fingerprint,
                at: t.at,
                from_state: t.from.state,
                from_level: t.from.level,
                to_state: t.to.state,
                to_level: t.to.level,
                value: toDb(t.to.value),
                labels: JSON.stringify(t.identity),
              })),
            )
            .execute();
        }
      }
      const statuses = latestStatuses(batch);
      const s = statuses.map((st) => ({
        rule_id: st.ruleId,
        last_eval_at: st.lastEvalAt,
        duration_ms: st.durationMs,
        health: st.health,
        last_error: st.lastError,
        series: st.series,
      }));
      for (let i = 0; i < s.length; i += 200) {
        await tx
          .insertInto("rule_status")
          .values(s.slice(i, i + 200))
          .onConflict((oc) =>
            oc.column("rule_id").doUpdateSet((eb) => ({
              last_eval_at: eb.ref("excluded.last_eval_at"),
              duration_ms: eb.ref("excluded.duration_ms"),
              health: eb.ref("excluded.health"),
              last_error: eb.ref("excluded.last_error"),
              series: eb.ref("excluded.series"),
            })),
          )
          .execute();
      }
    });
  }

  /** Forgets rules no longer configured. */
  async removeRules(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#db.deleteFrom("rule_alerts").where("rule_id", "in", ids).execute();
    await this.#db.deleteFrom("rule_status").where("rule_id", "in", ids).execute();
  }

  async events(filter: { ruleId?: string; since?: number; limit: number }): Promise<
    {
      ruleId: string;
      fingerprint: string;
      at: number;
      from: { state: string; level: string | null };
      to: { state: string; level: string | null };
      value: number;
      labels: Labels;
    }[]
  > {
    let q = this.#db
      .selectFrom("alert_events")
      .selectAll()
      .orderBy("id", "desc")
      .limit(filter.limit);
    if (filter.ruleId) q = q.where("rule_id", "=", filter.ruleId);
    if (filter.since !== undefined) q = q.where("at", ">=", filter.since);
    const rows = await q.execute();
    return rows.map((r) => ({
      ruleId: r.rule_id,
      fingerprint: r.fingerprint,
      at: Number(r.at),
      from: { state: r.from_state, level: r.from_level },
      to: { state: r.to_state, level: r.to_level },
      value: fromDb(r.value),
      labels: JSON.parse(r.labels) as Labels,
    }));
  }

  /** Drops transition rows older than `beforeMs`. */
  async prune(beforeMs: number): Promise<number> {
    const r = await this.#db
      .deleteFrom("alert_events")
      .where("at", "<", beforeMs)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

/** The last status per rule in the batch (a rule may have run twice since the last write). */
function latestStatuses(batch: readonly RuleWrite[]): RuleStatusRow[] {
  const byRule = new Map<string, RuleStatusRow>();
  for (const w of batch) if (w.status) byRule.set(w.ruleId, w.status);
  return [...byRule.values()];
}
