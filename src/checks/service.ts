import type { CheckConfig } from "../config/schema.ts";
import type { Clock } from "../core/clock.ts";
import { UnyoError } from "../core/errors.ts";
import type { CheckState, EventBus } from "../core/events.ts";
import { Scheduler } from "../core/scheduler.ts";
import type { Log } from "../log/logger.ts";
import type { Metrics } from "../metrics/registry.ts";
import { type Assertion, parseAssertion } from "./assertions.ts";
import type { CheckHistory } from "./history/history.ts";
import type { Outcome } from "./history/sample-codec.ts";
import type { CheckRepository, CheckStateRow } from "./repository.ts";
import { type CheckRunResult, runCheck } from "./run-check.ts";
import { nextState } from "./state-machine.ts";

export interface CheckServiceDeps {
  repository: CheckRepository;
  history: CheckHistory;
  clock: Clock;
  log: Log;
  metrics: Metrics;
  bus: EventBus;
  /** Unyo's own base URL, for checks whose url is a path such as /api/health. */
  baseUrl: () => string;
  concurrency?: number;
  /** 0 ≤ x < 1; injectable for tests of jitter. */
  random?: () => number;
}

interface Entry {
  config: CheckConfig;
  assertions: Assertion[];
}

/** A result from outside the scheduler (heartbeats, "run now"). */
export interface ExternalResult {
  at: number;
  ok: boolean;
  degraded?: boolean;
  durationMs: number;
  errorKind: CheckRunResult["errorKind"];
  message: string | null;
  /** A state the source decided (a heartbeat is "late"), instead of the thresholds'. */
  state?: CheckState;
}

/**
 * Schedules the configured checks, judges each result against the check's thresholds,
 * records results in the history and state changes in the store, and publishes every
 * transition on the event bus.
 */
export class CheckService {
  readonly #deps: CheckServiceDeps;
  readonly #scheduler: Scheduler;
  readonly #checks = new Map<string, Entry>();
  #states = new Map<string, CheckStateRow>();
  readonly #maintenance = new Set<string>();
  #startedAt = 0;

  constructor(deps: CheckServiceDeps) {
    this.#deps = deps;
    this.#scheduler = new Scheduler({
      clock: deps.clock,
      concurrency: deps.concurrency ?? 256,
      // First runs spread over the interval (up to a minute): no thundering herd at start.
      spreadMs: 60_000,
      onError: (key, error) =>
        deps.log.error({ checkId: key, error }, "check run failed unexpectedly"),
      onStart: (_key, lagMs) => deps.metrics.checkStartLag.observe(lagMs / 1000),
    });
  }

  async start(checks: readonly CheckConfig[]): Promise<void> {
    this.#startedAt = this.#deps.clock.now();
    this.#states = await this.#deps.repository.loadStates();
    this.#deps.history.start();
    await this.apply(checks);
  }

  /** Applies a (re)loaded check list: new checks start, removed ones stop, changed ones update. */
  async apply(checks: readonly CheckConfig[]): Promise<void> {
    const wanted = new Set(checks.map((c) => c.id));
    for (const id of this.#checks.keys()) {
      if (!wanted.has(id)) {
        this.#checks.delete(id);
        this.#scheduler.remove(id);
        this.#deps.history.forget(id);
        this.#deps.metrics.checkUp.remove({ check: id });
      }
    }
    const scheduled: CheckStateRow[] = [];
    for (const config of checks) {
      this.#checks.set(config.id, { config, assertions: config.expect.map(parseAssertion) });
      if (config.kind === "heartbeat" || this.#pausedBy(config) !== null) {
        this.#scheduler.remove(config.id);
        continue;
      }
      const row = this.#schedule(config);
      if (row) scheduled.push(row);
    }
    // Next-due times are saved so a restart resumes the same slots: one write per change.
    for (const row of scheduled) await this.#deps.repository.save(row, this.#deps.clock.now());
  }

  #schedule(config: CheckConfig): CheckStateRow | undefined {
    const now = this.#deps.clock.now();
    const state = this.#states.get(config.id);
    const stored = state?.nextDueAt ?? null;
    // A slot still ahead (and within one interval) is kept; a missed one runs soon, spread.
    const keep = stored !== null && stored > now && stored - now <= config.every;
    this.#scheduler.upsert({
      key: config.id,
      intervalMs: config.every,
      ...(keep ? { firstAt: stored } : {}),
      run: (signal, slot) => this.#runScheduled(config.id, signal, slot),
    });
    const nextDueAt = this.#scheduler.nextAt(config.id) ?? null;
    if (nextDueAt === stored) return undefined;
    const next = { ...(state ?? emptyState(config.id, now)), nextDueAt };
    this.#states.set(config.id, next);
    return next;
  }

  list(): { config: CheckConfig; state: CheckStateRow }[] {
    return [...this.#checks.values()].map(({ config }) => ({ config, state: this.#view(config) }));
  }

  get(id: string): { config: CheckConfig; state: CheckStateRow } | undefined {
    const entry = this.#checks.get(id);
    return entry && { config: entry.config, state: this.#view(entry.config) };
  }

  /** The next scheduled run, if the check is scheduled. */
  nextDue(id: string): number | undefined {
    return this.#scheduler.nextAt(id);
  }

  /** Stops scheduling a check until resume(); remembered across restarts. */
  async pause(id: string, by: string): Promise<CheckStateRow> {
    const entry = this.#require(id);
    const now = this.#deps.clock.now();
    const before = this.#view(entry.config);
    this.#scheduler.remove(id);
    const state = { ...(this.#states.get(id) ?? emptyState(id, now)), pausedBy: by, pausedAt: now };
    this.#states.set(id, state);
    await this.#save(id, before.state, now, `paused by ${by}`);
    return this.#view(entry.config);
  }

  async resume(id: string): Promise<CheckStateRow> {
    const entry = this.#require(id);
    const now = this.#deps.clock.now();
    const before = this.#view(entry.config);
    const state = {
      ...(this.#states.get(id) ?? emptyState(id, now)),
      pausedBy: null,
      pausedAt: null,
    };
    this.#states.set(id, state);
    if (!entry.config.paused && entry.config.kind !== "heartbeat") {
      this.#states.set(id, { ...state, nextDueAt: null });
      this.#schedule(entry.config);
    }
    await this.#save(id, before.state, now, "resumed");
    return this.#view(entry.config);
  }

  /** Maintenance: results are still recorded, the state shows `maintenance` (issue #6 windows). */
  async setMaintenance(id: string, on: boolean): Promise<void> {
    const entry = this.#require(id);
    const before = this.#view(entry.config).state;
    if (on) this.#maintenance.add(id);
    else this.#maintenance.delete(id);
    await this.#save(
      id,
      before,
      this.#deps.clock.now(),
      on ? "maintenance began" : "maintenance ended",
    );
  }

  /** Runs a check now, outside its schedule, and records the result like any other. */
  async runNow(id: string, signal: AbortSignal): Promise<CheckRunResult> {
    const entry = this.#require(id);
    if (entry.config.kind === "heartbeat") {
      throw new UnyoError(
        "UNYO_E_VALIDATION",
        `${id} is a heartbeat: it is not run, it reports in.`,
        {
          hint: "Ping its URL from the job instead.",
        },
      );
    }
    const at = this.#deps.clock.now();
    const result = await runCheck(entry.config, entry.assertions, {
      baseUrl: this.#deps.baseUrl(),
      signal,
    });
    await this.record(id, { ...result, at });
    return result;
  }

  async stop(graceMs: number): Promise<void> {
    await this.#scheduler.stop(graceMs);
    await this.#deps.history.stop();
  }

  async #runScheduled(id: string, signal: AbortSignal, _slot: number): Promise<void> {
    const entry = this.#checks.get(id);
    if (!entry) return;
    const { jitter } = entry.config;
    if (jitter > 0) {
      await delay(Math.floor((this.#deps.random ?? Math.random)() * jitter), signal);
      if (signal.aborted) return;
    }
    const at = this.#deps.clock.now();
    const result = await runCheck(entry.config, entry.assertions, {
      baseUrl: this.#deps.baseUrl(),
      signal,
    });
    await this.record(id, { ...result, at });
  }

  /** Judges and records one result: history, state, transition, metrics. */
  async record(id: string, result: ExternalResult): Promise<void> {
    const entry = this.#checks.get(id);
    if (!entry) return;
    const { clock, metrics, history } = this.#deps;
    const now = clock.now();
    const outcome: Outcome = result.ok
      ? "ok"
      : result.degraded
        ? "degraded"
        : (result.errorKind ?? "assertion");
    if (result.errorKind !== "interrupted") {
      history.record({
        checkId: id,
        at: result.at,
        durationMs: result.durationMs,
        outcome,
        message: result.message,
      });
      metrics.checkRuns.inc({
        check: id,
        outcome: result.ok ? "up" : outcome === "degraded" ? "degraded" : "down",
      });
      metrics.checkDuration.set({ check: id }, result.durationMs / 1000);
      metrics.checkUp.set({ check: id }, result.ok ? 1 : 0);
    }
    this.#deps.bus.emit("check.result", {
      checkId: id,
      at: result.at,
      ok: result.ok,
      durationMs: result.durationMs,
      errorKind: result.errorKind,
      message: result.message,
    });
    const before = this.#view(entry.config).state;
    let state = this.#states.get(id);
    if (!state) {
      state = emptyState(id, this.#startedAt);
      this.#states.set(id, state);
    }
    const next = nextState(state, result, entry.config, now);
    const changed =
      next.state !== state.state ||
      next.consecutiveFailures !== state.consecutiveFailures ||
      next.consecutiveSuccesses !== state.consecutiveSuccesses;
    // Updated in place: a new state object per run would be garbage that lives a whole
    // interval, which at thousands of checks fills the old generation between collections.
    Object.assign(state, next, { nextDueAt: this.#scheduler.nextAt(id) ?? state.nextDueAt });
    if (changed) await this.#save(id, before, now, result.message);
  }

  /** Saves the state; when the visible state changed, records and publishes the transition. */
  async #save(id: string, before: CheckState, now: number, message: string | null): Promise<void> {
    const entry = this.#checks.get(id);
    const state = this.#states.get(id);
    if (!entry || !state) return;
    const after = this.#view(entry.config).state;
    const event =
      after === before ? undefined : { checkId: id, at: now, from: before, to: after, message };
    // The stored state is the judged one; paused and maintenance are kept beside it.
    await this.#deps.repository.save(state, now, event);
    if (!event) return;
    const level = after === "up" ? "info" : "warn";
    this.#deps.log[level](
      { checkId: id, from: before, to: after, reason: message },
      `check ${id} is ${after}`,
    );
    this.#deps.bus.emit("check.transition", {
      checkId: id,
      at: now,
      from: before,
      to: after,
      message,
    });
  }

  #pausedBy(config: CheckConfig): string | null {
    if (config.paused) return "config";
    return this.#states.get(config.id)?.pausedBy ?? null;
  }

  /** The state as people see it: paused and maintenance win over the judged state. */
  #view(config: CheckConfig): CheckStateRow {
    const state = this.#states.get(config.id) ?? emptyState(config.id, this.#startedAt);
    if (this.#pausedBy(config) !== null) return { ...state, state: "paused" };
    if (this.#maintenance.has(config.id)) return { ...state, state: "maintenance" };
    return state;
  }

  #require(id: string): Entry {
    const entry = this.#checks.get(id);
    if (!entry) throw new CheckNotFoundError(id);
    return entry;
  }
}

export class CheckNotFoundError extends Error {
  readonly checkId: string;
  constructor(checkId: string) {
    super(`No check with id "${checkId}".`);
    this.checkId = checkId;
  }
}

export function emptyState(checkId: string, at: number): CheckStateRow {
  return {
    checkId,
    state: "pending",
    since: at,
    lastRunAt: null,
    lastDurationMs: null,
    lastMessage: null,
    consecutiveFailures: 0,
    consecutiveSuccesses: 0,
    nextDueAt: null,
    pausedBy: null,
    pausedAt: null,
  };
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
