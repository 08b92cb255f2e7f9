/**
 * Unyo's own /metrics about the metrics capability: the embedded store's size and traffic,
 * scrape targets up, rule evaluations and open alerts. Gauges read at scrape time (prom-client
 * `collect`), so nothing is updated on the hot paths.
 */
import { Gauge, type Registry } from "prom-client";
import type { MetricsRuntime } from "./metrics-runtime.ts";

export function registerSelfMetrics(registry: Registry, m: MetricsRuntime): void {
  const gauge = (
    name: string,
    help: string,
    collect: (g: Gauge) => void,
    labelNames: string[] = [],
  ) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        collect(this);
      },
    });
  gauge("unyo_series", "Series in the embedded metric store", (g) =>
    g.set(m.series.stats().series),
  );
  gauge("unyo_series_samples_in_memory", "Samples held in memory by the metric store", (g) =>
    g.set(m.series.stats().samplesInMemory),
  );
  gauge(
    "unyo_series_samples_appended",
    "Samples stored since start (a counter read as a gauge)",
    (g) => g.set(m.series.stats().appended),
  );
  gauge(
    "unyo_series_samples_rejected",
    "Samples refused since start (out of order, limits, …)",
    (g) => g.set(m.series.stats().rejected),
  );
  gauge("unyo_series_last_flush_seconds", "Duration of the metric store's last flush", (g) =>
    g.set(m.series.stats().lastFlushMs / 1000),
  );
  gauge(
    "unyo_scrape_target_up",
    "1 when the scrape target's last scrape succeeded, 0 when it failed",
    (g) => {
      g.reset();
      for (const t of m.scrapes.status()) if (t.up !== null) g.set({ target: t.id }, t.up ? 1 : 0);
    },
    ["target"],
  );
  gauge(
    "unyo_rule_healthy",
    "1 when the rule's last evaluation succeeded",
    (g) => {
      g.reset();
      for (const r of m.rules.list())
        if (r.status) g.set({ rule: r.rule.id }, r.status.health === "ok" ? 1 : 0);
    },
    ["rule"],
  );
  gauge(
    "unyo_rule_alerts",
    "Open alerts of rules, by state and level",
    (g) => {
      g.reset();
      const counts = new Map<string, number>();
      for (const r of m.rules.list()) {
        for (const a of r.alerts) {
          const key = `${a.state}\u0000${a.level ?? ""}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      }
      for (const [key, n] of counts) {
        const [state = "", level = ""] = key.split("\u0000");
        g.set({ state, level }, n);
      }
    },
    ["state", "level"],
  );
}
