/**
 * The windowed functions of docs/expressions.md, each reducing the samples [lo, hi) of one
 * series (timestamps in ms, oldest first, hi > lo) to one number, without copying them.
 * `undefined` means "no result for this series" (the rate of a single sample).
 */
import { PERCENTILES, type WindowFunction } from "./ast.ts";

type Numbers = ArrayLike<number>;

/** Sum with Neumaier's compensation, so long windows of small values stay accurate. */
export function sumOf(values: Numbers, lo: number, hi: number): number {
  let sum = 0;
  let compensation = 0;
  for (let i = lo; i < hi; i++) {
    const v = values[i] as number;
    const t = sum + v;
    compensation += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  // Once an infinity or NaN is involved, the compensation is meaningless (Inf - Inf).
  return Number.isFinite(sum) ? sum + compensation : sum;
}

/** Smallest value; NaN only when all are NaN (as Prometheus' min_over_time). */
export function minOf(values: Numbers, lo: number, hi: number): number {
  let min = values[lo] as number;
  for (let i = lo + 1; i < hi; i++) {
    const v = values[i] as number;
    if (v < min || Number.isNaN(min)) min = v;
  }
  return min;
}

/** Largest value; NaN only when all are NaN. */
export function maxOf(values: Numbers, lo: number, hi: number): number {
  let max = values[lo] as number;
  for (let i = lo + 1; i < hi; i++) {
    const v = values[i] as number;
    if (v > max || Number.isNaN(max)) max = v;
  }
  return max;
}

/**
 * The increase of a counter over the window (atMs − rangeMs, atMs], as Prometheus' increase:
 * last − first, plus the value before each drop (a drop is a restart from 0), extrapolated
 * from the first and last samples towards the window's edges — all the way when the sample
 * is within 1.1 average intervals of the edge, else by half an interval (the series starts
 * or ends inside the window), and never back past the time the counter would have been 0.
 * Needs two samples. `rate` is this divided by the window in seconds.
 */
export function increaseOf(
  timestamps: Numbers,
  values: Numbers,
  lo: number,
  hi: number,
  atMs: number,
  rangeMs: number,
): number | undefined {
  if (hi - lo < 2) return undefined;
  const first = values[lo] as number;
  let increase = (values[hi - 1] as number) - first;
  for (let i = lo + 1; i < hi; i++) {
    const previous = values[i - 1] as number;
    if ((values[i] as number) < previous) increase += previous;
  }
  const firstT = timestamps[lo] as number;
  const lastT = timestamps[hi - 1] as number;
  const sampled = (lastT - firstT) / 1000;
  const interval = sampled / (hi - lo - 1);
  const threshold = interval * 1.1;
  let toStart = (firstT - (atMs - rangeMs)) / 1000;
  let toEnd = (atMs - lastT) / 1000;
  if (toStart >= threshold) toStart = interval / 2;
  if (increase > 0 && first >= 0) toStart = Math.min(toStart, sampled * (first / increase));
  if (toEnd >= threshold) toEnd = interval / 2;
  return increase * ((sampled + toStart + toEnd) / sampled);
}

/**
 * The `q` quantile with linear interpolation between the two nearest ranks, as Prometheus'
 * quantile_over_time: rank q·(n−1) of the sorted values. q < 0 gives −Inf, q > 1 +Inf.
 */
export function quantileOf(q: number, values: Numbers, lo: number, hi: number): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const n = hi - lo;
  const sorted = new Float64Array(n);
  for (let i = 0; i < n; i++) sorted[i] = values[lo + i] as number;
  sorted.sort();
  const rank = q * (n - 1);
  const lower = Math.floor(rank);
  const weight = rank - lower;
  const below = sorted[lower] as number;
  if (weight === 0) return below;
  const above = sorted[Math.min(n - 1, lower + 1)] as number;
  return below * (1 - weight) + above * weight;
}

/** A least-squares line: `slope` per second, `intercept` its value at the evaluation time. */
export interface Line {
  slope: number;
  intercept: number;
}

/** The least-squares line through the samples (x in seconds from `atMs`); undefined with
 * fewer than two samples. Constant values give an exactly flat line. */
export function fitLine(
  timestamps: Numbers,
  values: Numbers,
  lo: number,
  hi: number,
  atMs: number,
): Line | undefined {
  const n = hi - lo;
  if (n < 2) return undefined;
  const first = values[lo] as number;
  let meanX = 0;
  let meanY = 0;
  let constant = true;
  for (let i = lo; i < hi; i++) {
    const y = values[i] as number;
    meanX += ((timestamps[i] as number) - atMs) / 1000;
    meanY += y;
    if (y !== first) constant = false;
  }
  if (constant) return { slope: 0, intercept: first };
  meanX /= n;
  meanY /= n;
  let sxx = 0;
  let sxy = 0;
  for (let i = lo; i < hi; i++) {
    const dx = ((timestamps[i] as number) - atMs) / 1000 - meanX;
    sxx += dx * dx;
    sxy += dx * ((values[i] as number) - meanY);
  }
  const slope = sxy / sxx;
  return { slope, intercept: meanY - slope * meanX };
}

/** `predict`: the line's value `horizonMs` after the evaluation time; NaN with one sample. */
export function predictOf(line: Line | undefined, horizonMs: number): number {
  if (line === undefined) return Number.NaN;
  return line.intercept + line.slope * (horizonMs / 1000);
}

/**
 * `time_to`: seconds until the line reaches `target` — 0 when it is there now, +Inf when it
 * is flat or moving away (including past the target and still going), NaN with one sample.
 */
export function timeToOf(line: Line | undefined, target: number): number {
  if (line === undefined || Number.isNaN(target)) return Number.NaN;
  if (line.intercept === target) return 0;
  if (line.slope === 0) return Number.POSITIVE_INFINITY;
  const seconds = (target - line.intercept) / line.slope;
  return seconds > 0 ? seconds : Number.POSITIVE_INFINITY;
}

/** The one-argument windowed functions over the window (atMs − rangeMs, atMs]. */
export function windowValue(
  fn: WindowFunction,
  timestamps: Numbers,
  values: Numbers,
  lo: number,
  hi: number,
  atMs: number,
  rangeMs: number,
): number | undefined {
  switch (fn) {
    case "avg":
      return sumOf(values, lo, hi) / (hi - lo);
    case "min":
      return minOf(values, lo, hi);
    case "max":
      return maxOf(values, lo, hi);
    case "sum":
      return sumOf(values, lo, hi);
    case "count":
      return hi - lo;
    case "last":
      return values[hi - 1] as number;
    case "rate": {
      const increase = increaseOf(timestamps, values, lo, hi, atMs, rangeMs);
      return increase === undefined ? undefined : increase / (rangeMs / 1000);
    }
    case "increase":
      return increaseOf(timestamps, values, lo, hi, atMs, rangeMs);
    case "p50":
    case "p95":
    case "p99":
      return quantileOf(PERCENTILES[fn], values, lo, hi);
  }
}
