/**
 * Rollups: what one series did in one minute or one hour — count, sum, min, max, first and
 * last value, a counter-aware increase and a quantile sketch — so charts over long ranges and
 * windows older than the raw retention need no raw samples.
 *
 * Rules (the same whichever way a bucket is built — from samples, by merging, or decoded):
 * - NaN samples are left out of rollups entirely (count, first, last, everything); ±Inf count.
 * - increase is Prometheus' counter increase without extrapolation: the sum of the rises from
 *   each sample to the next, where a drop means the counter restarted from 0 (the rise is then
 *   the new value). A bucket's first sample rises from the series' previous sample when that
 *   lies in the same or the previous clock hour ("chained"); a series' first sample, or the
 *   first after more than an hour of silence, rises from nothing. So adding the increases of
 *   consecutive buckets gives the increase of their union, as merging does.
 *   Stored as `increase = last - base + adjust`, `base` being the previous sample (chained)
 *   or the first, and `adjust` the values before each restart: exact to compute, mergeable,
 *   and 0 (free to store) for a counter that never restarted.
 * - Up to SMALL_MAX values a bucket keeps the values themselves (exact quantiles, and a
 *   bucket with one sample stores little more than that sample); beyond, a ValueSketch.
 */
import { ValueSketch } from "./sketch.ts";

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const SMALL_MAX = 8;

export const hourOf = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;
export const dayOf = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;

export class Bucket {
  readonly start: number;
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  first = Number.NaN;
  last = Number.NaN;
  /** What the increase rises from: the previous sample when chained, else `first`. */
  base = Number.NaN;
  /** Whether the first sample rises from the series' previous sample. */
  chained = false;
  /** `increase = last - base + adjust`: the values before each restart. */
  adjust = 0;
  /** The values in time order while there are at most SMALL_MAX; null beyond. */
  values: number[] | null = [];
  #sketch: ValueSketch | null = null;

  constructor(start: number) {
    this.start = start;
  }

  /** The counter-aware increase over the bucket (see the header). */
  get increase(): number {
    return this.last - this.base + this.adjust;
  }

  get avg(): number {
    return this.sum / this.count;
  }

  /**
   * Adds the next sample's value (not NaN). `prev` is the series' previous value when it
   * counts for the first sample of this bucket (same or previous hour), else undefined.
   */
  add(v: number, prev?: number): void {
    if (this.count === 0) {
      this.first = v;
      if (prev === undefined) {
        this.base = v;
      } else {
        this.chained = true;
        this.base = prev;
        if (v < prev) this.adjust += prev;
      }
    } else if (v < this.last) {
      this.adjust += this.last;
    }
    this.last = v;
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    if (this.values !== null) {
      this.values.push(v);
      if (this.values.length > SMALL_MAX) this.#toSketch();
    } else {
      this.#sketch?.add(v);
    }
  }

  /** The sketch of the bucket's values (built from the values of a small bucket). */
  sketch(): ValueSketch {
    if (this.#sketch !== null) return this.#sketch;
    const s = new ValueSketch();
    for (const v of this.values ?? []) s.add(v);
    return s;
  }

  /** Drops the values for a sketch (big buckets). */
  setSketch(sketch: ValueSketch): void {
    this.values = null;
    this.#sketch = sketch;
  }

  #toSketch(): void {
    this.setSketch(this.sketch());
  }

  /** The nearest-rank q-quantile: exact for small buckets, within 1 % otherwise. */
  quantile(q: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.min(this.count, Math.max(1, Math.ceil(q * this.count)));
    if (this.values !== null) {
      const sorted = [...this.values].sort((a, b) => a - b);
      return sorted[rank - 1] as number;
    }
    if (rank === 1) return this.min;
    if (rank === this.count) return this.max;
    return Math.min(this.max, Math.max(this.min, (this.#sketch as ValueSketch).quantile(q)));
  }
}

/**
 * Folds `later` (the next bucket in time of the same series) into `into`. The result is the
 * bucket of their union; its start stays `into`'s.
 */
export function mergeInto(into: Bucket, later: Bucket): void {
  if (later.count === 0) return;
  if (into.count === 0) {
    copyInto(into, later);
    return;
  }
  const contiguous = later.chained && Object.is(later.base, into.last);
  if (contiguous && into.values !== null && later.values !== null) {
    const total = into.values.length + later.values.length;
    if (total <= SMALL_MAX) {
      // Re-adding keeps small buckets identical to ones built from the samples directly.
      for (const v of later.values) into.add(v);
      return;
    }
  }
  into.adjust += later.adjust + (into.last - later.base);
  into.last = later.last;
  into.count += later.count;
  into.sum += later.sum;
  if (later.min < into.min) into.min = later.min;
  if (later.max > into.max) into.max = later.max;
  const sketch = into.sketch();
  if (later.values !== null) for (const v of later.values) sketch.add(v);
  else sketch.merge(later.sketch());
  into.setSketch(sketch);
}

function copyInto(into: Bucket, from: Bucket): void {
  into.count = from.count;
  into.sum = from.sum;
  into.min = from.min;
  into.max = from.max;
  into.first = from.first;
  into.last = from.last;
  into.base = from.base;
  into.chained = from.chained;
  into.adjust = from.adjust;
  if (from.values !== null) into.values = [...from.values];
  else {
    const s = new ValueSketch();
    s.merge(from.sketch());
    into.setSketch(s);
  }
}

/** One bucket over all of `buckets` (consecutive, oldest first), starting at `start`. */
export function mergeBuckets(buckets: readonly Bucket[], start = buckets[0]?.start ?? 0): Bucket {
  const out = new Bucket(start);
  for (const b of buckets) mergeInto(out, b);
  return out;
}

/**
 * The buckets of width `widthMs` over samples (oldest first) of the series, for samples with
 * `from <= t < to`. `prev` is the last non-NaN value before `from` if it lies in the hour
 * before `from`'s hour or later (see the header), else undefined.
 */
export function bucketsOf(
  timestamps: ArrayLike<number>,
  values: ArrayLike<number>,
  widthMs: number,
  from: number,
  to: number,
  prev: number | undefined,
): Bucket[] {
  const out: Bucket[] = [];
  let current: Bucket | undefined;
  let previous = prev;
  for (let i = 0; i < timestamps.length; i++) {
    const t = timestamps[i] as number;
    const v = values[i] as number;
    if (t < from || t >= to || Number.isNaN(v)) continue;
    const start = Math.floor(t / widthMs) * widthMs;
    if (current === undefined || current.start !== start) {
      current = new Bucket(start);
      out.push(current);
    }
    current.add(v, current.count === 0 ? previous : undefined);
    previous = v;
  }
  return out;
}

/** Consecutive minute buckets merged per hour (or hour buckets per day): `widthMs` wide. */
export function regroup(buckets: readonly Bucket[], widthMs: number): Bucket[] {
  const out: Bucket[] = [];
  let current: Bucket | undefined;
  for (const b of buckets) {
    const start = Math.floor(b.start / widthMs) * widthMs;
    if (current === undefined || current.start !== start) {
      current = new Bucket(start);
      out.push(current);
    }
    mergeInto(current, b);
  }
  return out;
}
