/**
 * The life of one alert — one rule, one label set — as a pure function of the previous
 * state, what this evaluation saw, and the time (docs/rules.md#alert-states):
 *
 *   inactive ──condition holds──▶ pending ──held for `for`──▶ firing ──recovered──▶ inactive
 *                                    └──condition gone──▶ inactive (never notified)
 *
 * - Warning and critical are levels of one alert. Each level has its own "holding since"
 *   time, so critical needs `for` too before the alert escalates; it de-escalates at once
 *   when critical no longer holds.
 * - Recovery (Zabbix-style hysteresis): a firing alert resolves only when no level holds AND
 *   the `recover` condition holds (without `recover`: as soon as no level holds). Between
 *   the two (e.g. 65 with warning > 70 and recover < 60) it keeps firing, at warning when the
 *   rule has that level.
 * - `keep_firing_for`: once recovered, it keeps firing that long; a relapse inside it
 *   continues the same alert.
 * - No data (the label set is missing from the result): `keep` freezes the alert, `ok`
 *   counts as recovered, `alert` counts as the rule's lowest level holding (value NaN).
 */
import type { Level } from "../config/rules-schema.ts";
import type { AlertStateName } from "../core/events.ts";
import { meets, type Threshold } from "./threshold.ts";

export type { AlertStateName };

export interface AlertState {
  state: AlertStateName;
  /** Firing: the level notified. Pending: the level that is waiting out `for`. */
  level: Level | null;
  /** Per level, since when its condition has held without a break. */
  holdingSince: Partial<Record<Level, number>>;
  /** When the alert began firing (kept through escalation). */
  firedAt: number | null;
  /** While keep_firing_for runs: when the alert recovered. */
  recoveredAt: number | null;
  /** The last value seen (NaN for no data). */
  value: number;
  /** Whether the last evaluation had no data for this label set. */
  noData: boolean;
}

export const INACTIVE: AlertState = Object.freeze({
  state: "inactive",
  level: null,
  holdingSince: Object.freeze({}),
  firedAt: null,
  recoveredAt: null,
  value: Number.NaN,
  noData: false,
}) as AlertState;

/** How a rule judges values; built once per rule from its config. */
export interface AlertPolicy {
  /** Thresholds per level; absent for condition rules. */
  levels: Partial<Record<Level, Threshold>>;
  /** For condition rules (the expression compares): the level of every returned series. */
  conditionLevel?: Level;
  recover?: Threshold;
  forMs: number;
  keepFiringForMs: number;
  noData: "keep" | "ok" | "alert";
}

/**
 * What one evaluation saw for the label set: a value; nothing (no data); or, for condition
 * rules, that the series dropped out of the result — the condition no longer holds.
 */
export type Observation = { value: number } | { noData: true } | { clear: true };

const ORDER: readonly Level[] = ["warning", "critical"];
const rank = (level: Level | null) => (level === null ? -1 : ORDER.indexOf(level));

/** The levels whose condition holds for this observation. */
function holding(policy: AlertPolicy, seen: Observation): { levels: Level[]; recovered: boolean } {
  if ("clear" in seen) return { levels: [], recovered: true };
  if ("noData" in seen) {
    if (policy.noData === "alert") return { levels: [lowestLevel(policy)], recovered: false };
    return { levels: [], recovered: true }; // "keep" never gets here
  }
  if (policy.conditionLevel) return { levels: [policy.conditionLevel], recovered: false };
  const levels = ORDER.filter((l) => {
    const threshold = policy.levels[l];
    return threshold !== undefined && meets(threshold, seen.value);
  });
  const recovered =
    levels.length === 0 && (policy.recover === undefined || meets(policy.recover, seen.value));
  return { levels, recovered };
}

export function lowestLevel(policy: AlertPolicy): Level {
  if (policy.conditionLevel) return policy.conditionLevel;
  return ORDER.find((l) => policy.levels[l] !== undefined) ?? "warning";
}

/** The next state of one alert after an evaluation at `now`. */
export function nextAlertState(
  previous: AlertState,
  seen: Observation,
  policy: AlertPolicy,
  now: number,
): AlertState {
  const noData = "noData" in seen;
  if (noData && policy.noData === "keep") return { ...previous, noData: true };
  const value = "value" in seen ? seen.value : Number.NaN;
  const { levels, recovered } = holding(policy, seen);

  const holdingSince: Partial<Record<Level, number>> = {};
  for (const level of levels) holdingSince[level] = previous.holdingSince[level] ?? now;
  const due = levels.filter((l) => now - (holdingSince[l] as number) >= policy.forMs);
  const highestDue = due.reduce<Level | null>((a, l) => (rank(l) > rank(a) ? l : a), null);
  const highestHolding = levels.reduce<Level | null>((a, l) => (rank(l) > rank(a) ? l : a), null);
  const base = { holdingSince, value, noData };

  if (previous.state !== "firing") {
    if (highestDue) {
      return { ...base, state: "firing", level: highestDue, firedAt: now, recoveredAt: null };
    }
    if (highestHolding) {
      return { ...base, state: "pending", level: highestHolding, firedAt: null, recoveredAt: null };
    }
    return { ...INACTIVE, holdingSince: {}, value, noData };
  }

  // Firing: escalate when a higher level is due, de-escalate when the current one stopped.
  if (!recovered) {
    let level = previous.level ?? lowestLevel(policy);
    if (highestDue && rank(highestDue) > rank(level)) level = highestDue;
    else if (!levels.includes(level)) level = highestHolding ?? lowestLevel(policy);
    return { ...base, state: "firing", level, firedAt: previous.firedAt, recoveredAt: null };
  }
  const recoveredAt = previous.recoveredAt ?? now;
  if (now - recoveredAt < policy.keepFiringForMs) {
    return {
      ...base,
      state: "firing",
      level: previous.level,
      firedAt: previous.firedAt,
      recoveredAt,
    };
  }
  return { ...INACTIVE, holdingSince: {}, value, noData };
}

/** Whether two states differ in a way people are told about (state or level). */
export function changed(a: AlertState, b: AlertState): boolean {
  return a.state !== b.state || a.level !== b.level;
}
