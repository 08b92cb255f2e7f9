import type { FastifyInstance } from "fastify";
import { buildApp } from "./api/app.ts";
import { AuditLog } from "./audit/audit-log.ts";
import { AuthService } from "./auth/auth-service.ts";
import { ensureFirstAdmin, type FirstAdminOutcome } from "./auth/first-admin.ts";
import { HeartbeatMonitor } from "./checks/heartbeat/monitor.ts";
import { CheckHistory } from "./checks/history/history.ts";
import { HistoryReader } from "./checks/history/history-reader.ts";
import { CheckRepository } from "./checks/repository.ts";
import { CheckService } from "./checks/service.ts";
import type { Env, LoadedConfig } from "./config/load.ts";
import { ConfigReloader, type ReloadAttempt } from "./config/reloader.ts";
import { type Clock, systemClock } from "./core/clock.ts";
import { EventBus } from "./core/events.ts";
import { type Log, type LogLevel, setLogLevel } from "./log/logger.ts";
import { MetricsRuntime } from "./metrics/metrics-runtime.ts";
import { createMetrics } from "./metrics/registry.ts";
import { registerSelfMetrics } from "./metrics/self-metrics.ts";
import type { Runtime } from "./runtime.ts";
import type { Store } from "./store/store.ts";
import { VERSION } from "./version.ts";

export interface UnyoOptions {
  loaded: LoadedConfig;
  env: Env;
  store: Store;
  log: Log;
  clock?: Clock;
  /** A level from the environment (UNYO_LOG_LEVEL) that reloads must not replace. */
  logLevelOverride?: LogLevel | undefined;
}

export interface Unyo {
  app: FastifyInstance;
  runtime: Runtime;
  /**
   * Starts scheduled work; call after the server listens so self-checks can reach it.
   * On an empty store it also creates the first admin or a setup link (see first-admin.ts).
   */
  start(baseUrl: string): Promise<{ firstAdmin: FirstAdminOutcome }>;
  reload(reason: string): Promise<ReloadAttempt>;
  /** Stops new work, lets running work finish (or records it as interrupted), closes the store. */
  stop(): Promise<void>;
}

/** Config keys that are read once at start: a change is reported as needing a restart. */
const RESTART_KEYS = [
  "server.host",
  "server.port",
  "server.body_limit",
  "server.trust_proxy",
  "storage",
  "history.flush_interval",
  "security.login_throttle",
] as const;

/** How often expired sessions and audit rows past retention are removed. */
const HOUSEKEEPING_INTERVAL_MS = 6 * 60 * 60 * 1000;

/** The composition root: every I/O resource is created or received here and closed in stop(). */
export async function createUnyo(options: UnyoOptions): Promise<Unyo> {
  const clock = options.clock ?? systemClock;
  const { log, store } = options;
  const metrics = createMetrics(VERSION);
  const bus = new EventBus((error) => log.error({ error }, "event listener failed"));
  const checkRepository = new CheckRepository(store.db);
  const history = new CheckHistory(store.db, clock, log, historyOptions(options.loaded));
  const historyReader = new HistoryReader(store.db, clock, history);
  const audit = new AuditLog(store.db, clock);
  let baseUrl = "http://127.0.0.1";
  const checks = new CheckService({
    repository: checkRepository,
    history,
    clock,
    log,
    metrics,
    bus,
    baseUrl: () => baseUrl,
  });

  const heartbeats = new HeartbeatMonitor({
    db: store.db,
    clock,
    log,
    onResult: (checkId, r) =>
      void checks
        .record(checkId, {
          at: r.at,
          ok: r.ok,
          // Late is a warning, not an outage: it counts as up in the uptime, like degraded.
          degraded: r.state === "late",
          durationMs: r.durationMs,
          errorKind: r.ok ? null : "heartbeat",
          message: r.message,
          state: r.state,
        })
        .catch((error: unknown) => log.error({ error, checkId }, "recording a heartbeat failed")),
  });
  let currentConfig = options.loaded.config;
  const metricsRuntime = new MetricsRuntime({
    db: store.db,
    clock,
    log,
    bus,
    config: () => currentConfig,
  });
  await metricsRuntime.open();
  registerSelfMetrics(metrics.registry, metricsRuntime);
  const applyHeartbeats = (loaded: LoadedConfig) =>
    heartbeats.apply(
      loaded.config.checks.flatMap((c) =>
        c.heartbeat ? [{ id: c.id, heartbeat: c.heartbeat, timezone: loaded.config.timezone }] : [],
      ),
    );

  const config = new ConfigReloader(options.loaded, {
    file: options.loaded.file,
    env: options.env,
    clock,
    log,
    apply: async (next, previous) => {
      setLogLevel(log, options.logLevelOverride ?? next.config.server.log_level);
      history.opts = historyOptions(next);
      await checks.apply(next.config.checks);
      await applyHeartbeats(next);
      currentConfig = next.config;
      await metricsRuntime.apply(next.config);
      bus.emit("config.applied", { revision: next.revision, at: clock.now() });
      return RESTART_KEYS.filter((key) => changed(key, next, previous));
    },
    record: async (attempt, file) => {
      metrics.configReloads.inc({ outcome: attempt.outcome });
      await store.db
        .insertInto("config_revisions")
        .values({
          revision: attempt.revision ?? "-",
          source: file,
          loaded_at: attempt.at,
          outcome: attempt.outcome === "rejected" ? "rejected" : "applied",
          errors: attempt.problems.length > 0 ? JSON.stringify(attempt.problems) : null,
        })
        .execute();
      await audit.append({
        actor: "system",
        action: "config.reload",
        outcome: attempt.outcome === "rejected" ? "failure" : "success",
        target: file,
        details: {
          revision: attempt.revision ?? null,
          problems: attempt.problems.length,
          restart_required: attempt.restartRequired,
        },
      });
      if (attempt.outcome === "rejected") {
        bus.emit("config.rejected", {
          revision: "-",
          at: attempt.at,
          problems: attempt.problems.length,
        });
      }
    },
  });

  const auth = new AuthService(store.db, clock, audit, () => config.current.config.security);
  const housekeeping = async () => {
    try {
      await auth.sessions.purgeExpired();
      const pruned = await audit.prune(config.current.config.security.audit_retention);
      if (pruned.deleted > 0)
        log.info({ deleted: pruned.deleted }, "audit log rows past retention pruned");
    } catch (error) {
      log.error({ error }, "housekeeping failed");
    }
  };
  let housekeepingTimer: NodeJS.Timeout | undefined;

  const runtime: Runtime = {
    version: VERSION,
    startedAt: clock.now(),
    clock,
    log,
    store,
    metrics,
    bus,
    config,
    checks,
    checkRepository,
    history: historyReader,
    heartbeats,
    auth,
    series: metricsRuntime.series,
    scrapes: metricsRuntime.scrapes,
    remotes: metricsRuntime.remotes,
    rules: metricsRuntime.rules,
    ruleRepository: metricsRuntime.ruleRepository,
    shuttingDown: false,
  };
  const app = await buildApp(runtime, {
    bodyLimit: options.loaded.config.server.body_limit,
    trustProxy: options.loaded.config.server.trust_proxy,
  });

  let stopping: Promise<void> | undefined;
  return {
    app,
    runtime,
    async start(url) {
      baseUrl = url;
      await store.db
        .insertInto("config_revisions")
        .values({
          revision: options.loaded.revision,
          source: options.loaded.file,
          loaded_at: clock.now(),
          outcome: "applied",
          errors: null,
        })
        .execute();
      const firstAdmin = await ensureFirstAdmin(
        { store, users: auth.users, audit, clock },
        options.env,
        options.loaded.config.security.setup_link_ttl,
      );
      await housekeeping();
      housekeepingTimer = setInterval(() => void housekeeping(), HOUSEKEEPING_INTERVAL_MS);
      housekeepingTimer.unref();
      await checks.start(options.loaded.config.checks);
      await heartbeats.start();
      await applyHeartbeats(options.loaded);
      metricsRuntime.start();
      config.watch();
      return { firstAdmin };
    },
    reload: (reason) => config.reload(reason),
    stop() {
      stopping ??= (async () => {
        config.close();
        clearInterval(housekeepingTimer);
        heartbeats.stop();
        // Checks first: a self-check still running must not see our own 503 and record "down".
        await checks.stop(config.current.config.server.shutdown_timeout);
        await metricsRuntime.stop();
        runtime.shuttingDown = true;
        await app.close();
        await store.close();
      })();
      return stopping;
    },
  };
}

function changed(key: (typeof RESTART_KEYS)[number], a: LoadedConfig, b: LoadedConfig): boolean {
  const pick = (c: LoadedConfig): unknown =>
    key
      .split(".")
      .reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], c.config);
  return JSON.stringify(pick(a)) !== JSON.stringify(pick(b));
}

function historyOptions(loaded: LoadedConfig) {
  const h = loaded.config.history;
  return {
    flushIntervalMs: h.flush_interval,
    rawRetentionMs: h.raw,
    hourlyRetentionMs: h.hourly,
    dailyRetentionMs: h.daily,
  };
}
