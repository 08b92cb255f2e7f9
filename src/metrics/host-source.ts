/**
 * Feeds the built-in host collector (host-collector.ts: CPU, memory, disks, load, network of the
 * machine Unyo runs on) into the series store every `metrics.host.every`, so that rules can
 * alert on `host_disk_used_percent > 90` without running node_exporter.
 *
 * - Samples keep the collector's names and labels (host_cpu_percent,
 *   host_disk_used_percent{mount,device,fstype}, …) plus `instance=<os.hostname()>` and the
 *   configured `labels`. A configured label may replace `instance` (e.g. a nicer name than the
 *   container's host name) but never a label the collector sets (mount, interface, …): those
 *   identify the series.
 * - All samples of one collect carry the time it started (the Clock's).
 * - The first collect runs at start(); it primes the CPU and network counters, so
 *   host_cpu_percent and the network rates appear from the second collect on.
 * - A collect still running when the next is due (a slow statfs) makes that slot skipped, never
 *   a second collect beside it. Problems reading /proc are logged when they change, not every
 *   time, and left out of the samples (the collector never throws).
 * - apply() on reload: disabled stops it, enabled starts it, a new `every` reschedules, new
 *   labels apply from the next collect.
 */
import { hostname } from "node:os";
import type { MetricsConfig } from "../config/metrics-schema.ts";
import type { Clock } from "../core/clock.ts";
import type { Log } from "../log/logger.ts";
import { setLabel } from "./exposition.ts";
import { HostCollector } from "./host-collector.ts";
import type { IngestSample, Labels, SampleSink } from "./series.ts";

export type HostConfig = MetricsConfig["host"];

export interface HostSourceDeps {
  sink: SampleSink;
  clock: Clock;
  log: Log;
  /** Defaults to a HostCollector on /proc. */
  collector?: Pick<HostCollector, "collect" | "lastProblems">;
}

export interface HostSourceStatus {
  enabled: boolean;
  everyMs: number;
  lastCollectAt: number | null;
  samples: number;
  problems: string[];
  skipped: number;
}

export class HostSource {
  readonly #deps: HostSourceDeps;
  readonly #collector: Pick<HostCollector, "collect" | "lastProblems">;
  readonly #instance = hostname();
  #config: HostConfig = { enabled: false, every: 15_000, labels: {} };
  #started = false;
  #cancelTimer: (() => void) | undefined;
  #nextAt: number | null = null;
  #inFlight: Promise<void> | undefined;
  #runs = 0;
  #lastProblems = "";
  #status: HostSourceStatus = {
    enabled: false,
    everyMs: 15_000,
    lastCollectAt: null,
    samples: 0,
    problems: [],
    skipped: 0,
  };

  constructor(deps: HostSourceDeps) {
    this.#deps = deps;
    this.#collector = deps.collector ?? new HostCollector({ now: () => deps.clock.now() });
  }

  apply(config: HostConfig): void {
    const previous = this.#config;
    this.#config = { ...config, labels: { ...config.labels } };
    Object.assign(this.#status, { enabled: config.enabled, everyMs: config.every });
    if (!this.#started) return;
    if (!config.enabled) this.#unschedule();
    else if (!previous.enabled) this.#collectNow();
    else if (previous.every !== config.every) {
      this.#unschedule();
      this.#schedule(this.#deps.clock.now() + config.every);
    }
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    if (this.#config.enabled) this.#collectNow();
  }

  /** Stops collecting and waits for a collect in progress (it is short: local files). */
  async stop(): Promise<void> {
    this.#started = false;
    this.#unschedule();
    await this.#inFlight;
  }

  status(): HostSourceStatus & { nextCollectAt: number | null } {
    return { ...this.#status, problems: [...this.#status.problems], nextCollectAt: this.#nextAt };
  }

  /** The labels of one collector sample: see the file comment for who wins. */
  labelsFor(sampleLabels: Labels): Labels {
    const labels: Labels = { instance: this.#instance };
    for (const [name, value] of Object.entries(this.#config.labels)) setLabel(labels, name, value);
    for (const [name, value] of Object.entries(sampleLabels)) setLabel(labels, name, value);
    return labels;
  }

  #collectNow(): void {
    this.#fire(this.#deps.clock.now());
  }

  #schedule(at: number): void {
    this.#nextAt = at;
    const delay = Math.max(0, at - this.#deps.clock.now());
    this.#cancelTimer = this.#deps.clock.setTimer(delay, () => this.#fire(at));
  }

  #unschedule(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#nextAt = null;
  }

  #fire(slot: number): void {
    const now = this.#deps.clock.now();
    const every = this.#config.every;
    this.#schedule(slot + every * Math.max(1, Math.ceil((now - slot + 1) / every)));
    if (this.#inFlight) {
      this.#status.skipped++;
      return;
    }
    const run = ++this.#runs;
    this.#inFlight = this.#collect(now, run).finally(() => this.#done(run));
  }

  /** Marks collect number `run` finished, unless a later one is already running. */
  #done(run: number): void {
    if (this.#runs === run) this.#inFlight = undefined;
  }

  async #collect(at: number, run: number): Promise<void> {
    const { sink, log } = this.#deps;
    try {
      const collected = await this.#collector.collect();
      const samples: IngestSample[] = collected.map((s) => ({
        name: s.name,
        labels: this.labelsFor(s.labels),
        value: s.value,
        timestampMs: at,
      }));
      const problems = [...this.#collector.lastProblems];
      Object.assign(this.#status, { lastCollectAt: at, samples: samples.length, problems });
      const key = problems.join("\n");
      if (key !== this.#lastProblems) {
        if (problems.length > 0) log.warn({ problems }, "host metrics: some could not be read");
        else log.info("host metrics: all readable again");
        this.#lastProblems = key;
      }
      // Done before storing: whoever sees the samples sees the collect finished.
      this.#done(run);
      if (!this.#started) return;
      const result = sink.append(samples);
      if (result.rejected.length > 0) {
        log.warn({ rejected: result.rejected }, "host metrics: the store refused samples");
      }
    } catch (error) {
      log.error({ error }, "host metrics: collecting or storing failed");
    }
  }
}
