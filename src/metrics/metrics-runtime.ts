/**
 * Metrics and rules, assembled: the embedded series store, the sources that feed it
 * (scrapes, the host collector, check results — pushes arrive through the API), the remote
 * PromQL back-ends, and the rule service that reads them. One object so the composition root
 * (src/app.ts) creates, reloads and stops them in the right order: sources stop before the
 * store's last flush, rules before the store closes.
 */
import type { Kysely } from "kysely";
import type { UnyoConfig } from "../config/schema.ts";
import type { Clock } from "../core/clock.ts";
import type { EventBus } from "../core/events.ts";
import type { Log } from "../log/logger.ts";
import type { PrometheusApi } from "../rules/remote/prometheus-api.ts";
import { RuleRepository } from "../rules/rule-repository.ts";
import { RuleService } from "../rules/rule-service.ts";
import type { Database } from "../store/schema.ts";
import { recordCheckSeries } from "./check-series.ts";
import { HostSource } from "./host-source.ts";
import { ScrapeManager } from "./scrape/scraper.ts";
import { SeriesStore, type SeriesStoreOptions } from "./store/series-store.ts";

/** How often alert transitions past retention are deleted (the series store prunes itself). */
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

const storeOptions = (config: UnyoConfig): SeriesStoreOptions => ({
  retention: config.metrics.retention,
  limits: config.metrics.limits,
});

export interface MetricsDeps {
  db: Kysely<Database>;
  clock: Clock;
  log: Log;
  bus: EventBus;
  config: () => UnyoConfig;
}

export class MetricsRuntime {
  readonly series: SeriesStore;
  readonly scrapes: ScrapeManager;
  readonly host: HostSource;
  readonly remotes = new Map<string, PrometheusApi>();
  readonly rules: RuleService;
  readonly ruleRepository: RuleRepository;
  readonly #deps: MetricsDeps;
  #unsubscribeChecks: (() => void) | undefined;
  #pruneTimer: NodeJS.Timeout | undefined;

  constructor(deps: MetricsDeps) {
    this.#deps = deps;
    const { db, clock, log, bus } = deps;
    const metricsLog = log.child({ component: "metrics" });
    this.series = new SeriesStore({
      db,
      clock,
      log: metricsLog,
      options: storeOptions(deps.config()),
    });
    this.scrapes = new ScrapeManager({ sink: this.series, clock, log: metricsLog });
    this.host = new HostSource({ sink: this.series, clock, log: metricsLog });
    this.ruleRepository = new RuleRepository(db);
    this.rules = new RuleService({
      repository: this.ruleRepository,
      reader: this.series,
      remote: (id) => this.remotes.get(id),
      clock,
      log: log.child({ component: "rules" }),
      bus,
    });
  }

  /** Loads the series index and rule state; call once before start(). */
  async open(): Promise<void> {
    await this.series.open();
    await this.apply(this.#deps.config());
  }

  /** Applies a (re)loaded config: targets, host collector, remotes, rules, limits. */
  async apply(config: UnyoConfig): Promise<void> {
    this.series.configure(storeOptions(config));
    const remotes: [string, PrometheusApi][] = [];
    if (config.metrics.remote.length > 0) {
      // Loaded only when configured: most installations never talk to a remote Prometheus,
      // and start-up time and idle memory are budgeted.
      const { PrometheusApi: Api } = await import("../rules/remote/prometheus-api.ts");
      for (const remote of config.metrics.remote) {
        const onWarnings = (w: object) =>
          this.#deps.log.warn(w, "remote query answered with warnings");
        remotes.push([remote.id, new Api(remote, { onWarnings })]);
      }
    }
    // Swapped in one step: a rule evaluating during a reload sees the old set or the new.
    this.remotes.clear();
    for (const [id, api] of remotes) this.remotes.set(id, api);
    this.scrapes.apply(config.metrics.scrape);
    this.host.apply(config.metrics.host);
    await this.rules.apply(config.rules);
  }

  start(): void {
    this.series.start();
    this.scrapes.start();
    this.host.start();
    this.#unsubscribeChecks = recordCheckSeries(this.#deps.bus, this.series, {
      enabled: () => this.#deps.config().metrics.checks,
    });
    this.rules.start();
    this.#pruneTimer = setInterval(() => void this.prune(), PRUNE_INTERVAL_MS);
    this.#pruneTimer.unref();
  }

  /** Alert transitions are kept as long as the hourly rollups of the series they judged. */
  async prune(): Promise<void> {
    try {
      const keep = this.#deps.config().metrics.retention["1h"];
      await this.ruleRepository.prune(this.#deps.clock.now() - keep);
    } catch (error) {
      this.#deps.log.error({ error }, "pruning metrics failed");
    }
  }

  /** Stops sources and rules, then writes what the store holds in memory. */
  async stop(): Promise<void> {
    clearInterval(this.#pruneTimer);
    this.#unsubscribeChecks?.();
    await Promise.all([this.scrapes.stop(), this.host.stop(), this.rules.stop()]);
    try {
      await this.series.stop();
    } catch (error) {
      // The database went away first: what was only in memory (at most one flush
      // interval) is lost, and the shutdown must still finish.
      this.#deps.log.error({ error }, "writing the last metric samples failed at shutdown");
    }
  }
}
