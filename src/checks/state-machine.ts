/**
 * How one result moves a check's state, with its thresholds:
 *
 * - a pass (or a degraded pass: only latency assertions failed) counts toward
 *   `success_threshold`; a down (or late) check is up again once that many passed in a row,
 *   a pending one at the first pass;
 * - a failure counts toward `failure_threshold`; the check is down once that many failed in
 *   a row, and keeps its previous state until then (a single blip is not an outage);
 * - a source may decide the state itself (heartbeats: `late`).
 */
import type { CheckConfig } from "../config/schema.ts";
import type { CheckState } from "../core/events.ts";
import type { CheckStateRow } from "./repository.ts";

export interface JudgedResult {
  at: number;
  ok: boolean;
  degraded?: boolean;
  durationMs: number;
  errorKind: string | null;
  message: string | null;
  state?: CheckState;
}

type Thresholds = Pick<CheckConfig, "failure_threshold" | "success_threshold">;

export function nextState(
  previous: CheckStateRow,
  r: JudgedResult,
  config: Thresholds,
  now: number,
): CheckStateRow {
  if (r.errorKind === "interrupted") return { ...previous };
  const passed = r.ok || r.degraded === true;
  // Capped at the threshold: counting further would only cause a store write per run.
  const successes = passed
    ? Math.min(previous.consecutiveSuccesses + 1, config.success_threshold)
    : 0;
  const failures = passed ? 0 : previous.consecutiveFailures + 1;
  let state: CheckState;
  if (r.state) state = r.state;
  else if (passed) {
    const recovering = previous.state === "down" || previous.state === "late";
    state =
      recovering && successes < config.success_threshold
        ? previous.state
        : r.ok
          ? "up"
          : "degraded";
  } else {
    state = failures >= config.failure_threshold ? "down" : previous.state;
  }
  return {
    ...previous,
    state,
    since: state === previous.state ? previous.since : now,
    lastRunAt: r.at,
    lastDurationMs: r.durationMs,
    lastMessage: r.message,
    consecutiveFailures: failures,
    consecutiveSuccesses: successes,
  };
}
