import type { Kysely } from "kysely";
import type { CheckState } from "../core/events.ts";
import type { Database } from "../store/schema.ts";

/** Storage of check state and results. Times are epoch milliseconds; booleans 0/1. */
export interface CheckStateRow {
  checkId: string;
  state: CheckState;
  since: number;
  lastRunAt: number | null;
  lastDurationMs: number | null;
  lastMessage: string | null;
  consecutiveFailures: number;
  nextDueAt: number | null;
}

export interface CheckResultRow {
  checkId: string;
  startedAt: number;
  durationMs: number;
  ok: boolean;
  errorKind: string | null;
  message: string | null;
}

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
          lastRunAt: r.last_run_at === null ? null : Number(r.last_run_at),
          lastDurationMs: r.last_duration_ms,
          lastMessage: r.last_message,
          consecutiveFailures: r.consecutive_failures,
          nextDueAt: r.next_due_at === null ? null : Number(r.next_due_at),
        },
      ]),
    );
  }

  /** Appends the result and saves the new state in one transaction. */
  async record(result: CheckResultRow, state: CheckStateRow, now: number): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      await tx
        .insertInto("check_results")
        .values({
          check_id: result.checkId,
          started_at: result.startedAt,
          duration_ms: result.durationMs,
          ok: result.ok ? 1 : 0,
          error_kind: result.errorKind,
          message: result.message,
        })
        .execute();
      const row = {
        state: state.state,
        since: state.since,
        last_run_at: state.lastRunAt,
        last_duration_ms: state.lastDurationMs,
        last_message: state.lastMessage,
        consecutive_failures: state.consecutiveFailures,
        next_due_at: state.nextDueAt,
        updated_at: now,
      };
      await tx
        .insertInto("check_state")
        .values({ check_id: state.checkId, ...row })
        .onConflict((oc) => oc.column("check_id").doUpdateSet(row))
        .execute();
    });
  }

  async recentResults(checkId: string, limit: number): Promise<CheckResultRow[]> {
    const rows = await this.#db
      .selectFrom("check_results")
      .selectAll()
      .where("check_id", "=", checkId)
      .orderBy("started_at", "desc")
      .orderBy("id", "desc")
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      checkId: r.check_id,
      startedAt: Number(r.started_at),
      durationMs: r.duration_ms,
      ok: r.ok === 1,
      errorKind: r.error_kind,
      message: r.message,
    }));
  }
}
