/**
 * One evaluation of one rule, after its query answered: every label set in the result and
 * every alert the rule already holds goes through the alert state machine; what changed comes
 * back as transitions. Pure — no I/O, no clock — so the seed-table tests and the benchmark
 * drive it with exact times.
 */
import type { InstantSample, Labels } from "../metrics/series.ts";
import {
  type AlertState,
  changed,
  INACTIVE,
  nextAlertState,
  type Observation,
} from "./alert-state.ts";
import { type CompiledRule, fingerprint, seriesIdentity } from "./compiled-rule.ts";

export interface TrackedAlert extends AlertState {
  fingerprint: string;
  /** The series' labels without the metric name. */
  identity: Labels;
  /** When this record last changed (state, level or the timers `for` needs). */
  updatedAt: number;
}

export interface AlertTransition {
  fingerprint: string;
  identity: Labels;
  at: number;
  from: AlertState;
  to: AlertState;
}

export interface RoundResult {
  /** The alerts after this round that are not inactive; inactive ones are forgotten. */
  alerts: Map<string, TrackedAlert>;
  transitions: AlertTransition[];
  /** Records whose stored row must be written (changed in any field the next round reads). */
  dirty: TrackedAlert[];
  /** Fingerprints whose stored row must be deleted (became inactive). */
  removed: string[];
}

export function runRound(
  rule: CompiledRule,
  result: readonly InstantSample[],
  previous: ReadonlyMap<string, TrackedAlert>,
  now: number,
): RoundResult {
  const seen = new Map<string, { identity: Labels; observation: Observation }>();
  for (const sample of result) {
    const identity = seriesIdentity(sample.labels);
    seen.set(fingerprint(rule.config.id, identity), {
      identity,
      observation: { value: sample.value },
    });
  }
  // Label sets the rule held before that are missing now: no data (value rules), or the
  // condition stopped holding (condition rules). With nothing at all, `no_data: alert`
  // raises one alert for the rule itself, without series labels.
  const missing: Observation = rule.isCondition ? { clear: true } : { noData: true };
  for (const [fp, alert] of previous) {
    if (!seen.has(fp)) seen.set(fp, { identity: alert.identity, observation: missing });
  }
  if (seen.size === 0 && !rule.isCondition && rule.policy.noData === "alert") {
    seen.set(fingerprint(rule.config.id, {}), { identity: {}, observation: { noData: true } });
  }

  const out: RoundResult = { alerts: new Map(), transitions: [], dirty: [], removed: [] };
  for (const [fp, { identity, observation }] of seen) {
    const before = previous.get(fp);
    const from: AlertState = before ?? INACTIVE;
    const to = nextAlertState(from, observation, rule.policy, now);
    if (changed(from, to)) out.transitions.push({ fingerprint: fp, identity, at: now, from, to });
    if (to.state === "inactive") {
      if (before) out.removed.push(fp);
      continue;
    }
    const timersMoved =
      !before ||
      changed(from, to) ||
      from.recoveredAt !== to.recoveredAt ||
      from.noData !== to.noData ||
      !sameHolding(from, to);
    const record: TrackedAlert = {
      ...to,
      fingerprint: fp,
      identity,
      updatedAt: timersMoved ? now : (before?.updatedAt ?? now),
    };
    out.alerts.set(fp, record);
    if (timersMoved) out.dirty.push(record);
  }
  return out;
}

function sameHolding(a: AlertState, b: AlertState): boolean {
  return (
    a.holdingSince.warning === b.holdingSince.warning &&
    a.holdingSince.critical === b.holdingSince.critical
  );
}
