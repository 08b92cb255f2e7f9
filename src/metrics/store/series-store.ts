/**
 * The embedded metric series store (docs/metrics.md): where scrapes, pushes, the host
 * collector and check results land, and what rules read. Samples are appended in memory —
 * synchronously and fast — into per-series chunks (head.ts); a flush (every minute) writes the
 * changed chunks, new series and the rollups of ended hours in one transaction, so a crash
 * loses at most one flush interval. Recent hours stay in memory for rule evaluation; older
 * ones are read from the database. See tables in src/store/migrations/007_metrics.ts.
 *
 * The append rules (what is stored, what is refused and why) are in ingest.ts.
 * Series ids are handed out by this process: one SeriesStore writes to a database.
 */
import type { Kysely } from "kysely";
import type { Clock } from "../../core/clock.ts";
import type { Database } from "../../store/schema.ts";
import type {
  AppendResult,
  IngestSample,
  Labels,
  Matcher,
  SampleSink,
  SeriesReader,
  SeriesSamples,
} from "../series.ts";
import { planFlush } from "./flush-plan.ts";
import { memoryStats } from "./head.ts";
import { Ingest } from "./ingest.ts";
import { type ReadState, type RollupSeries, selectRollups, selectSamples } from "./reader.ts";
import { DAY_MS, HOUR_MS, hourOf } from "./rollup.ts";
import { joinParts, samplesOfRollups } from "./rollup-samples.ts";
import { databaseHours, memoryHour, rollupRows } from "./rollup-writer.ts";
import type { SeriesLimits } from "./series-index.ts";
import { loadState } from "./store-load.ts";
import { writeFlush, writeRollups } from "./table-writes.ts";
import { prune } from "./tables.ts";

export interface SeriesStoreOptions {
  /** How long raw samples, minute and hour rollups are kept, in ms. */
  retention: { raw: number; "1m": number; "1h": number };
  limits: SeriesLimits;
  /** Sealed chunks this recent stay in memory (default 2 hours). */
  memoryWindowMs?: number;
}

export interface SeriesStoreLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface SeriesStoreStats {
  series: number;
  samplesInMemory: number;
  chunksInMemory: number;
  bytesInMemory: number;
  appended: number;
  duplicates: number;
  rejected: number;
  created: number;
  flushes: number;
  bytesWritten: number;
  rowsWritten: number;
  lastFlushMs: number;
}

/** An hour is rolled up at the first flush this long after it ended (late samples still fit). */
export const CLOSE_GRACE_MS = 2 * 60_000;

export class SeriesStore implements SampleSink, SeriesReader {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;
  readonly #log: SeriesStoreLog | undefined;
  #opts!: Required<SeriesStoreOptions>;
  readonly #ingest: Ingest;
  readonly #index: Ingest["index"];
  #closedBefore = 0;
  #memFromHour = 0;
  #written = { flushes: 0, bytes: 0, rows: 0, lastFlushMs: 0 };
  #flushing: Promise<void> = Promise.resolve();
  #cancelTimer: (() => void) | undefined;
  #lastPrune = 0;
  #opened = false;

  constructor(args: {
    db: Kysely<Database>;
    clock: Clock;
    log?: SeriesStoreLog;
    options: SeriesStoreOptions;
  }) {
    this.#db = args.db;
    this.#clock = args.clock;
    this.#log = args.log;
    this.#ingest = new Ingest(args.log);
    this.#index = this.#ingest.index;
    this.configure(args.options);
  }

  /** New retention and limits (a config reload); they apply from the next append / prune. */
  configure(options: SeriesStoreOptions): void {
    this.#opts = { memoryWindowMs: 2 * HOUR_MS, ...options };
  }

  /** Loads the series and the chunks of the recent hours (and of hours not yet rolled up). */
  async open(): Promise<void> {
    const state = await loadState(this.#db, this.#clock.now(), this.#opts);
    for (const s of state.series) this.#index.add(s);
    this.#ingest.nextId = state.nextId;
    this.#closedBefore = this.#ingest.lateBefore = state.closedBefore;
    this.#memFromHour = state.memFromHour;
    this.#opened = true;
  }

  append(samples: readonly IngestSample[]): AppendResult {
    // Without the stored series, ids would collide with theirs.
    if (!this.#opened) throw new Error("SeriesStore.open() must be called before append()");
    const { retention, limits } = this.#opts;
    return this.#ingest.append(samples, this.#clock.now(), {
      rawRetentionMs: retention.raw,
      limits,
    });
  }

  #readState(): ReadState {
    return {
      db: this.#db,
      index: this.#index,
      closedBefore: this.#closedBefore,
      memFromHour: this.#memFromHour,
    };
  }

  /** Raw samples with fromMs < t <= toMs of every series matching all matchers. */
  /**
   * Raw samples with fromMs < t <= toMs; the part of the range older than the raw retention
   * comes from the 1m, then the 1h rollups (one sample per bucket: rollup-samples.ts).
   */
  async select(
    matchers: readonly Matcher[],
    fromMs: number,
    toMs: number,
  ): Promise<SeriesSamples[]> {
    const now = this.#clock.now();
    const rawFrom = Math.max(fromMs, hourOf(now - this.#opts.retention.raw) - 1);
    const raw = selectSamples(this.#readState(), matchers, rawFrom, Math.min(toMs, now + HOUR_MS));
    if (fromMs >= rawFrom || toMs <= fromMs) return raw;
    const minuteFrom = Math.max(fromMs, now - this.#opts.retention["1m"]);
    const parts: SeriesSamples[][] = [];
    if (minuteFrom > fromMs) {
      const hours = await this.selectRollup(matchers, fromMs, minuteFrom, "1h");
      parts.push(samplesOfRollups(hours, "1h").map((s) => within(s, fromMs, toMs)));
    }
    const minutes = await this.selectRollup(
      matchers,
      minuteFrom,
      Math.min(rawFrom + 1, toMs),
      "1m",
    );
    parts.push(samplesOfRollups(minutes, "1m").map((s) => within(s, fromMs, toMs)));
    parts.push(await raw);
    return joinParts(parts);
  }

  /** Rollup buckets with fromMs <= start < toMs (see reader.ts). */
  selectRollup(
    matchers: readonly Matcher[],
    fromMs: number,
    toMs: number,
    resolution: "1m" | "1h",
  ): Promise<RollupSeries[]> {
    const now = this.#clock.now();
    const keep = this.#opts.retention[resolution];
    const from = Math.max(fromMs, now - keep - DAY_MS);
    return selectRollups(
      this.#readState(),
      matchers,
      from,
      Math.min(toMs, now + HOUR_MS),
      resolution,
    );
  }

  /**
   * The label sets of the series matching (all when none given), with their newest sample's
   * time (for a series with nothing in memory after a restart: the end of that sample's hour).
   */
  series(matchers: readonly Matcher[] = []): { labels: Labels; lastSampleMs: number | null }[] {
    return this.#index.select(matchers).map((s) => ({
      labels: s.labels,
      lastSampleMs: Number.isFinite(s.lastT) ? s.lastT : null,
    }));
  }

  stats(): SeriesStoreStats {
    const w = this.#written;
    return {
      series: this.#index.size,
      ...memoryStats(this.#index.values()),
      ...this.#ingest.counters,
      flushes: w.flushes,
      bytesWritten: w.bytes,
      rowsWritten: w.rows,
      lastFlushMs: w.lastFlushMs,
    };
  }

  /** Flushes every `flushIntervalMs` on the store's clock until stop(). */
  start(flushIntervalMs = 60_000): void {
    const arm = () => {
      this.#cancelTimer = this.#clock.setTimer(flushIntervalMs, () => {
        this.flush()
          .catch((error: unknown) =>
            this.#log?.error({ error }, "writing metrics failed; will retry"),
          )
          .finally(() => {
            if (this.#cancelTimer !== undefined) arm();
          });
      });
    };
    arm();
  }

  /** Stops the timer and writes what is in memory. */
  async stop(): Promise<void> {
    const cancel = this.#cancelTimer;
    this.#cancelTimer = undefined;
    cancel?.();
    await this.flush();
  }

  /** Writes what changed (one transaction). Flushes never overlap; a failed one is retried. */
  flush(): Promise<void> {
    return this.#serially(() => this.#flushOnce());
  }

  /** Deletes what is past retention; returns the rows removed. */
  prune(): Promise<number> {
    return this.#serially(() => this.#pruneOnce());
  }

  #serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#flushing.then(fn);
    this.#flushing = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  async #flushOnce(): Promise<void> {
    const started = performance.now();
    const now = this.#clock.now();
    const closeTo = Math.max(this.#closedBefore, hourOf(now - CLOSE_GRACE_MS));
    this.#ingest.lateBefore = closeTo;
    const plan = planFlush(this.#index.values(), now, this.#closedBefore, closeTo);
    const late = this.#ingest.takeLate();
    let bytes = 0;
    let rows = 0;
    try {
      const rollups = await rollupRows(this.#db, plan.closing, (c) => memoryHour(c.s, c.hour));
      await this.#db.transaction().execute(async (tx) => {
        bytes = await writeFlush(tx, { ...plan, rollups });
        rows = plan.series.length + plan.chunks.length + rollups.length;
        const pairs = [...late].flatMap(([s, hours]) =>
          [...hours].map((hour) => ({ seriesId: s.id, hour })),
        );
        if (pairs.length > 0) {
          const rerolled = await rollupRows(tx, await databaseHours(tx, pairs), (h) => h);
          bytes += await writeRollups(tx, rerolled);
          rows += rerolled.length;
        }
      });
    } catch (error) {
      plan.failed();
      this.#ingest.lateBefore = this.#closedBefore;
      for (const [s, hours] of late) for (const h of hours) this.#ingest.markLate(s, h);
      throw error;
    }
    plan.committed();
    this.#closedBefore = closeTo;
    this.#evict(now);
    this.#written.flushes++;
    this.#written.bytes += bytes;
    this.#written.rows += rows;
    this.#written.lastFlushMs = performance.now() - started;
    if (now - this.#lastPrune >= HOUR_MS) {
      this.#lastPrune = now;
      await this.#pruneOnce();
    }
  }

  /** Forgets written chunks of hours rolled up and older than the memory window. */
  #evict(now: number): void {
    const before = Math.min(this.#closedBefore - HOUR_MS, hourOf(now - this.#opts.memoryWindowMs));
    if (before <= this.#memFromHour) return;
    for (const s of this.#index.values()) s.evict((c) => c.hour < before);
    this.#memFromHour = before;
  }

  async #pruneOnce(): Promise<number> {
    const now = this.#clock.now();
    const r = this.#opts.retention;
    const seenBefore = now - Math.max(r.raw, r["1m"], r["1h"]) - DAY_MS;
    const result = await prune(this.#db, {
      chunkHour: hourOf(now - r.raw),
      minuteHour: hourOf(now - r["1m"]),
      hourDay: Math.floor((now - r["1h"]) / DAY_MS) * DAY_MS,
      seenBefore,
    });
    for (const id of result.series) {
      const s = this.#index.byId(id);
      if (s === undefined) continue;
      // Samples since the last flush: keep the series, write its row again.
      if (s.lastT >= seenBefore) s.stored = false;
      else this.#index.remove(s);
    }
    return result.rows;
  }
}

export type { Bucket } from "./rollup.ts";
export { mergeBuckets } from "./rollup.ts";
export type { RollupSeries };

/** The samples of `s` with fromMs < t <= toMs. */
function within(s: SeriesSamples, fromMs: number, toMs: number): SeriesSamples {
  const t: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < s.timestamps.length; i++) {
    const at = s.timestamps[i] as number;
    if (at > fromMs && at <= toMs) {
      t.push(at);
      v.push(s.values[i] as number);
    }
  }
  return { labels: s.labels, timestamps: t, values: v };
}
