/**
 * A mergeable quantile sketch for arbitrary float values (DDSketch-style), so p50/p95/p99 of
 * any window can be answered from 1-minute and 1-hour rollups long after the raw samples are
 * gone. Unlike the check history's latency histogram (positive milliseconds only) it takes
 * negative values, zero and ±Inf.
 *
 * Magnitudes fall into logarithmic buckets: bucket i holds (γ^(i-1), γ^i] with
 * γ = (1 + α) / (1 - α), α = 1 %, and reports 2γ^i / (γ + 1), which is within α of every value
 * in the bucket. Positive and negative values have their own buckets; zero and ±Inf are
 * counted apart. A quantile is the nearest-rank one (rank ⌈q·n⌉, as LatencyHistogram), so it
 * is within 1 % of the exact nearest-rank value.
 *
 * Encoded sparse: a flags byte, then for each side the number of buckets, the first index
 * (zigzag varint) and its count, then (index gap, count) varint pairs. A sketch of equal
 * values costs about 5 bytes.
 */
import { ByteReader, ByteWriter } from "./bytes.ts";

export const RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const INV_LOG_GAMMA = 1 / Math.log(GAMMA);
const VALUE_FACTOR = 2 / (GAMMA + 1);

const HAS_ZERO = 1;
const HAS_POS = 2;
const HAS_NEG = 4;
const HAS_POS_INF = 8;
const HAS_NEG_INF = 16;

/** The bucket index of a finite magnitude > 0. */
export function indexOf(magnitude: number): number {
  return Math.ceil(Math.log(magnitude) * INV_LOG_GAMMA);
}

/** What bucket `index` reports: within α of every magnitude it holds. */
export function bucketValue(index: number): number {
  return GAMMA ** index * VALUE_FACTOR;
}

export class ValueSketch {
  readonly pos = new Map<number, number>();
  readonly neg = new Map<number, number>();
  zero = 0;
  posInf = 0;
  negInf = 0;
  count = 0;

  /** Adds `v` `times` times; NaN is ignored. */
  add(v: number, times = 1): void {
    if (v > 0) {
      if (v === Number.POSITIVE_INFINITY) this.posInf += times;
      else bump(this.pos, indexOf(v), times);
    } else if (v < 0) {
      if (v === Number.NEGATIVE_INFINITY) this.negInf += times;
      else bump(this.neg, indexOf(-v), times);
    } else if (v === 0) {
      this.zero += times;
    } else {
      return;
    }
    this.count += times;
  }

  merge(other: ValueSketch): void {
    for (const [i, n] of other.pos) bump(this.pos, i, n);
    for (const [i, n] of other.neg) bump(this.neg, i, n);
    this.zero += other.zero;
    this.posInf += other.posInf;
    this.negInf += other.negInf;
    this.count += other.count;
  }

  /** The nearest-rank q-quantile (0 ≤ q ≤ 1) within 1 %, or NaN when empty. */
  quantile(q: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.min(this.count, Math.max(1, Math.ceil(q * this.count)));
    let seen = this.negInf;
    if (seen >= rank) return Number.NEGATIVE_INFINITY;
    for (const i of [...this.neg.keys()].sort((a, b) => b - a)) {
      seen += this.neg.get(i) as number;
      if (seen >= rank) return -bucketValue(i);
    }
    seen += this.zero;
    if (seen >= rank) return 0;
    for (const i of [...this.pos.keys()].sort((a, b) => a - b)) {
      seen += this.pos.get(i) as number;
      if (seen >= rank) return bucketValue(i);
    }
    return Number.POSITIVE_INFINITY;
  }

  encode(w = new ByteWriter(16)): Uint8Array {
    const flags =
      (this.zero > 0 ? HAS_ZERO : 0) |
      (this.pos.size > 0 ? HAS_POS : 0) |
      (this.neg.size > 0 ? HAS_NEG : 0) |
      (this.posInf > 0 ? HAS_POS_INF : 0) |
      (this.negInf > 0 ? HAS_NEG_INF : 0);
    w.byte(flags);
    if (this.zero > 0) w.varint(this.zero);
    if (this.pos.size > 0) writeSide(w, this.pos);
    if (this.neg.size > 0) writeSide(w, this.neg);
    if (this.posInf > 0) w.varint(this.posInf);
    if (this.negInf > 0) w.varint(this.negInf);
    return w.bytes();
  }

  static decode(data: Uint8Array): ValueSketch {
    return ValueSketch.read(new ByteReader(data));
  }

  /** Moves the reader past an encoded sketch. */
  static skip(r: ByteReader): void {
    const flags = r.byte();
    if (flags & HAS_ZERO) r.varint();
    if (flags & HAS_POS) skipSide(r);
    if (flags & HAS_NEG) skipSide(r);
    if (flags & HAS_POS_INF) r.varint();
    if (flags & HAS_NEG_INF) r.varint();
  }

  static read(r: ByteReader): ValueSketch {
    const s = new ValueSketch();
    const flags = r.byte();
    if (flags & HAS_ZERO) s.zero = r.varint();
    if (flags & HAS_POS) readSide(r, s.pos);
    if (flags & HAS_NEG) readSide(r, s.neg);
    if (flags & HAS_POS_INF) s.posInf = r.varint();
    if (flags & HAS_NEG_INF) s.negInf = r.varint();
    s.count = s.zero + s.posInf + s.negInf;
    for (const n of s.pos.values()) s.count += n;
    for (const n of s.neg.values()) s.count += n;
    return s;
  }
}

/** Moves the reader past a sketch without building it. */
function skipSide(r: ByteReader): void {
  const n = r.varint();
  for (let k = 0; k < n; k++) {
    r.varint();
    r.varint();
  }
}

function bump(map: Map<number, number>, index: number, times: number): void {
  map.set(index, (map.get(index) ?? 0) + times);
}

function writeSide(w: ByteWriter, side: Map<number, number>): void {
  const indexes = [...side.keys()].sort((a, b) => a - b);
  w.varint(indexes.length);
  let previous = 0;
  indexes.forEach((index, k) => {
    if (k === 0) w.zigzag(index);
    else w.varint(index - previous);
    w.varint(side.get(index) as number);
    previous = index;
  });
}

function readSide(r: ByteReader, side: Map<number, number>): void {
  const n = r.varint();
  let index = 0;
  for (let k = 0; k < n; k++) {
    index = k === 0 ? r.zigzag() : index + r.varint();
    side.set(index, r.varint());
  }
}
