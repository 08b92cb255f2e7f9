import type { AuthService } from "./auth/auth-service.ts";
import type { HeartbeatMonitor } from "./checks/heartbeat/monitor.ts";
import type { HistoryReader } from "./checks/history/history-reader.ts";
import type { CheckRepository } from "./checks/repository.ts";
import type { CheckService } from "./checks/service.ts";
import type { ConfigReloader } from "./config/reloader.ts";
import type { Clock } from "./core/clock.ts";
import type { EventBus } from "./core/events.ts";
import type { Log } from "./log/logger.ts";
import type { Metrics } from "./metrics/registry.ts";
import type { ScrapeManager } from "./metrics/scrape/scraper.ts";
import type { SeriesStore } from "./metrics/store/series-store.ts";
import type { PrometheusApi } from "./rules/remote/prometheus-api.ts";
import type { RuleRepository } from "./rules/rule-repository.ts";
import type { RuleService } from "./rules/rule-service.ts";
import type { Store } from "./store/store.ts";

/** Everything a request handler or a capability may use, created once in src/app.ts. */
export interface Runtime {
  version: string;
  startedAt: number;
  clock: Clock;
  log: Log;
  store: Store;
  metrics: Metrics;
  bus: EventBus;
  config: ConfigReloader;
  checks: CheckService;
  checkRepository: CheckRepository;
  /** Results, uptime and latency of checks, from the batched history. */
  history: HistoryReader;
  /** Heartbeat checks: ping keys, expected times, pings. */
  heartbeats: HeartbeatMonitor;
  /** Users, sessions, tokens, MFA and the audit log. */
  auth: AuthService;
  /** The embedded metric series store: pushes land here, queries read it. */
  series: SeriesStore;
  /** Scrape targets and their health. */
  scrapes: ScrapeManager;
  /** Remote Prometheus-compatible back-ends by metrics.remote id. */
  remotes: ReadonlyMap<string, PrometheusApi>;
  /** Threshold rules, their alerts and state. */
  rules: RuleService;
  ruleRepository: RuleRepository;
  /** True once shutdown began: health answers 503 so load balancers drain us. */
  shuttingDown: boolean;
}
