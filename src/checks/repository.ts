import type { Kysely } from "kysely";
import type { CheckState } from "../core/events.ts";
import type { Database } from "../store/schema.ts";

/**
 * Storage of check state and state transitions. Written when something changes — a new
 * state, a counter moving, a pause — never on every run: results go to the history
 * (src/checks/history/), which batches its writes.
 */
export interface CheckStateRow {
  checkId: string;
  state: CheckState;
  since: number;
  lastRunAt: number | null;
  lastDurationMs: number | null;
  lastMessage: string | null;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  nextDueAt: number | null;
  /** Who paused the check at run time, or null. */
  pausedBy: string | null;
  pausedAt: number | null;
}

export interface CheckEventRow {
  checkId: string;
  at: number;
  from: CheckState;
  to: CheckState;
  message: string | null;
}

const optional = (v: number | string | bigint | null): number | null =>
  v === null ? null : Number(v);

export class CheckRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async loadStates(): Promise<Map<string, CheckStateRow>> {
    const rows = await this.#db.selectFrom("check_state").selectAll().execute();
    return new Map(
      rows.map((r) => [
        r.check_id,
        {
          checkId: r.check_id,
          state: r.state as CheckState,
          since: Number(r.since),
          lastRunAt: optional(r.last_run_at),
          lastDurationMs: r.last_duration_ms,
          lastMessage: r.last_message,
          consecutiveFailures: Number(r.consecutive_failures),
          consecutiveSuccesses: Number(r.consecutive_successes),
          nextDueAt: optional(r.next_due_at),
          pausedBy: r.paused_by,
          pausedAt: optional(r.paused_at),
        },
      ]),
    );
  }

  /** Saves a state, and the transition that led to it when there is one, together. */
  async save(state: CheckStateRow, now: number, event?: CheckEventRow): Promise<void> {
    const row = {
      state: state.state,
      since: state.since,
      last_run_at: state.lastRunAt,
      last_duration_ms: state.lastDurationMs,
      last_message: state.lastMessage,
      consecutive_failures: state.consecutiveFailures,
      consecutive_successes: state.consecutiveSuccesses,
      next_due_at: state.nextDueAt,
      paused_by: state.pausedBy,
      paused_at: state.pausedAt,
      updated_at: now,
    };
    await this.#db.transaction().execute(async (tx) => {
      await tx
        .insertInto("check_state")
        .values({ check_id: state.checkId, ...row })
        .onConflict((oc) => oc.column("check_id").doUpdateSet(row))
        .execute();
      if (event) {
        await tx
          .insertInto("check_events")
          .values({
            check_id: event.checkId,
            at: event.at,
            from_state: event.from,
            to_state: event.to,
            message: event.message,
          })
          .execute();
      }
    });
  }

  /** Transitions of one check, newest first. */
  async events(
    checkId: string,
    limit: number,
    before = Number.MAX_SAFE_INTEGER,
  ): Promise<CheckEventRow[]> {
    const rows = await this.#db
      .selectFrom("check_events")
      .selectAll()
      .where("check_id", "=", checkId)
      .where("at", "<", before)
      .orderBy("at", "desc")
      .orderBy("id", "desc")
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      checkId: r.check_id,
      at: Number(r.at),
      from: r.from_state as CheckState,
      to: r.to_state as CheckState,
      message: r.message,
    }));
  }
}
