import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ByteReader, ByteWriter } from "../../../src/metrics/store/bytes.ts";
import { ChunkEncoder, decodeChunk, encodeChunk } from "../../../src/metrics/store/chunk-codec.ts";
import { seeded } from "../../helpers/random.ts";

const T0 = Date.UTC(2026, 10, 23, 5, 0, 0);

/** Compares bit for bit (NaN equals NaN, 0 differs from -0). */
function assertSameValues(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Object.is(actual[i], expected[i]), `value ${i}: ${actual[i]} !== ${expected[i]}`);
  }
}

function roundTrip(ts: number[], vs: number[]): Uint8Array {
  const data = encodeChunk(ts, vs);
  const decoded = decodeChunk(data);
  assert.deepEqual([...decoded.timestamps], ts);
  assertSameValues(decoded.values, vs);
  // With the count given, too.
  assertSameValues(decodeChunk(data, ts.length).values, vs);
  return data;
}

describe("chunk codec", () => {
  test("special values round-trip exactly: NaN, ±Inf, -0, extremes", () => {
    const vs = [
      0,
      -0,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
      Number.MIN_VALUE,
      5e-324,
      1,
      Number.NaN,
      1,
      0.1 + 0.2,
      -123.456,
      2 ** 53,
      Number.NaN,
    ];
    const ts = vs.map((_, i) => T0 + i * 15_000);
    roundTrip(ts, vs);
  });

  test("a NaN with another payload comes back as the canonical NaN", () => {
    const weird = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0] as number;
    assert.ok(Number.isNaN(weird));
    const { values } = decodeChunk(encodeChunk([T0, T0 + 1], [weird, 1]));
    const bitsOut = new BigUint64Array(Float64Array.from([values[0] as number]).buffer)[0];
    assert.equal(bitsOut, 0x7ff8000000000000n);
  });

  test("irregular timestamps: gaps, jitter, 1 ms steps, an hour apart", () => {
    const ts = [T0, T0 + 1, T0 + 2, T0 + 15_000, T0 + 15_001, T0 + 29_998, T0 + 3_599_999];
    roundTrip(
      ts,
      ts.map((_, i) => i * 1.5),
    );
  });

  test("property: random timestamps and random bit patterns round-trip", () => {
    const random = seeded(7);
    for (let round = 0; round < 300; round++) {
      const n = 1 + Math.floor(random() * 120);
      const ts: number[] = [];
      const vs: number[] = [];
      let t = T0 + Math.floor(random() * 1e9);
      for (let i = 0; i < n; i++) {
        t += 1 + Math.floor(random() ** 3 * 600_000);
        ts.push(t);
        const kind = Math.floor(random() * 6);
        if (kind === 0) vs.push((random() - 0.5) * 10 ** Math.floor(random() * 40 - 20));
        else if (kind === 1) vs.push(Math.round(random() * 1e6) / 100);
        else if (kind === 2) vs.push(vs.length > 0 ? (vs[vs.length - 1] as number) : 0);
        else if (kind === 3) vs.push(Math.floor(random() * 2 ** 53));
        else if (kind === 4) {
          const raw = new Uint32Array([random() * 2 ** 32, random() * 2 ** 32]);
          const v = new Float64Array(raw.buffer)[0] as number;
          vs.push(Number.isNaN(v) ? Number.NaN : v);
        } else
          vs.push([Number.NaN, Infinity, -Infinity, -0, 0][Math.floor(random() * 5)] as number);
      }
      roundTrip(ts, vs);
    }
  });

  test("a regular series costs a few bytes per sample", () => {
    const ts = Array.from({ length: 120 }, (_, i) => T0 + i * 15_000);
    const constant = roundTrip(
      ts,
      ts.map(() => 1),
    );
    // First sample: 6-byte timestamp + 8-byte value; the second: its delta (3 bytes); then
    // one byte each.
    assert.equal(constant.length, 6 + 8 + 1 + 3 + 118);
    let counter = 1000;
    const counterData = roundTrip(
      ts,
      ts.map((_, i) => (counter += (i * 7) % 50)),
    );
    assert.ok(counterData.length <= 15 + 119 * 2, `counter: ${counterData.length} bytes`);
    let g = 50;
    const gauge = roundTrip(
      ts,
      ts.map((_, i) => {
        g += ((i * 37) % 21) - 10;
        return g / 100;
      }),
    );
    assert.ok(gauge.length <= 15 + 119 * 3, `2-decimal gauge: ${gauge.length} bytes`);
  });

  test("an encoder resumed from stored bytes continues the same chunk", () => {
    const ts = [T0, T0 + 10_000, T0 + 20_000];
    const vs = [1, 2, 2.5];
    const encoder = ChunkEncoder.resume(encodeChunk(ts, vs));
    assert.equal(encoder.count, 3);
    assert.equal(encoder.lastT, T0 + 20_000);
    encoder.append(T0 + 30_000, 3);
    encoder.append(T0 + 45_000, Number.NaN);
    const direct = encodeChunk([...ts, T0 + 30_000, T0 + 45_000], [...vs, 3, Number.NaN]);
    assert.deepEqual(encoder.bytes(), direct);
  });
});

describe("byte helpers", () => {
  test("varints, zigzag and compressed floats round-trip", () => {
    const w = new ByteWriter(1);
    const ints = [0, 1, 127, 128, 300, 2 ** 31, 2 ** 32 + 5, 2 ** 53 - 1];
    for (const v of ints) w.varint(v);
    const signed = [0, -1, 1, -64, 64, -(2 ** 40), 2 ** 40];
    for (const v of signed) w.zigzag(v);
    const floats = [0, 1.5, 1.5, -0, Number.NaN, Infinity, 12.34, 12.35, 1e300, 42, 43];
    let prev = 0;
    for (const v of floats) {
      w.xorFloat(v, prev);
      prev = v;
    }
    const r = new ByteReader(w.bytes());
    assert.deepEqual(
      ints.map(() => r.varint()),
      ints,
    );
    assert.deepEqual(
      signed.map(() => r.zigzag()),
      signed,
    );
    prev = 0;
    const back = floats.map(() => {
      prev = r.xorFloat(prev);
      return prev;
    });
    assertSameValues(back, floats);
    assert.ok(r.done);
  });
});
