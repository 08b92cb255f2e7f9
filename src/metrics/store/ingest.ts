/**
 * The append path of the series store: synchronous, in memory, and fast (one map lookup and a
 * few bytes of encoding per sample), because every scrape, push and check result goes through
 * it. The rules, per sample:
 * - NaN and ±Inf are stored as values (every NaN alike: rollups skip NaN samples);
 * - older than now − metrics.retention.raw, or more than 10 minutes ahead: `out_of_bounds`;
 * - older than the newest sample of its series: `out_of_order`;
 * - the same timestamp as the newest sample: the same value (any NaN equals any NaN, 0 equals
 *   -0) is a silent duplicate, counted in `duplicates`; another value is `duplicate_timestamp`
 *   and the first value is kept;
 * - a new series beyond metrics.limits.series or .series_per_metric: `series_limit` with the
 *   metric, logged at most once per metric per 10 minutes;
 * - fractional timestamps are rounded to the millisecond.
 * A sample in an hour already rolled up (it arrived late, but is still newer than its series'
 * newest) is stored and remembered, so the next flush rolls that hour up again.
 */
import type { AppendResult, IngestSample } from "../series.ts";
import { MemSeries } from "./head.ts";
import { Rejections } from "./rejections.ts";
import { hourOf } from "./rollup.ts";
import { SeriesIndex, type SeriesLimits, seriesKey, seriesLabels } from "./series-index.ts";

export const FUTURE_MS = 10 * 60_000;
const LOG_REFUSAL_EVERY_MS = 10 * 60_000;

export interface IngestLog {
  warn(obj: object, msg: string): void;
}

export interface IngestCounters {
  appended: number;
  duplicates: number;
  rejected: number;
  created: number;
}

export class Ingest {
  readonly index = new SeriesIndex<MemSeries>();
  nextId = 1;
  /** Samples before this time are late: their hour is rolled up (or being rolled up). */
  lateBefore = 0;
  /** Series → hours that received late samples since the last flush took them. */
  late = new Map<MemSeries, Set<number>>();
  readonly counters: IngestCounters = { appended: 0, duplicates: 0, rejected: 0, created: 0 };
  readonly #log: IngestLog | undefined;
  readonly #refusalLogged = new Map<string, number>();

  constructor(log?: IngestLog) {
    this.#log = log;
  }

  append(
    samples: readonly IngestSample[],
    now: number,
    opts: { rawRetentionMs: number; limits: SeriesLimits },
  ): AppendResult {
    const minT = now - opts.rawRetentionMs;
    const maxT = now + FUTURE_MS;
    const lateBefore = this.lateBefore;
    const index = this.index;
    let accepted = 0;
    let duplicates = 0;
    let created = 0;
    let rejected: Rejections | undefined;
    for (let i = 0; i < samples.length; i++) {
      const sample = samples[i] as IngestSample;
      const t = Math.round(sample.timestampMs);
      if (!(t >= minT && t <= maxT)) {
        rejected ??= new Rejections();
        rejected.outOfBounds++;
        rejected.example("bounds", sample.name, sample.labels, t, now);
        continue;
      }
      const key = seriesKey(sample.name, sample.labels);
      let s = index.get(key);
      if (s === undefined) {
        const refusal = index.refusal(sample.name, opts.limits);
        if (refusal !== undefined) {
          rejected ??= new Rejections();
          rejected.seriesLimit(refusal.metric, () => refusal.message);
          this.#logRefusal(refusal, now);
          continue;
        }
        const labels = seriesLabels(sample.name, sample.labels);
        s = new MemSeries(this.nextId++, key, sample.name, labels);
        index.add(s);
        created++;
      }
      const v = sample.value;
      if (t <= s.lastT) {
        if (t < s.lastT) {
          rejected ??= new Rejections();
          rejected.outOfOrder++;
          rejected.example("order", sample.name, sample.labels, t, s.lastT);
        } else if (v === s.lastV || (Number.isNaN(v) && Number.isNaN(s.lastV))) {
          duplicates++;
        } else {
          rejected ??= new Rejections();
          rejected.duplicateTimestamp++;
          rejected.example("duplicate", sample.name, sample.labels, t, s.lastT);
        }
        continue;
      }
      s.append(t, v);
      if (t < lateBefore) this.markLate(s, t);
      accepted++;
    }
    const c = this.counters;
    c.appended += accepted;
    c.duplicates += duplicates;
    c.created += created;
    const list = rejected?.list(opts.rawRetentionMs) ?? [];
    for (const r of list) c.rejected += r.count;
    return { accepted, duplicates, created, rejected: list };
  }

  markLate(s: MemSeries, t: number): void {
    let hours = this.late.get(s);
    if (hours === undefined) {
      hours = new Set();
      this.late.set(s, hours);
    }
    hours.add(hourOf(t));
  }

  /** The late hours so far, forgotten here (a failed flush gives them back with markLate). */
  takeLate(): Map<MemSeries, Set<number>> {
    const late = this.late;
    this.late = new Map();
    return late;
  }

  #logRefusal(
    r: { metric: string; configKey: string; limit: number; message: string },
    now: number,
  ) {
    const last = this.#refusalLogged.get(r.metric);
    if (last !== undefined && now - last < LOG_REFUSAL_EVERY_MS) return;
    this.#refusalLogged.set(r.metric, now);
    const { label, distinct } = this.index.culprit(r.metric);
    this.#log?.warn(
      { metric: r.metric, limit: r.limit, configKey: r.configKey, label, distinctValues: distinct },
      r.message,
    );
  }
}
