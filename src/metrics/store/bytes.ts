/**
 * Byte-level building blocks of the metric store's codecs (chunk-codec.ts, rollup-codec.ts,
 * sketch.ts): a growable writer and a reader for unsigned LEB128 varints, zigzag varints and
 * float64 values, raw or compressed against a previous value (float-codes.ts).
 */
import {
  bits,
  bitsOf,
  DECIMAL_CODE,
  decimal,
  decimalCode,
  fromBits,
  fromDecimal,
  xorCode,
} from "./float-codes.ts";

export class ByteWriter {
  buf: Uint8Array;
  len = 0;

  constructor(capacity = 32) {
    this.buf = new Uint8Array(capacity);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  /** A non-negative integer below 2^53. */
  varint(value: number): void {
    this.ensure(8);
    const buf = this.buf;
    let v = value;
    while (v >= 0x80) {
      buf[this.len++] = (v & 0x7f) | 0x80;
      v = v < 0x80000000 ? v >>> 7 : Math.floor(v / 128);
    }
    buf[this.len++] = v;
  }

  /** Any integer of magnitude below 2^52. */
  zigzag(v: number): void {
    this.varint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  /** Eight raw bytes, little-endian. */
  rawBits(hi: number, lo: number): void {
    this.ensure(8);
    const buf = this.buf;
    let n = this.len;
    buf[n++] = lo;
    buf[n++] = lo >>> 8;
    buf[n++] = lo >>> 16;
    buf[n++] = lo >>> 24;
    buf[n++] = hi;
    buf[n++] = hi >>> 8;
    buf[n++] = hi >>> 16;
    buf[n++] = hi >>> 24;
    this.len = n;
  }

  float(v: number): void {
    bitsOf(v);
    this.rawBits(bits.hi, bits.lo);
  }

  /** The meaningful bytes of an XOR whose code was computed by `xorCode` (nothing for 0). */
  xorBytes(xhi: number, xlo: number, code: number): void {
    if (code === 0) return;
    this.ensure(8);
    const buf = this.buf;
    const lead = (code - 1) >> 3;
    const top = 7 - lead;
    const bottom = top - ((code - 1) & 7);
    for (let k = top; k >= bottom; k--) {
      buf[this.len++] = k >= 4 ? xhi >>> ((k - 4) << 3) : xlo >>> (k << 3);
    }
  }

  /** `v` compressed against `prev`: the code byte, then the XOR's bytes or the decimal delta. */
  xorFloat(v: number, prev: number): void {
    bitsOf(prev);
    const phi = bits.hi;
    const plo = bits.lo;
    bitsOf(v);
    const xhi = bits.hi ^ phi;
    const xlo = bits.lo ^ plo;
    const code = xorCode(xhi, xlo);
    const dec = code > 0 && ((code - 1) & 7) >= 1 ? decimalCode(v, prev, ((code - 1) & 7) + 1) : 0;
    if (dec !== 0) {
      this.byte(dec);
      this.zigzag(decimal.delta);
      return;
    }
    this.byte(code);
    this.xorBytes(xhi, xlo, code);
  }

  /** Length-prefixed bytes. */
  blob(data: Uint8Array): void {
    this.varint(data.length);
    this.ensure(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  /** A copy of what was written. */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

export class ByteReader {
  readonly data: Uint8Array;
  pos: number;

  constructor(data: Uint8Array, pos = 0) {
    this.data = data;
    this.pos = pos;
  }

  get done(): boolean {
    return this.pos >= this.data.length;
  }

  byte(): number {
    const b = this.data[this.pos++];
    if (b === undefined) throw new RangeError("truncated metric data");
    return b;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
  }

  zigzag(): number {
    const v = this.varint();
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }

  /** Eight raw bytes into `bits`. */
  rawBits(): void {
    const d = this.data;
    const p = this.pos;
    if (p + 8 > d.length) throw new RangeError("truncated metric data");
    bits.lo =
      ((d[p] as number) |
        ((d[p + 1] as number) << 8) |
        ((d[p + 2] as number) << 16) |
        ((d[p + 3] as number) << 24)) >>>
      0;
    bits.hi =
      ((d[p + 4] as number) |
        ((d[p + 5] as number) << 8) |
        ((d[p + 6] as number) << 16) |
        ((d[p + 7] as number) << 24)) >>>
      0;
    this.pos = p + 8;
  }

  float(): number {
    this.rawBits();
    return fromBits(bits.hi, bits.lo);
  }

  /** Reads the meaningful bytes for `code` and leaves prev XOR them in `bits`. */
  xorBits(code: number, prevHi: number, prevLo: number): void {
    let xhi = 0;
    let xlo = 0;
    if (code !== 0) {
      const lead = (code - 1) >> 3;
      const top = 7 - lead;
      const bottom = top - ((code - 1) & 7);
      for (let k = top; k >= bottom; k--) {
        const b = this.byte();
        if (k >= 4) xhi |= b << ((k - 4) << 3);
        else xlo |= b << (k << 3);
      }
    }
    bits.hi = (xhi ^ prevHi) >>> 0;
    bits.lo = (xlo ^ prevLo) >>> 0;
  }

  /** A value written by `ByteWriter.xorFloat` against `prev`. */
  xorFloat(prev: number): number {
    const code = this.byte();
    if (code >= DECIMAL_CODE) return fromDecimal(code, this.zigzag(), prev);
    bitsOf(prev);
    this.xorBits(code, bits.hi, bits.lo);
    return fromBits(bits.hi, bits.lo);
  }

  blob(): Uint8Array {
    const n = this.varint();
    if (this.pos + n > this.data.length) throw new RangeError("truncated metric data");
    const out = this.data.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}
