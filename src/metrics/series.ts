/**
 * The vocabulary shared by everything that writes or reads metric series: the sources
 * (scrapes, push, the host collector, check results), the embedded series store, the
 * expression evaluator and the remote PromQL back-end.
 *
 * A series is a metric name plus labels. Inside the store and the evaluator the name travels
 * as the `__name__` label, as in Prometheus, so one label map identifies a series.
 */
import type { Matcher } from "../rules/expr/ast.ts";

export type { Matcher };
export type Labels = Record<string, string>;

/** The label that carries the metric name. */
export const NAME_LABEL = "__name__";

/** One sample on its way into the store. `labels` exclude the name. */
export interface IngestSample {
  name: string;
  labels: Labels;
  value: number;
  timestampMs: number;
}

/** Why a sample was not stored; counted per reason in an AppendResult. */
export type RejectReason =
  /** Older than the newest sample the series already holds. */
  | "out_of_order"
  /** Same timestamp as the newest sample, another value (the same value is a silent no-op). */
  | "duplicate_timestamp"
  /** Older than the raw retention or too far in the future (more than 10 minutes ahead). */
  | "out_of_bounds"
  /** A new series beyond a cardinality limit; `metric` names the metric that exploded. */
  | "series_limit";

export interface AppendRejection {
  reason: RejectReason;
  count: number;
  /** For series_limit: the metric whose new series were refused. */
  metric?: string;
  /** A sentence for people: what happened and what to do. */
  message: string;
}

export interface AppendResult {
  /** Samples stored. */
  accepted: number;
  /** Samples identical to one already stored (same timestamp and value): ignored, not errors. */
  duplicates: number;
  /** New series created by this append. */
  created: number;
  rejected: AppendRejection[];
}

/** Where sources deliver samples: the series store implements it. */
export interface SampleSink {
  append(samples: readonly IngestSample[]): AppendResult;
}

/** The samples of one series in a time range, oldest first. `labels` include `__name__`. */
export interface SeriesSamples {
  labels: Labels;
  timestamps: ArrayLike<number>;
  values: ArrayLike<number>;
}

/**
 * What the evaluator reads. `select` returns every series matching all matchers (a name
 * selector is a matcher on `__name__`) with its samples in `fromMs < t <= toMs`; series
 * without samples in the range may be left out.
 */
export interface SeriesReader {
  select(matchers: readonly Matcher[], fromMs: number, toMs: number): Promise<SeriesSamples[]>;
}

/** One value per series at one instant: the result of a vector expression. */
export interface InstantSample {
  labels: Labels;
  value: number;
}

/** The value of an expression at one instant. */
export type InstantValue =
  | { kind: "scalar"; value: number }
  | { kind: "vector"; samples: InstantSample[] };

/** One series of a range query: its labels and one point per step where it had a value. */
export interface RangeSeries {
  labels: Labels;
  points: [timestampMs: number, value: number][];
}

/**
 * A canonical string for a label set (names sorted): the identity of a series, and of the
 * alert one rule raises for it.
 */
export function labelsKey(labels: Labels): string {
  const names = Object.keys(labels).sort();
  let key = "";
  for (const name of names) key += `${name}\u0000${labels[name]}\u0001`;
  return key;
}
