/**
 * How the metric store's codecs write a float64 against the previous one (bytes.ts,
 * chunk-codec.ts): a 6-bit code, then a few bytes.
 *
 * XOR compression is the byte-oriented cousin of Gorilla's: the bits of a value XOR the bits
 * of the previous one usually have zero bytes at both ends, so only the middle ("meaningful")
 * bytes are written, after a code saying where they sit:
 *
 *   code 0            the value's bits equal the previous value's (nothing follows)
 *   code 1 + 8L + M-1 L leading zero bytes, then M meaningful bytes follow, most significant
 *                     first (L + M <= 8, so codes stay <= 57)
 *   code 58 + k       decimal: a zigzag varint d follows, and the value is
 *                     (round(prev · 10^k) + d) / 10^k, k = 0..3
 *
 * The decimal form is what makes integer counters and gauges with a few decimals
 * (51.23 → 51.87) cheap, where their float bits differ all over: it is used when it is
 * shorter than the XOR and the value round-trips bit for bit.
 *
 * NaN is canonicalised to the quiet NaN 0x7ff8000000000000 on the way in: JavaScript does not
 * promise to keep NaN payloads through arithmetic anyway, and every NaN is treated alike
 * (src/metrics/samples.ts). ±Inf and -0 keep their exact bits.
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error("the metric store's codecs assume a little-endian CPU");
}

/** High word of the canonical NaN (the low word is 0). */
export const NAN_HI = 0x7ff80000;

/** The last bits computed by `bitsOf`: a module-level pair, so the hot path allocates nothing. */
export const bits = { hi: 0, lo: 0 };

/** Splits `v` into `bits.hi` / `bits.lo` (NaN canonicalised). */
export function bitsOf(v: number): void {
  if (Number.isNaN(v)) {
    bits.hi = NAN_HI;
    bits.lo = 0;
    return;
  }
  f64[0] = v;
  bits.hi = u32[1] as number;
  bits.lo = u32[0] as number;
}

/** The float64 with the given bits. */
export function fromBits(hi: number, lo: number): number {
  u32[1] = hi;
  u32[0] = lo;
  return f64[0] as number;
}

const ctz32 = (x: number): number => 31 - Math.clz32(x & -x);

/** The XOR code (see the header) of the XOR of two values' bits. */
export function xorCode(xhi: number, xlo: number): number {
  if (xhi === 0 && xlo === 0) return 0;
  const lead = xhi !== 0 ? Math.clz32(xhi) >> 3 : 4 + (Math.clz32(xlo) >> 3);
  const trail = xlo !== 0 ? ctz32(xlo) >> 3 : 4 + (ctz32(xhi) >> 3);
  return 1 + lead * 8 + (7 - lead - trail);
}

/** The first decimal code (see the header). */
export const DECIMAL_CODE = 58;
const SCALES = [1, 10, 100, 1000];
const SAFE = 2 ** 52;

/** The delta found by the last successful `decimalCode`. */
export const decimal = { delta: 0 };

/**
 * The decimal code (58 + k) for `v` after `prev` when its zigzag delta takes fewer than
 * `maxBytes` varint bytes, else 0. Leaves the delta in `decimal.delta`.
 */
export function decimalCode(v: number, prev: number, maxBytes: number): number {
  if (!Number.isFinite(v) || !Number.isFinite(prev)) return 0;
  for (let k = 0; k < 4; k++) {
    const p = SCALES[k] as number;
    const n = Math.round(v * p);
    if (n / p === v && Math.abs(n) < SAFE) {
      const prevN = Math.round(prev * p);
      if (Math.abs(prevN) >= SAFE) return 0;
      const delta = n - prevN;
      // What the reader computes, bit for bit (-0 does not survive the addition).
      if (!Object.is((prevN + delta) / p, v)) return 0;
      const z = delta >= 0 ? delta * 2 : -delta * 2 - 1;
      if (varintLength(z) >= maxBytes) return 0;
      decimal.delta = delta;
      return DECIMAL_CODE + k;
    }
  }
  return 0;
}

/** The value a decimal code and delta stand for after `prev`. */
export function fromDecimal(code: number, delta: number, prev: number): number {
  const p = SCALES[code - DECIMAL_CODE] as number;
  return (Math.round(prev * p) + delta) / p;
}

function varintLength(v: number): number {
  let n = 1;
  for (let x = v; x >= 0x80; x = Math.floor(x / 128)) n++;
  return n;
}
