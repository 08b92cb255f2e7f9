import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  Bucket,
  bucketsOf,
  HOUR_MS,
  MINUTE_MS,
  mergeBuckets,
  regroup,
} from "../../../src/metrics/store/rollup.ts";
import { appendToRow, decodeRow, encodeRow } from "../../../src/metrics/store/rollup-codec.ts";
import { ValueSketch } from "../../../src/metrics/store/sketch.ts";
import { seeded } from "../../helpers/random.ts";
import { brief, exactQuantile } from "./helpers.ts";

const H = Date.UTC(2026, 10, 23, 5, 0, 0);

describe("rollup buckets", () => {
  test("count, sum, min, max, first, last per minute; NaN left out", () => {
    const ts = [H + 1000, H + 20_000, H + 40_000, H + 61_000, H + 62_000, H + 180_000];
    const vs = [5, Number.NaN, 3, 10, -2, 7];
    const buckets = bucketsOf(ts, vs, MINUTE_MS, H, H + HOUR_MS, undefined);
    assert.deepEqual(buckets.map(brief), [
      // 5 → 3 is a restart: it rises 3.
      { start: H, count: 2, sum: 8, min: 3, max: 5, first: 5, last: 3, increase: 3 },
      {
        start: H + 60_000,
        count: 2,
        sum: 8,
        min: -2,
        max: 10,
        first: 10,
        last: -2,
        // 3 → 10 rises 7; 10 → -2 is a restart from 0 that rises -2 (a gauge, not a counter).
        increase: 7 + -2,
      },
      { start: H + 180_000, count: 1, sum: 7, min: 7, max: 7, first: 7, last: 7, increase: 9 },
    ]);
  });

  test("counter resets: a drop means the counter restarted from 0", () => {
    const values = [100, 110, 130, 5, 15, 2, 40];
    const ts = values.map((_, i) => H + i * 5_000);
    const [bucket] = bucketsOf(ts, values, MINUTE_MS, H, H + HOUR_MS, 90);
    // From the previous sample 90: +10 +10 +20, restart +5, +10, restart +2, +38.
    assert.equal(bucket?.increase, 10 + 10 + 20 + 5 + 10 + 2 + 38);
    assert.equal(bucket?.chained, true);
    // Without a previous sample the first value rises from nothing.
    const [alone] = bucketsOf(ts, values, MINUTE_MS, H, H + HOUR_MS, undefined);
    assert.equal(alone?.increase, 10 + 20 + 5 + 10 + 2 + 38);
    // A reset against the previous sample itself.
    const [afterReset] = bucketsOf([H + 5], [3], MINUTE_MS, H, H + HOUR_MS, 50);
    assert.equal(afterReset?.increase, 3);
  });

  test("minute buckets merged per hour equal the hour built from the samples", () => {
    const random = seeded(3);
    let counter = 1000;
    const ts: number[] = [];
    const vs: number[] = [];
    for (let t = H; t < H + 2 * HOUR_MS; t += 15_000) {
      counter = random() < 0.02 ? Math.floor(random() * 10) : counter + Math.floor(random() * 20);
      ts.push(t);
      vs.push(counter);
    }
    const minutes = bucketsOf(ts, vs, MINUTE_MS, H, H + 2 * HOUR_MS, undefined);
    const hours = bucketsOf(ts, vs, HOUR_MS, H, H + 2 * HOUR_MS, undefined);
    const merged = regroup(minutes, HOUR_MS);
    assert.deepEqual(merged.map(brief), hours.map(brief));
    // The sum of the increases is the increase of the union.
    const total = minutes.reduce((n, b) => n + b.increase, 0);
    assert.equal(mergeBuckets(minutes).increase, total);
  });

  test("p50/p95/p99 within 1% of exact on a known distribution with negatives", () => {
    const random = seeded(11);
    const values: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      // Normal around 0 (half negative), scaled: spans -400..400 with zeros.
      const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      values.push(i % 500 === 0 ? 0 : Math.round(z * 100 * 1000) / 1000);
    }
    const ts = values.map((_, i) => H + i * 150);
    const minutes = bucketsOf(ts, values, MINUTE_MS, H, H + HOUR_MS, undefined);
    assert.equal(minutes.length, 50);
    // Through the packed row and back, then merged: what a long-range query does.
    const decoded = decodeRow(encodeRow(H, MINUTE_MS, minutes), H, MINUTE_MS);
    const hour = mergeBuckets(decoded, H);
    assert.equal(hour.count, 20_000);
    for (const q of [0.01, 0.05, 0.25, 0.5, 0.95, 0.99]) {
      const exact = exactQuantile(values, q);
      const estimate = hour.quantile(q);
      assert.ok(
        Math.abs(estimate - exact) <= Math.abs(exact) * 0.01,
        `q${q}: ${estimate} vs exact ${exact}`,
      );
    }
    assert.equal(hour.quantile(0), Math.min(...values));
    assert.equal(hour.quantile(1), Math.max(...values));
  });

  test("small buckets answer quantiles exactly", () => {
    const b = new Bucket(H);
    for (const v of [4, -1, 9, 2]) b.add(v);
    assert.equal(b.quantile(0.5), 2);
    assert.equal(b.quantile(0.95), 9);
    assert.equal(b.quantile(0.25), -1);
  });
});

describe("rollup rows", () => {
  test("a row round-trips every field, small and big buckets, gaps and ±Inf", () => {
    const ts: number[] = [];
    const vs: number[] = [];
    const add = (minute: number, values: number[]) =>
      values.forEach((v, i) => {
        ts.push(H + minute * MINUTE_MS + i * 1000);
        vs.push(v);
      });
    add(0, [1]);
    add(1, [1, 2, 3]);
    add(
      2,
      Array.from({ length: 30 }, (_, i) => i * 1.5),
    );
    add(
      7,
      Array.from({ length: 20 }, () => 42),
    );
    add(8, [5, Number.POSITIVE_INFINITY, -7]);
    add(
      59,
      Array.from({ length: 12 }, (_, i) => (i % 3) - 1),
    );
    const buckets = bucketsOf(ts, vs, MINUTE_MS, H, H + HOUR_MS, 0.5);
    const data = encodeRow(H, MINUTE_MS, buckets);
    const back = decodeRow(data, H, MINUTE_MS);
    assert.deepEqual(back.map(brief), buckets.map(brief));
    for (const q of [0.1, 0.5, 0.9]) {
      assert.deepEqual(
        back.map((b) => b.quantile(q)),
        buckets.map((b) => b.quantile(q)),
      );
    }
    assert.deepEqual(
      back.map((b) => b.chained),
      [true, true, true, true, true, true],
    );
  });

  test("runs of single-sample minutes round-trip across gaps, resets and NaN", () => {
    const ts: number[] = [];
    const vs: number[] = [];
    for (let minute = 0; minute < 60; minute++) {
      if (minute >= 21 && minute < 23) continue;
      ts.push(H + minute * MINUTE_MS + 7);
      vs.push(minute === 30 ? Number.NaN : minute === 40 ? 2 : 100 + minute * 3);
    }
    for (const prev of [undefined, 50, 500]) {
      const buckets = bucketsOf(ts, vs, MINUTE_MS, H, H + HOUR_MS, prev);
      assert.equal(buckets.length, 57);
      const back = decodeRow(encodeRow(H, MINUTE_MS, buckets), H, MINUTE_MS);
      assert.deepEqual(back.map(brief), buckets.map(brief));
      assert.deepEqual(
        back.map((b) => b.chained),
        buckets.map((b) => b.chained),
      );
      assert.equal(
        mergeBuckets(back).increase,
        buckets.reduce((n, b) => n + b.increase, 0),
      );
    }
  });

  test("appending hour buckets one by one gives the row encoded at once", () => {
    const day = Date.UTC(2026, 10, 23);
    const random = seeded(5);
    const ts: number[] = [];
    const vs: number[] = [];
    for (let t = day; t < day + 24 * HOUR_MS; t += 150_000) {
      if (t >= day + 7 * HOUR_MS && t < day + 10 * HOUR_MS) continue;
      ts.push(t);
      vs.push(Math.round(random() * 1000) / 10);
    }
    const hours = bucketsOf(ts, vs, HOUR_MS, day, day + 24 * HOUR_MS, 3);
    let row: Uint8Array | undefined;
    for (const b of hours) row = appendToRow(row, day, HOUR_MS, b);
    assert.deepEqual(row, encodeRow(day, HOUR_MS, hours));
    // An hour rolled up again replaces its bucket.
    const again = bucketsOf([day + 5 * HOUR_MS + 1], [7], HOUR_MS, day, day + 24 * HOUR_MS, 1);
    const replaced = decodeRow(appendToRow(row, day, HOUR_MS, again[0] as Bucket), day, HOUR_MS);
    assert.equal(replaced.length, hours.length);
    assert.deepEqual(brief(replaced[5] as Bucket), brief(again[0] as Bucket));
    assert.deepEqual(brief(replaced[6] as Bucket), brief(hours[6] as Bucket));
  });

  test("a single-sample bucket costs little more than its value", () => {
    const ts = Array.from({ length: 60 }, (_, i) => H + i * MINUTE_MS);
    const constant = encodeRow(
      H,
      MINUTE_MS,
      bucketsOf(
        ts,
        ts.map(() => 1),
        MINUTE_MS,
        H,
        H + HOUR_MS,
        undefined,
      ),
    );
    // Flags; 8 runs of up to 8 minutes (one control byte each); the first value as a
    // decimal (code + delta 1 from 0), then one code byte a minute (unchanged).
    assert.equal(constant.length, 1 + 8 + 2 + 59);
    const counter = encodeRow(
      H,
      MINUTE_MS,
      bucketsOf(
        ts,
        ts.map((_, i) => 5000 + i * 17),
        MINUTE_MS,
        H,
        H + HOUR_MS,
        4990,
      ),
    );
    assert.ok(counter.length <= 9 + 60 * 3, `counter row: ${counter.length} bytes`);
  });

  test("hour buckets of a day with a gap: chaining survives the round trip", () => {
    const day = Date.UTC(2026, 10, 23);
    const ts = [day + 1000, day + HOUR_MS + 5, day + 5 * HOUR_MS];
    const vs = [10, 20, 25];
    const hours = bucketsOf(ts, vs, HOUR_MS, day, day + 24 * HOUR_MS, undefined);
    // Hour 5 follows a silent hour: it does not rise from hour 1's 20.
    assert.deepEqual(
      hours.map((b) => [b.chained, b.increase]),
      [
        [false, 0],
        [true, 10],
        [true, 5],
      ],
    );
    const back = decodeRow(encodeRow(day, HOUR_MS, hours), day, HOUR_MS);
    assert.deepEqual(back.map(brief), hours.map(brief));
  });
});

describe("value sketch", () => {
  test("equal values cost a few bytes", () => {
    const s = new ValueSketch();
    s.add(12.5, 1000);
    assert.equal(s.count, 1000);
    assert.ok(s.encode().length <= 6, `${s.encode().length} bytes`);
    assert.ok(Math.abs(ValueSketch.decode(s.encode()).quantile(0.5) - 12.5) <= 0.125);
  });

  test("negative, zero, tiny, huge and infinite values keep their order and counts", () => {
    const t = new ValueSketch();
    for (const v of [0, -3, 3, 1e-300, -1e300, Infinity, -Infinity, Number.NaN]) t.add(v);
    const back = ValueSketch.decode(t.encode());
    assert.equal(back.count, 7);
    const expected = [-Infinity, -1e300, -3, 0, 1e-300, 3, Infinity];
    expected.forEach((exact, k) => {
      const estimate = back.quantile((k + 0.5) / 7);
      if (!Number.isFinite(exact) || exact === 0) assert.equal(estimate, exact);
      else
        assert.ok(Math.abs(estimate - exact) <= Math.abs(exact) * 0.01, `${estimate} vs ${exact}`);
    });
  });
});
