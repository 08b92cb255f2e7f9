import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { LatencyHistogram } from "../../../src/checks/history/histogram.ts";
import {
  decodeSamples,
  ERROR_CODES,
  HOUR_MS,
  type Outcome,
  outcomeCode,
  outcomeOf,
  type Sample,
  SampleBuffer,
} from "../../../src/checks/history/sample-codec.ts";
import { seeded } from "../../helpers/random.ts";

const HOUR = Date.UTC(2026, 10, 23, 5, 0, 0);
const OUTCOMES: Outcome[] = ["ok", "degraded", ...ERROR_CODES];

/** Log-normal latencies (Box–Muller), median `median` ms. */
function logNormal(random: () => number, n: number, median: number, sigma: number): number[] {
  const out: number[] = [];
  while (out.length < n) {
    const u = 1 - random();
    const v = random();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    out.push(median * Math.exp(sigma * z));
  }
  return out;
}

/** The q-quantile by rank (nearest rank), as the histogram defines it. */
function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] as number;
}

function bufferOf(samples: readonly Sample[], hour = HOUR): SampleBuffer {
  const buffer = new SampleBuffer(hour);
  for (const s of samples) buffer.add(s);
  return buffer;
}

describe("SampleBuffer and decodeSamples", () => {
  test("round-trips many samples with every outcome", () => {
    const random = seeded(1);
    const times = Array.from({ length: 3000 }, () => HOUR + Math.floor(random() * HOUR_MS));
    times.sort((a, b) => a - b);
    const samples: Sample[] = times.map((at, i) => ({
      at,
      durationMs: Math.floor(random() * (i % 10 === 0 ? 120_000 : 2_000)),
      outcome: OUTCOMES[i % OUTCOMES.length] as Outcome,
    }));
    const buffer = bufferOf(samples);
    assert.deepEqual(decodeSamples(HOUR, buffer.bytes()), samples);
    assert.equal(buffer.count, samples.length);
    assert.equal(buffer.degraded, samples.filter((s) => s.outcome === "degraded").length);
    assert.equal(
      buffer.failures,
      samples.filter((s) => s.outcome !== "ok" && s.outcome !== "degraded").length,
    );
    assert.equal(buffer.byteLength, buffer.bytes().length);
    // Continuing a stored hour (after a restart) gives the same bytes as one buffer would.
    const half = bufferOf(samples.slice(0, 1500));
    const continued = SampleBuffer.from(HOUR, half.bytes());
    for (const s of samples.slice(1500)) continued.add(s);
    assert.deepEqual(continued.bytes(), buffer.bytes());
    assert.equal(continued.count, buffer.count);
    assert.equal(continued.failures, buffer.failures);
  });

  test("every outcome has its own code, and codes map back", () => {
    const codes = OUTCOMES.map(outcomeCode);
    assert.equal(new Set(codes).size, OUTCOMES.length);
    assert.deepEqual(codes.slice(0, 2), [0, 1]);
    for (const outcome of OUTCOMES) assert.equal(outcomeOf(outcomeCode(outcome)), outcome);
  });

  test("clamps offsets: never before the previous sample, never outside the hour", () => {
    const buffer = bufferOf([
      { at: HOUR - 5_000, durationMs: 10, outcome: "ok" },
      { at: HOUR + 60_000, durationMs: 11, outcome: "ok" },
      { at: HOUR + 30_000, durationMs: 12, outcome: "timeout" }, // the clock stepped back
      { at: HOUR + 90_000, durationMs: -3, outcome: "ok" },
      { at: HOUR + HOUR_MS + 10_000, durationMs: 13.6, outcome: "http" },
    ]);
    assert.deepEqual(decodeSamples(HOUR, buffer.bytes()), [
      { at: HOUR, durationMs: 10, outcome: "ok" },
      { at: HOUR + 60_000, durationMs: 11, outcome: "ok" },
      { at: HOUR + 60_000, durationMs: 12, outcome: "timeout" },
      { at: HOUR + 90_000, durationMs: 0, outcome: "ok" },
      { at: HOUR + HOUR_MS - 1, durationMs: 14, outcome: "http" },
    ]);
    assert.equal(buffer.failures, 2);
  });

  test("keeps large durations exactly", () => {
    const samples: Sample[] = [
      { at: HOUR + 1, durationMs: 600_000, outcome: "timeout" },
      { at: HOUR + 600_001, durationMs: 600_000, outcome: "ok" },
      { at: HOUR + 2_000_000, durationMs: HOUR_MS, outcome: "command" },
      { at: HOUR + HOUR_MS - 1, durationMs: 6 * HOUR_MS, outcome: "degraded" },
    ];
    assert.deepEqual(decodeSamples(HOUR, bufferOf(samples).bytes()), samples);
  });

  test("a 1-minute check costs at most 7 bytes per sample over an hour", () => {
    const random = seeded(2);
    const samples: Sample[] = [];
    for (let minute = 0; minute < 60; minute++) {
      samples.push({
        at: HOUR + 17_000 + minute * 60_000 + Math.floor(random() * 900),
        durationMs: Math.floor(40 + random() * 400),
        outcome: minute % 13 === 0 ? "timeout" : "ok",
      });
    }
    const buffer = bufferOf(samples);
    assert.deepEqual(decodeSamples(HOUR, buffer.bytes()), samples);
    assert.ok(buffer.byteLength / samples.length <= 7, `${buffer.byteLength} bytes for 60`);
  });

  test("truncated data throws a RangeError; whole samples still decode", () => {
    const samples: Sample[] = [
      { at: HOUR + 70_000, durationMs: 300, outcome: "ok" },
      { at: HOUR + 3_000_000, durationMs: 600_000, outcome: "timeout" },
      { at: HOUR + 3_000_200, durationMs: 5, outcome: "heartbeat" },
    ];
    const bytes = bufferOf(samples).bytes();
    const boundaries = new Map(
      [0, 1, 2, 3].map((k) => [bufferOf(samples.slice(0, k)).byteLength, k]),
    );
    for (let cut = 0; cut <= bytes.length; cut++) {
      const k = boundaries.get(cut);
      if (k === undefined) {
        assert.throws(() => decodeSamples(HOUR, bytes.subarray(0, cut)), RangeError, `cut ${cut}`);
      } else {
        assert.deepEqual(decodeSamples(HOUR, bytes.subarray(0, cut)), samples.slice(0, k));
      }
    }
    assert.throws(() => decodeSamples(HOUR, Uint8Array.of(0x80)), RangeError);
  });
});

describe("LatencyHistogram", () => {
  const values = logNormal(seeded(3), 10_000, 120, 0.8);
  const histogramOf = (xs: readonly number[]) => {
    const h = new LatencyHistogram();
    for (const x of xs) h.add(x);
    return h;
  };
  const quantiles = [0.01, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999, 1];

  test("quantiles are within ±6% of the exact percentiles (10k log-normal samples)", () => {
    const sorted = [...values].sort((a, b) => a - b);
    const h = histogramOf(values);
    assert.equal(h.total, values.length);
    for (const q of quantiles) {
      const exact = exactQuantile(sorted, q);
      const approx = h.quantile(q);
      assert.ok(approx !== null);
      const error = Math.abs(approx - exact) / exact;
      assert.ok(error <= 0.06, `q${q}: ${approx} vs exact ${exact} (${(error * 100).toFixed(1)}%)`);
    }
  });

  test("quantiles of long latencies (minutes) are within ±6% too", () => {
    const slow = logNormal(seeded(4), 2_000, 300_000, 0.3);
    const sorted = [...slow].sort((a, b) => a - b);
    const h = histogramOf(slow);
    for (const q of [0.5, 0.95, 0.99]) {
      const exact = exactQuantile(sorted, q);
      assert.ok(Math.abs((h.quantile(q) as number) - exact) / exact <= 0.06);
    }
  });

  test("merging equals adding everything to one histogram", () => {
    const parts = [values.slice(0, 1234), values.slice(1234, 7000), values.slice(7000)];
    const merged = new LatencyHistogram();
    for (const part of parts) merged.merge(histogramOf(part));
    const all = histogramOf(values);
    assert.equal(merged.total, all.total);
    assert.deepEqual(merged.counts, all.counts);
    for (const q of quantiles) assert.equal(merged.quantile(q), all.quantile(q));
  });

  test("encode/decode round-trips counts and quantiles, including 0 ms and huge values", () => {
    const h = histogramOf([...values, 0, 0.4, 1, 1.05, 600_000, 6 * HOUR_MS, 1e12]);
    const decoded = LatencyHistogram.decode(h.encode());
    assert.equal(decoded.total, h.total);
    assert.deepEqual(
      [...decoded.counts].sort((a, b) => a[0] - b[0]),
      [...h.counts].sort((a, b) => a[0] - b[0]),
    );
    for (const q of quantiles) assert.equal(decoded.quantile(q), h.quantile(q));
    assert.deepEqual(LatencyHistogram.decode(decoded.encode()).encode(), h.encode());
  });

  test("weighted adds count like repeated ones", () => {
    const a = new LatencyHistogram();
    a.add(250, 40);
    a.add(90, 60);
    const b = histogramOf([...Array(40).fill(250), ...Array(60).fill(90)]);
    assert.deepEqual(a.encode(), b.encode());
    assert.equal(a.quantile(0.6), b.quantile(0.6));
  });

  test("an empty histogram has no quantiles and encodes to nothing", () => {
    const h = new LatencyHistogram();
    for (const q of [0.5, 0.99, 1]) assert.equal(h.quantile(q), null);
    assert.equal(h.encode().length, 0);
    const decoded = LatencyHistogram.decode(new Uint8Array(0));
    assert.equal(decoded.total, 0);
    assert.equal(decoded.quantile(0.5), null);
  });

  test("a narrow-band hour encodes in at most 40 bytes", () => {
    const random = seeded(5);
    const minuteCheck = histogramOf(Array.from({ length: 60 }, () => 80 + random() * 40));
    const secondCheck = histogramOf(Array.from({ length: 3600 }, () => 80 + random() * 40));
    assert.ok(minuteCheck.encode().length <= 40, `${minuteCheck.encode().length} bytes`);
    assert.ok(secondCheck.encode().length <= 40, `${secondCheck.encode().length} bytes`);
    const p50 = secondCheck.quantile(0.5) as number;
    assert.ok(p50 >= 80 * 0.95 && p50 <= 120 * 1.05);
  });

  test("truncated histogram data throws a RangeError", () => {
    const bytes = histogramOf(values).encode();
    assert.throws(() => LatencyHistogram.decode(bytes.subarray(0, bytes.length - 1)), RangeError);
    assert.throws(() => LatencyHistogram.decode(Uint8Array.of(5)), RangeError);
  });
});
