/**
 * A chunk: a run of up to 120 (timestamp, value) samples of one series within one clock hour,
 * packed so a regular series costs one to a few bytes per sample instead of sixteen.
 *
 *   sample 0   zigzag varint timestamp (ms), then the value's 8 raw bytes
 *   sample n   control byte: bits 7-6 timestamp kind (0: delta-of-delta is 0, 1: a zigzag
 *              varint delta-of-delta follows), bits 5-0 the value's code (float-codes.ts: XOR or
 *              decimal); then the delta-of-delta if any, then the XOR's meaningful bytes or
 *              the decimal delta
 *
 * A series scraped every 15 s with an unchanged value costs 1 byte per sample; a counter
 * that moves a little costs 2-4; a noisy gauge 7-9. Encoding is incremental (the open chunk
 * of a series is an encoder that keeps its bytes), so holding the head in memory costs about
 * what storing it does. NaN is canonicalised (float-codes.ts), ±Inf round-trip exactly.
 */
import { ByteReader, ByteWriter } from "./bytes.ts";
import {
  bits,
  bitsOf,
  DECIMAL_CODE,
  decimal,
  decimalCode,
  fromBits,
  fromDecimal,
  NAN_HI,
  xorCode,
} from "./float-codes.ts";

export const MAX_CHUNK_SAMPLES = 120;

/** The open chunk of a series: appends in time order, strictly increasing timestamps. */
export class ChunkEncoder {
  readonly #w: ByteWriter;
  count = 0;
  firstT = 0;
  lastT = 0;
  lastValue = Number.NaN;
  #lastDelta = 0;
  #hi = 0;
  #lo = 0;

  constructor(capacity = 16) {
    this.#w = new ByteWriter(capacity);
  }

  append(t: number, v: number): void {
    let hi: number;
    let lo: number;
    if (Number.isNaN(v)) {
      hi = NAN_HI;
      lo = 0;
    } else {
      bitsOf(v);
      hi = bits.hi;
      lo = bits.lo;
    }
    const w = this.#w;
    if (this.count === 0) {
      w.zigzag(t);
      w.rawBits(hi, lo);
      this.firstT = t;
      this.#lastDelta = 0;
    } else {
      const delta = t - this.lastT;
      const dod = delta - this.#lastDelta;
      const xhi = hi ^ this.#hi;
      const xlo = lo ^ this.#lo;
      let code = xorCode(xhi, xlo);
      // Worth trying when the XOR takes 2 bytes or more.
      if (code > 0 && (code - 1) & 7)
        code = decimalCode(v, this.lastValue, ((code - 1) & 7) + 1) || code;
      if (dod === 0) {
        w.byte(code);
      } else {
        w.byte(0x40 | code);
        w.zigzag(dod);
      }
      if (code >= DECIMAL_CODE) w.zigzag(decimal.delta);
      else w.xorBytes(xhi, xlo, code);
      this.#lastDelta = delta;
    }
    this.#hi = hi;
    this.#lo = lo;
    this.lastT = t;
    this.lastValue = v;
    this.count++;
  }

  /** The encoded samples so far (a copy). */
  bytes(): Uint8Array {
    return this.#w.bytes();
  }

  /** The encoded samples so far, without copying: valid until the next append or reset. */
  view(): Uint8Array {
    return this.#w.buf.subarray(0, this.#w.len);
  }

  get byteLength(): number {
    return this.#w.len;
  }

  /** Starts a new chunk, keeping the buffer's capacity. */
  reset(): void {
    this.#w.len = 0;
    this.count = 0;
  }

  /** An encoder continuing a stored chunk (after a restart). */
  static resume(data: Uint8Array): ChunkEncoder {
    const encoder = new ChunkEncoder(Math.max(16, data.length * 2));
    const { timestamps, values } = decodeChunk(data);
    for (let i = 0; i < timestamps.length; i++) {
      encoder.append(timestamps[i] as number, values[i] as number);
    }
    return encoder;
  }
}

export interface DecodedChunk {
  timestamps: Float64Array;
  values: Float64Array;
}

/** Every sample of a chunk, oldest first. `count` (when known) saves a resize. */
export function decodeChunk(data: Uint8Array, count = 0): DecodedChunk {
  let timestamps = new Float64Array(count > 0 ? count : 32);
  let values = new Float64Array(timestamps.length);
  let n = 0;
  const r = new ByteReader(data);
  let t = 0;
  let delta = 0;
  let hi = 0;
  let lo = 0;
  while (!r.done) {
    if (n === timestamps.length) {
      const grownT = new Float64Array(n * 2);
      const grownV = new Float64Array(n * 2);
      grownT.set(timestamps);
      grownV.set(values);
      timestamps = grownT;
      values = grownV;
    }
    if (n === 0) {
      t = r.zigzag();
      r.rawBits();
    } else {
      const control = r.byte();
      if (control & 0x40) delta += r.zigzag();
      t += delta;
      const code = control & 0x3f;
      if (code >= DECIMAL_CODE) bitsOf(fromDecimal(code, r.zigzag(), fromBits(hi, lo)));
      else r.xorBits(code, hi, lo);
    }
    hi = bits.hi;
    lo = bits.lo;
    timestamps[n] = t;
    values[n] = fromBits(hi, lo);
    n++;
  }
  return n === timestamps.length
    ? { timestamps, values }
    : { timestamps: timestamps.subarray(0, n), values: values.subarray(0, n) };
}

/** Encodes samples in one go (tests, and rewriting chunks). */
export function encodeChunk(timestamps: ArrayLike<number>, values: ArrayLike<number>): Uint8Array {
  const encoder = new ChunkEncoder(Math.max(16, timestamps.length * 4));
  for (let i = 0; i < timestamps.length; i++) {
    encoder.append(timestamps[i] as number, values[i] as number);
  }
  return encoder.bytes();
}
