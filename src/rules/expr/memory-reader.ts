/**
 * A SeriesReader over series held in memory: what evaluateRange evaluates its steps against
 * after reading once, and what tests (and anyone needing synthetic data) feed the evaluator.
 *
 * Matching follows the selector semantics of docs/expressions.md: a missing label equals "",
 * regular expressions are the anchored ones compiled by the parser. An index from each
 * `label="value"` to its series keeps a selector with an equality matcher from scanning
 * every series.
 */
import { anchoredRegex, matchesOp } from "../../core/anchored-regex.ts";
import type { Labels, Matcher, SeriesReader, SeriesSamples } from "../../metrics/series.ts";
import { labelValue } from "./eval-values.ts";

/** The first index in [lo, hi) whose timestamp is after `t` (hi when none): samples with
 * `from < ts <= to` are [firstAfter(from), firstAfter(to)). */
export function firstAfter(
  timestamps: ArrayLike<number>,
  t: number,
  lo: number,
  hi: number,
): number {
  let low = lo;
  let high = hi;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((timestamps[mid] as number) <= t) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The matcher's regular expression: the parser's, or compiled (anchored) once for a matcher
 * built by hand. */
export function regexOf(matcher: Matcher): RegExp {
  return matcher.regex ?? anchoredRegex(matcher.value);
}

/** Whether a series with `labels` is selected by `matcher` (a missing label counts as ""). */
export function matchesLabel(labels: Labels, matcher: Matcher): boolean {
  return matchesOp(matcher.op, matcher.value, labelValue(labels, matcher.label), regexOf(matcher));
}

/** Whether every matcher selects the series. */
export function matchesAll(labels: Labels, matchers: readonly Matcher[]): boolean {
  for (const matcher of matchers) if (!matchesLabel(labels, matcher)) return false;
  return true;
}

/** One series for MemorySeriesReader from `[timestampMs, value]` points, oldest first. */
export function seriesFromPoints(
  labels: Labels,
  points: readonly (readonly [number, number])[],
): SeriesSamples {
  const timestamps = new Float64Array(points.length);
  const values = new Float64Array(points.length);
  points.forEach(([t, v], i) => {
    timestamps[i] = t;
    values[i] = v;
  });
  return { labels, timestamps, values };
}

interface Stored {
  labels: Labels;
  timestamps: Float64Array;
  values: Float64Array;
}

const NONE: readonly number[] = [];

export class MemorySeriesReader implements SeriesReader {
  readonly #series: Stored[] = [];
  /** label → value → indexes of the series with that (non-empty) value, ascending. */
  readonly #postings = new Map<string, Map<string, number[]>>();

  /**
   * `series` are kept as given (labels with `__name__`, samples oldest first, timestamps
   * strictly increasing); arrays that are not Float64Arrays are copied into one, so
   * selections can be views. Throws a RangeError on unequal lengths or unordered timestamps.
   */
  constructor(series: Iterable<SeriesSamples>) {
    for (const s of series) {
      const timestamps = toFloat64(s.timestamps);
      const values = toFloat64(s.values);
      if (timestamps.length !== values.length) {
        throw new RangeError(
          `series ${JSON.stringify(s.labels)}: ${timestamps.length} timestamps but ${values.length} values`,
        );
      }
      for (let i = 1; i < timestamps.length; i++) {
        if (!((timestamps[i] as number) > (timestamps[i - 1] as number))) {
          throw new RangeError(
            `series ${JSON.stringify(s.labels)}: timestamps must increase (index ${i})`,
          );
        }
      }
      const index = this.#series.length;
      this.#series.push({ labels: s.labels, timestamps, values });
      for (const [label, value] of Object.entries(s.labels)) {
        if (value === "") continue;
        let byValue = this.#postings.get(label);
        if (byValue === undefined) {
          byValue = new Map();
          this.#postings.set(label, byValue);
        }
        const list = byValue.get(value);
        if (list === undefined) byValue.set(value, [index]);
        else list.push(index);
      }
    }
  }

  /** How many series the reader holds. */
  get size(): number {
    return this.#series.length;
  }

  select(matchers: readonly Matcher[], fromMs: number, toMs: number): Promise<SeriesSamples[]> {
    return Promise.resolve(this.selectNow(matchers, fromMs, toMs));
  }

  /**
   * `select` without the promise: every series matching all matchers that has samples in
   * `fromMs < t <= toMs`, with those samples as views (no copy), in the order given.
   */
  selectNow(matchers: readonly Matcher[], fromMs: number, toMs: number): SeriesSamples[] {
    const out: SeriesSamples[] = [];
    const candidates = this.#candidates(matchers);
    const count = candidates ? candidates.length : this.#series.length;
    for (let c = 0; c < count; c++) {
      const s = this.#series[candidates ? (candidates[c] as number) : c] as Stored;
      if (!matchesAll(s.labels, matchers)) continue;
      const hi = firstAfter(s.timestamps, toMs, 0, s.timestamps.length);
      const lo = firstAfter(s.timestamps, fromMs, 0, hi);
      if (lo >= hi) continue;
      out.push({
        labels: s.labels,
        timestamps: s.timestamps.subarray(lo, hi),
        values: s.values.subarray(lo, hi),
      });
    }
    return out;
  }

  /** The shortest posting list of the equality matchers, or undefined to scan everything. */
  #candidates(matchers: readonly Matcher[]): readonly number[] | undefined {
    let best: readonly number[] | undefined;
    for (const m of matchers) {
      if (m.op !== "=" || m.value === "") continue;
      const list = this.#postings.get(m.label)?.get(m.value) ?? NONE;
      if (best === undefined || list.length < best.length) best = list;
    }
    return best;
  }
}

function toFloat64(values: ArrayLike<number>): Float64Array {
  return values instanceof Float64Array ? values : Float64Array.from(values);
}
