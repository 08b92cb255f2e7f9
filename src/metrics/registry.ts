import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * Unyo's own metrics, in a registry owned by one app instance (no module-level globals, so
 * two apps in one test process don't share counters).
 */
export function createMetrics(version: string) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "unyo_" });
  // These three are gauges named like counters; `promtool check metrics` rejects them, and
  // the handle/request counts say little that the event-loop metrics don't.
  for (const name of ["active_handles", "active_requests", "active_resources"]) {
    registry.removeSingleMetric(`unyo_nodejs_${name}_total`);
  }

  const buildInfo = new Gauge({
    name: "unyo_build_info",
    help: "Unyo version; always 1",
    labelNames: ["version"],
    registers: [registry],
  });
  buildInfo.set({ version }, 1);

  return {
    registry,
    httpRequests: new Counter({
      name: "unyo_http_requests_total",
      help: "HTTP requests served, by method, route and status code",
      labelNames: ["method", "route", "status"],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: "unyo_http_request_duration_seconds",
      help: "Time to serve HTTP requests",
      labelNames: ["method", "route"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    configReloads: new Counter({
      name: "unyo_config_reloads_total",
      help: "Config reload attempts, by outcome (applied or rejected)",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    storeUp: new Gauge({
      name: "unyo_store_up",
      help: "1 when the last store health probe succeeded",
      registers: [registry],
    }),
    checkRuns: new Counter({
      name: "unyo_check_runs_total",
      help: "Check runs, by check and outcome",
      labelNames: ["check", "outcome"],
      registers: [registry],
    }),
    // A gauge, not a histogram: a histogram per check is a dozen series each, too many at
    // thousands of checks. Latency percentiles per check come from the history API.
    checkDuration: new Gauge({
      name: "unyo_check_duration_seconds",
      help: "Duration of the check's last run",
      labelNames: ["check"],
      registers: [registry],
    }),
    checkStartLag: new Histogram({
      name: "unyo_check_start_lag_seconds",
      help: "How late check runs start against their scheduled slot",
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    checkUp: new Gauge({
      name: "unyo_check_up",
      help: "1 when the check's last run passed, 0 when it failed",
      labelNames: ["check"],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
