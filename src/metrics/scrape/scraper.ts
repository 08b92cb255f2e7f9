/**
 * Scrapes the configured targets (`metrics.scrape`) on their schedules and delivers the samples
 * and the synthetic series (up, scrape_duration_seconds, …) to the series store.
 *
 * - Each target has its own timer at a fixed rate: slot n+1 = slot n + every, slots already past
 *   are skipped. Its first slot is spread over one interval by a stable hash of its id, so a
 *   restart scrapes each target at the same phase and a hundred targets don't all fire at once.
 * - Targets never wait for each other: a scrape is an async fetch bounded by the target's
 *   timeout and max_bytes, so a hanging or huge target costs only its own slot.
 * - A slot that comes while the previous scrape of the same target is still running is skipped
 *   and counted (skippedOverlaps); two scrapes of one target never run at once.
 * - apply() takes a reloaded config: new targets are scheduled, removed ones stopped (a scrape in
 *   flight is aborted and its result dropped), changed ones updated in place — keeping their
 *   phase when `every` is unchanged — and unchanged ones are not touched. A scrape in flight
 *   during a change finishes with the config it started with.
 * - status() is what the API shows per target: last scrape, duration, up, sample counts, the last
 *   error (kept after recovery, with its time), and the first problems of the last scrape.
 */
import type { ScrapeTargetConfig } from "../../config/metrics-schema.ts";
import type { Clock } from "../../core/clock.ts";
import type { Log } from "../../log/logger.ts";
import type { AppendRejection, Labels, SampleSink } from "../series.ts";
import { targetLabels } from "./labels.ts";
import { type ScrapeResult, scrapeOnce, scrapeSeries } from "./scrape-once.ts";
import { copyStatus, emptyStatus, type ScrapeTargetStatus, STATUS_PROBLEMS } from "./status.ts";

export { instanceOf, targetLabels, withTargetLabels } from "./labels.ts";
export {
  type ScrapeOptions,
  type ScrapeResult,
  type ScrapeTarget,
  scrapeOnce,
  scrapeSeries,
} from "./scrape-once.ts";
export { type ScrapeTargetStatus, STATUS_PROBLEMS } from "./status.ts";

export interface ScrapeManagerDeps {
  sink: SampleSink;
  clock: Clock;
  log: Log;
}

interface Target {
  config: ScrapeTargetConfig;
  labels: Labels;
  cancelTimer: (() => void) | undefined;
  nextAt: number | null;
  inFlight: Promise<void> | undefined;
  abort: AbortController | undefined;
  status: ScrapeTargetStatus;
}

/** A stable offset in [0, every) from the id (FNV-1a), spreading first scrapes. */
export function spreadOffset(id: string, everyMs: number): number {
  let hash = 2166136261;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 16777619);
  return everyMs > 0 ? (hash >>> 0) % everyMs : 0;
}

export class ScrapeManager {
  readonly #deps: ScrapeManagerDeps;
  readonly #targets = new Map<string, Target>();
  #started = false;

  constructor(deps: ScrapeManagerDeps) {
    this.#deps = deps;
  }

  /** Takes the (re)loaded target list; see the file comment for what happens to each target. */
  apply(targets: readonly ScrapeTargetConfig[]): void {
    const wanted = new Set(targets.map((t) => t.id));
    for (const [id, target] of this.#targets) {
      if (wanted.has(id)) continue;
      this.#unschedule(target);
      target.abort?.abort(new Error("target removed from the config"));
      this.#targets.delete(id);
    }
    for (const config of targets) {
      const existing = this.#targets.get(config.id);
      if (!existing) {
        const target = this.#create(config);
        this.#targets.set(config.id, target);
        if (this.#started) this.#schedule(target, this.#firstSlot(config));
        continue;
      }
      if (JSON.stringify(existing.config) === JSON.stringify(config)) continue;
      const everyChanged = existing.config.every !== config.every;
      existing.config = config;
      existing.labels = targetLabels(config);
      Object.assign(existing.status, {
        url: config.url,
        labels: { ...existing.labels },
        everyMs: config.every,
        timeoutMs: config.timeout,
      });
      if (this.#started && everyChanged) {
        this.#unschedule(existing);
        this.#schedule(existing, this.#firstSlot(config));
      }
    }
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    for (const target of this.#targets.values()) {
      this.#schedule(target, this.#firstSlot(target.config));
    }
  }

  /** Stops scheduling, aborts scrapes in flight (their results are dropped) and waits for them. */
  async stop(): Promise<void> {
    this.#started = false;
    const running: Promise<void>[] = [];
    for (const target of this.#targets.values()) {
      this.#unschedule(target);
      target.abort?.abort(new Error("shutting down"));
      if (target.inFlight) running.push(target.inFlight);
    }
    await Promise.allSettled(running);
  }

  status(): ScrapeTargetStatus[] {
    return [...this.#targets.values()].map((t) => ({
      ...copyStatus(t.status),
      nextScrapeAt: t.nextAt,
      running: t.inFlight !== undefined,
    }));
  }

  #create(config: ScrapeTargetConfig): Target {
    const labels = targetLabels(config);
    return {
      config,
      labels,
      cancelTimer: undefined,
      nextAt: null,
      inFlight: undefined,
      abort: undefined,
      status: emptyStatus(config, labels),
    };
  }

  #firstSlot(config: ScrapeTargetConfig): number {
    return this.#deps.clock.now() + spreadOffset(config.id, config.every);
  }

  #schedule(target: Target, at: number): void {
    target.nextAt = at;
    const delay = Math.max(0, at - this.#deps.clock.now());
    target.cancelTimer = this.#deps.clock.setTimer(delay, () => this.#fire(target));
  }

  #unschedule(target: Target): void {
    target.cancelTimer?.();
    target.cancelTimer = undefined;
    target.nextAt = null;
  }

  #fire(target: Target): void {
    const slot = target.nextAt ?? this.#deps.clock.now();
    const now = this.#deps.clock.now();
    const every = target.config.every;
    // Fixed rate: the next slot follows from this one; slots already past are skipped.
    this.#schedule(target, slot + every * Math.max(1, Math.ceil((now - slot + 1) / every)));
    if (target.inFlight) {
      target.status.skippedOverlaps++;
      this.#deps.log.debug(
        { job: target.config.id, skipped: target.status.skippedOverlaps },
        "scrape skipped: the previous scrape of this target is still running",
      );
      return;
    }
    this.#run(target);
  }

  #run(target: Target): void {
    const abort = new AbortController();
    const config = target.config;
    const labels = target.labels;
    const options = { nowMs: this.#deps.clock.now(), signal: abort.signal };
    const done = () => {
      if (target.abort !== abort) return;
      target.abort = undefined;
      target.inFlight = undefined;
    };
    target.abort = abort;
    target.inFlight = scrapeOnce(config, options)
      .then((result) => {
        // Done before storing: whoever sees the samples sees the scrape finished.
        done();
        if (!abort.signal.aborted) this.#record(target, config, labels, result);
      })
      .catch((error: unknown) => {
        this.#deps.log.error({ job: config.id, error }, "scrape failed unexpectedly");
      })
      .finally(done);
  }

  #record(target: Target, config: ScrapeTargetConfig, labels: Labels, result: ScrapeResult): void {
    const { sink, log } = this.#deps;
    let stored = 0;
    let rejected: AppendRejection[] = [];
    let error = result.error;
    if (result.samples.length > 0) {
      try {
        const appended = sink.append(result.samples);
        stored = appended.accepted;
        rejected = appended.rejected;
      } catch (failure) {
        const message = failure instanceof Error ? failure.message : String(failure);
        error = `storing the samples failed: ${message}`;
        log.error({ job: config.id, error: failure }, "storing scraped samples failed");
      }
    }
    try {
      sink.append(scrapeSeries(labels, result, stored));
    } catch (failure) {
      log.error({ job: config.id, error: failure }, "storing the scrape series failed");
    }
    const status = target.status;
    const wasUp = status.up;
    Object.assign(status, {
      up: result.up,
      lastScrapeAt: result.startedAt,
      lastDurationMs: result.durationMs,
      samplesScraped: result.scraped,
      samplesStored: stored,
      rejected,
      problems: result.problems.slice(0, STATUS_PROBLEMS),
      problemsTotal: result.problemsTotal,
      scrapes: status.scrapes + 1,
      failures: status.failures + (result.up ? 0 : 1),
    });
    if (error !== null) status.lastError = { at: result.startedAt, message: error };
    const where = { job: labels.job, instance: labels.instance };
    if (!result.up && wasUp !== false) log.warn({ ...where, error }, "scrape target is down");
    if (result.up && wasUp === false) log.info(where, "scrape target is up again");
  }
}
