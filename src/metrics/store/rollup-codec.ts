/**
 * Rollup rows, packed: one row per series per hour holds its minute buckets, one row per
 * series per day its hour buckets — not one database row per bucket, which would cost ~60
 * bytes of row overhead for every minute of every series.
 *
 *   flags byte    bit 0: the row's "previous value" follows (the first bucket is chained)
 *   [prev]        8 raw bytes
 *   per bucket    control byte, then its body; floats are compressed (float-codes.ts) against
 *                 the previous one in the chain, so a steady series costs a byte or two each
 *
 * control byte: bit 7 the slot follows the previous bucket's (else a varint gap follows),
 * bit 6 chained (base = previous bucket's last, or the row's prev), bit 5 small, bit 4 an
 * explicit base follows (never written by the store itself; kept for odd merges).
 *   small (1 to SMALL_MAX values): bits 2-0 count - 1; body: the values.
 *   small with bit 3 (a run): bits 2-0 are r - 1, and r buckets of one value each follow,
 *        each in the slot after the previous and chained to it — the usual minute of a
 *        series sampled once a minute, one control byte for up to 8 minutes.
 *   big: bit 3 constant (every value equal), bit 2 adjust ≠ 0;
 *        body: varint count, then constant: the value; else first, last, min, max, sum;
 *        then [adjust], then (not constant) the sketch (sketch.ts).
 * A small bucket's sum, min, max and increase are recomputed from its values on decoding,
 * exactly as they were computed when it was built. A bucket after the last one of a row is
 * appended without decoding the row's buckets (appendToRow: the day row gains an hour each
 * hour).
 */
import { ByteReader, ByteWriter } from "./bytes.ts";
import { Bucket } from "./rollup.ts";
import { ValueSketch } from "./sketch.ts";

const CONSECUTIVE = 0x80;
const CHAINED = 0x40;
const SMALL = 0x20;
const EXPLICIT_BASE = 0x10;
const CONSTANT = 0x08;
const RUN = 0x08;
const ADJUST = 0x04;
const MAX_RUN = 8;

/** Where the encoding of a row stands: what the next bucket is compressed against. */
interface Chain {
  chain: number;
  prevSlot: number;
  prevSum: number;
}

/** Encodes buckets (ascending, each starting on a slot of `widthMs` after `rowStart`). */
export function encodeRow(
  rowStart: number,
  widthMs: number,
  buckets: readonly Bucket[],
): Uint8Array {
  const w = new ByteWriter(64);
  const head = buckets[0];
  const rowPrev = head?.chained ? head.base : undefined;
  w.byte(rowPrev === undefined ? 0 : 1);
  if (rowPrev !== undefined) w.float(rowPrev);
  const at: Chain = { chain: rowPrev ?? 0, prevSlot: -1, prevSum: 0 };
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i] as Bucket;
    const slot = Math.round((b.start - rowStart) / widthMs);
    const explicitBase = b.chained && !Object.is(b.base, at.chain);
    const run = explicitBase ? 1 : runLength(buckets, i, widthMs);
    if (run > 1) {
      if (slot <= at.prevSlot) throw new RangeError("rollup buckets must ascend");
      const control = (slot === at.prevSlot + 1 ? CONSECUTIVE : 0) | (b.chained ? CHAINED : 0);
      w.byte(control | SMALL | RUN | (run - 1));
      if (!(control & CONSECUTIVE)) w.varint(slot - at.prevSlot - 1);
      for (let j = i; j < i + run; j++) {
        const v = (buckets[j] as Bucket).last;
        w.xorFloat(v, at.chain);
        at.chain = v;
      }
      at.prevSlot = slot + run - 1;
      i += run - 1;
    } else {
      writeBucket(w, at, slot, b);
    }
  }
  return w.bytes();
}

/** Writes one bucket in `slot` and moves the chain on. */
function writeBucket(w: ByteWriter, at: Chain, slot: number, b: Bucket): void {
  if (slot <= at.prevSlot) throw new RangeError("rollup buckets must ascend");
  const explicitBase = b.chained && !Object.is(b.base, at.chain);
  let control = (slot === at.prevSlot + 1 ? CONSECUTIVE : 0) | (b.chained ? CHAINED : 0);
  if (explicitBase) control |= EXPLICIT_BASE;
  const small = b.values !== null && b.values.length === b.count;
  const constant = !small && b.min === b.max && b.sum === b.min * b.count;
  if (small) control |= SMALL | (b.count - 1);
  else {
    if (constant) control |= CONSTANT;
    if (b.adjust !== 0) control |= ADJUST;
  }
  w.byte(control);
  if (!(control & CONSECUTIVE)) w.varint(slot - at.prevSlot - 1);
  if (explicitBase) w.float(b.base);
  if (small) {
    let prev = at.chain;
    for (const v of b.values as number[]) {
      w.xorFloat(v, prev);
      prev = v;
    }
  } else {
    w.varint(b.count);
    if (constant) {
      w.xorFloat(b.min, at.chain);
    } else {
      w.xorFloat(b.first, at.chain);
      w.xorFloat(b.last, b.first);
      w.xorFloat(b.min, b.first);
      w.xorFloat(b.max, b.last);
      w.xorFloat(b.sum, at.prevSum);
    }
    if (b.adjust !== 0) w.xorFloat(b.adjust, 0);
    if (!constant) b.sketch().encode(w);
    at.prevSum = b.sum;
  }
  at.chain = b.last;
  at.prevSlot = slot;
}

const single = (b: Bucket) => b.count === 1 && b.values !== null;

/**
 * How many buckets from `i` on can go in one run: single values, each in the slot after the
 * previous one and chained to its value (the first may follow a gap or start unchained).
 */
function runLength(buckets: readonly Bucket[], i: number, widthMs: number): number {
  const first = buckets[i] as Bucket;
  if (!single(first)) return 1;
  let n = 1;
  while (n < MAX_RUN && i + n < buckets.length) {
    const b = buckets[i + n] as Bucket;
    const before = buckets[i + n - 1] as Bucket;
    const adjacent = Math.round((b.start - before.start) / widthMs) === 1;
    if (!single(b) || !adjacent || !b.chained || !Object.is(b.base, before.last)) break;
    n++;
  }
  return n;
}

/**
 * The row with `bucket` added. A bucket after the row's last is appended to the bytes as
 * they are; otherwise (a bucket rolled up again) the row is decoded and encoded anew.
 */
export function appendToRow(
  data: Uint8Array | undefined,
  rowStart: number,
  widthMs: number,
  bucket: Bucket,
): Uint8Array {
  if (data === undefined || data.length === 0) return encodeRow(rowStart, widthMs, [bucket]);
  const slot = Math.round((bucket.start - rowStart) / widthMs);
  const at: Chain = { chain: 0, prevSlot: -1, prevSum: 0 };
  readRow(data, rowStart, widthMs, at);
  if (slot <= at.prevSlot) {
    const buckets = decodeRow(data, rowStart, widthMs).filter((b) => b.start !== bucket.start);
    buckets.push(bucket);
    buckets.sort((a, b) => a.start - b.start);
    return encodeRow(rowStart, widthMs, buckets);
  }
  const w = new ByteWriter(data.length + 64);
  w.buf.set(data);
  w.len = data.length;
  writeBucket(w, at, slot, bucket);
  return w.bytes();
}

/** The buckets of a row written by `encodeRow` with the same `rowStart` and `widthMs`. */
export function decodeRow(data: Uint8Array, rowStart: number, widthMs: number): Bucket[] {
  const out: Bucket[] = [];
  readRow(data, rowStart, widthMs, undefined, out);
  return out;
}

/**
 * Walks a row: into `out` when given (building every bucket), else only to leave where the
 * encoding stands in `at` (sketches skipped, nothing built beyond the small buckets' values).
 */
function readRow(
  data: Uint8Array,
  rowStart: number,
  widthMs: number,
  at: Chain = { chain: 0, prevSlot: -1, prevSum: 0 },
  out?: Bucket[],
): void {
  const r = new ByteReader(data);
  const flags = r.byte();
  at.chain = flags & 1 ? r.float() : 0;
  while (!r.done) {
    const control = r.byte();
    const slot = control & CONSECUTIVE ? at.prevSlot + 1 : at.prevSlot + 1 + r.varint();
    const chained = (control & CHAINED) !== 0;
    if ((control & (SMALL | RUN)) === (SMALL | RUN)) {
      const run = (control & 7) + 1;
      for (let j = 0; j < run; j++) {
        const v = r.xorFloat(at.chain);
        if (out !== undefined) {
          const b = new Bucket(rowStart + (slot + j) * widthMs);
          b.add(v, j > 0 || chained ? at.chain : undefined);
          out.push(b);
        }
        at.chain = v;
      }
      at.prevSlot = slot + run - 1;
      continue;
    }
    const b = new Bucket(rowStart + slot * widthMs);
    const base = control & EXPLICIT_BASE ? r.float() : at.chain;
    if (control & SMALL) {
      const count = (control & 7) + 1;
      let prev = at.chain;
      for (let i = 0; i < count; i++) {
        const v = r.xorFloat(prev);
        b.add(v, i === 0 && chained ? base : undefined);
        prev = v;
      }
    } else {
      b.count = r.varint();
      b.chained = chained;
      if (control & CONSTANT) {
        const v = r.xorFloat(at.chain);
        b.first = b.last = b.min = b.max = v;
        b.sum = v * b.count;
      } else {
        b.first = r.xorFloat(at.chain);
        b.last = r.xorFloat(b.first);
        b.min = r.xorFloat(b.first);
        b.max = r.xorFloat(b.last);
        b.sum = r.xorFloat(at.prevSum);
      }
      b.base = chained ? base : b.first;
      if (control & ADJUST) b.adjust = r.xorFloat(0);
      if (control & CONSTANT) {
        if (out !== undefined) {
          const s = new ValueSketch();
          s.add(b.min, b.count);
          b.setSketch(s);
        }
      } else if (out !== undefined) {
        b.setSketch(ValueSketch.read(r));
      } else {
        ValueSketch.skip(r);
      }
      at.prevSum = b.sum;
    }
    out?.push(b);
    at.chain = b.last;
    at.prevSlot = slot;
  }
}
