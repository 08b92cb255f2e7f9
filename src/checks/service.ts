import type { CheckConfig } from "../config/schema.ts";
import type { Clock } from "../core/clock.ts";
import type { CheckState, EventBus } from "../core/events.ts";
import { Scheduler } from "../core/scheduler.ts";
import type { Log } from "../log/logger.ts";
import type { Metrics } from "../metrics/registry.ts";
import { type Assertion, parseAssertion } from "./assertions.ts";
import type { CheckRepository, CheckStateRow } from "./repository.ts";
import { runCheck } from "./run-check.ts";

export interface CheckServiceDeps {
  repository: CheckRepository;
  clock: Clock;
  log: Log;
  metrics: Metrics;
  bus: EventBus;
  /** Unyo's own base URL, for checks whose url is a path such as /api/health. */
  baseUrl: () => string;
  concurrency?: number;
}

interface Entry {
  config: CheckConfig;
  assertions: Assertion[];
}

/** Schedules the configured checks, records every result and publishes state changes. */
export class CheckService {
  readonly #deps: CheckServiceDeps;
  readonly #scheduler: Scheduler;
  readonly #checks = new Map<string, Entry>();
  #states = new Map<string, CheckStateRow>();

  constructor(deps: CheckServiceDeps) {
    this.#deps = deps;
    this.#scheduler = new Scheduler({
      clock: deps.clock,
      concurrency: deps.concurrency ?? 64,
      onError: (key, error) =>
        deps.log.error({ checkId: key, error }, "check run failed unexpectedly"),
    });
  }

  #startedAt = 0;

  async start(checks: readonly CheckConfig[]): Promise<void> {
    this.#startedAt = this.#deps.clock.now();
    this.#states = await this.#deps.repository.loadStates();
    this.apply(checks);
  }

  /** Applies a (re)loaded check list: new checks start, removed ones stop, changed ones update. */
  apply(checks: readonly CheckConfig[]): void {
    const wanted = new Set(checks.map((c) => c.id));
    for (const id of this.#checks.keys()) {
      if (!wanted.has(id)) {
        this.#checks.delete(id);
        this.#scheduler.remove(id);
        this.#deps.metrics.checkUp.remove({ check: id });
      }
    }
    for (const config of checks) {
      this.#checks.set(config.id, { config, assertions: config.expect.map(parseAssertion) });
      if (config.paused) {
        this.#scheduler.remove(config.id);
        continue;
      }
      this.#scheduler.upsert({
        key: config.id,
        intervalMs: config.every,
        run: (signal, slot) => this.#runScheduled(config.id, signal, slot),
      });
    }
  }

  list(): { config: CheckConfig; state: CheckStateRow | undefined }[] {
    return [...this.#checks.values()].map(({ config }) => ({
      config,
      state: this.#stateOf(config),
    }));
  }

  get(id: string): { config: CheckConfig; state: CheckStateRow | undefined } | undefined {
    const entry = this.#checks.get(id);
    return entry && { config: entry.config, state: this.#stateOf(entry.config) };
  }

  /** The next scheduled run, if the check is scheduled. */
  nextDue(id: string): number | undefined {
    return this.#scheduler.nextAt(id);
  }

  async stop(graceMs: number): Promise<void> {
    await this.#scheduler.stop(graceMs);
  }

  #stateOf(config: CheckConfig): CheckStateRow | undefined {
    const state = this.#states.get(config.id);
    if (config.paused) {
      return { ...(state ?? emptyState(config.id, this.#startedAt)), state: "paused" };
    }
    return state;
  }

  async #runScheduled(id: string, signal: AbortSignal, slot: number): Promise<void> {
    const entry = this.#checks.get(id);
    if (!entry) return;
    const { clock, repository, metrics, bus, log } = this.#deps;
    const startedAt = clock.now();
    const result = await runCheck(entry.config, entry.assertions, {
      baseUrl: this.#deps.baseUrl(),
      signal,
    });
    const now = clock.now();
    const previous = this.#states.get(id) ?? emptyState(id, startedAt);

    let next: CheckStateRow;
    if (result.errorKind === "interrupted") {
      // Shutdown cut the run short: record it, but it says nothing about the target.
      next = { ...previous, nextDueAt: this.#scheduler.nextAt(id) ?? null };
    } else {
      const state: CheckState = result.ok ? "up" : result.degraded ? "degraded" : "down";
      next = {
        checkId: id,
        state,
        since: state === previous.state ? previous.since : now,
        lastRunAt: startedAt,
        lastDurationMs: result.durationMs,
        lastMessage: result.message,
        consecutiveFailures: result.ok ? 0 : previous.consecutiveFailures + 1,
        nextDueAt: this.#scheduler.nextAt(id) ?? null,
      };
      const outcome = result.ok ? "up" : state;
      metrics.checkRuns.inc({ check: id, outcome });
      metrics.checkDuration.observe({ check: id }, result.durationMs / 1000);
      metrics.checkUp.set({ check: id }, result.ok ? 1 : 0);
    }
    this.#states.set(id, next);
    await repository.record(
      {
        checkId: id,
        startedAt,
        durationMs: result.durationMs,
        ok: result.ok,
        errorKind: result.errorKind,
        message: result.message,
      },
      next,
      now,
    );
    bus.emit("check.result", {
      checkId: id,
      at: startedAt,
      ok: result.ok,
      durationMs: result.durationMs,
      errorKind: result.errorKind,
      message: result.message,
    });
    if (next.state !== previous.state) {
      const level = next.state === "up" ? "info" : "warn";
      log[level](
        { checkId: id, from: previous.state, to: next.state, reason: result.message, slot },
        `check ${id} is ${next.state}`,
      );
      bus.emit("check.transition", {
        checkId: id,
        at: now,
        from: previous.state,
        to: next.state,
        message: result.message,
      });
    }
  }
}

function emptyState(checkId: string, at: number): CheckStateRow {
  return {
    checkId,
    state: "pending",
    since: at,
    lastRunAt: null,
    lastDurationMs: null,
    lastMessage: null,
    consecutiveFailures: 0,
    nextDueAt: null,
  };
}
