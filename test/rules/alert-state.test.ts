import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type AlertPolicy,
  type AlertState,
  INACTIVE,
  nextAlertState,
  type Observation,
} from "../../src/rules/alert-state.ts";
import { parseThreshold } from "../../src/rules/threshold.ts";

const MIN = 60_000;

function policy(overrides: Partial<AlertPolicy> = {}): AlertPolicy {
  return {
    levels: { warning: parseThreshold("> 70"), critical: parseThreshold("> 85") },
    recover: parseThreshold("< 60"),
    forMs: 0,
    keepFiringForMs: 0,
    noData: "keep",
    ...overrides,
  };
}

/** Feeds one observation per minute; returns "state/level" after each. */
function run(p: AlertPolicy, seen: (number | "none" | "clear")[]): string[] {
  let state: AlertState = INACTIVE;
  return seen.map((v, i) => {
    const obs: Observation =
      v === "none" ? { noData: true } : v === "clear" ? { clear: true } : { value: v };
    state = nextAlertState(state, obs, p, i * MIN);
    return state.state === "inactive" ? "inactive" : `${state.state}/${state.level}`;
  });
}

describe("alert state machine", () => {
  test("fires at once without for, escalates, de-escalates, resolves only under recover", () => {
    assert.deepEqual(run(policy(), [50, 72, 90, 80, 65, 61, 59, 72]), [
      "inactive",
      "firing/warning",
      "firing/critical",
      "firing/warning", // critical no longer holds: down to warning at once
      "firing/warning", // 65: no level holds, not recovered (hysteresis band)
      "firing/warning",
      "inactive", // 59 < 60: recovered
      "firing/warning",
    ]);
  });

  test("for: pending until held long enough; one dip resets it", () => {
    const p = policy({ forMs: 2 * MIN });
    assert.deepEqual(run(p, [72, 72, 69, 72, 72, 72]), [
      "pending/warning",
      "pending/warning",
      "inactive", // a pending alert whose condition stops is dropped, never notified
      "pending/warning",
      "pending/warning",
      "firing/warning",
    ]);
  });

  test("for applies to escalation too: critical must hold for `for` while warning fires", () => {
    const p = policy({ forMs: 2 * MIN });
    assert.deepEqual(run(p, [72, 90, 90, 90, 90]), [
      "pending/warning",
      "pending/critical",
      "firing/warning", // warning held 2 minutes; critical only 1
      "firing/critical",
      "firing/critical",
    ]);
  });

  test("without recover, resolves when no level holds", () => {
    const p = policy({ recover: undefined as never });
    delete (p as { recover?: unknown }).recover;
    assert.deepEqual(run(p, [72, 65]), ["firing/warning", "inactive"]);
  });

  test("critical-only rule stays critical in the hysteresis band", () => {
    const p = policy({ levels: { critical: parseThreshold("> 85") } });
    assert.deepEqual(run(p, [90, 70, 50]), ["firing/critical", "firing/critical", "inactive"]);
  });

  test("keep_firing_for holds the alert after recovery; a relapse continues it", () => {
    const p = policy({ keepFiringForMs: 2 * MIN });
    assert.deepEqual(run(p, [72, 50, 50, 72, 50, 50, 50]), [
      "firing/warning",
      "firing/warning", // recovered at 1m, kept
      "firing/warning",
      "firing/warning", // relapse: same alert
      "firing/warning", // recovered again at 4m
      "firing/warning",
      "inactive", // 2 minutes after 4m
    ]);
  });

  test("firedAt survives escalation and keep_firing_for", () => {
    let s: AlertState = INACTIVE;
    s = nextAlertState(s, { value: 72 }, policy(), 1000);
    s = nextAlertState(s, { value: 90 }, policy(), 2000);
    assert.equal(s.firedAt, 1000);
    assert.equal(s.level, "critical");
  });

  test("no data: keep freezes, ok resolves, alert raises the lowest level after for", () => {
    assert.deepEqual(run(policy({ noData: "keep" }), [90, "none", "none", 50]), [
      "firing/critical",
      "firing/critical",
      "firing/critical",
      "inactive",
    ]);
    assert.deepEqual(run(policy({ noData: "ok" }), [90, "none"]), ["firing/critical", "inactive"]);
    assert.deepEqual(run(policy({ noData: "alert", forMs: MIN }), ["none", "none", 50]), [
      "pending/warning",
      "firing/warning",
      "inactive",
    ]);
  });

  test("condition rules: present holds at the configured level, clear resolves", () => {
    const p: AlertPolicy = {
      levels: {},
      conditionLevel: "critical",
      forMs: 0,
      keepFiringForMs: 0,
      noData: "keep",
    };
    assert.deepEqual(run(p, [1, 1, "clear"]), ["firing/critical", "firing/critical", "inactive"]);
  });

  test("NaN meets no threshold and does not count as recovered", () => {
    assert.deepEqual(run(policy(), [90, Number.NaN, 50]), [
      "firing/critical",
      "firing/warning",
      "inactive",
    ]);
  });
});
