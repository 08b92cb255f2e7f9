import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type {
  Matcher,
  RangeSeries,
  SeriesReader,
  SeriesSamples,
} from "../../../src/metrics/series.ts";
import {
  ExprEvalError,
  evaluate,
  evaluateRange,
  MAX_RANGE_STEPS,
} from "../../../src/rules/expr/evaluate.ts";
import { MemorySeriesReader, seriesFromPoints } from "../../../src/rules/expr/memory-reader.ts";
import { parseExpr } from "../../../src/rules/expr/parser.ts";

const S = 1000;
const M = 60 * S;

/** A reader that records each select call: the matchers (as text), from and to. */
class CountingReader implements SeriesReader {
  readonly calls: [string, number, number][] = [];
  readonly inner: SeriesReader;
  constructor(inner: SeriesReader) {
    this.inner = inner;
  }
  select(matchers: readonly Matcher[], fromMs: number, toMs: number): Promise<SeriesSamples[]> {
    const text = matchers.map((m) => `${m.label}${m.op}${JSON.stringify(m.value)}`).join(",");
    this.calls.push([text, fromMs, toMs]);
    return this.inner.select(matchers, fromMs, toMs);
  }
}

const data = new MemorySeriesReader([
  seriesFromPoints({ __name__: "x", i: "a" }, [
    [0, 1],
    [1 * M, 2],
    [2 * M, 3],
    [6 * M, 7],
  ]),
  seriesFromPoints({ __name__: "x", i: "b" }, [[4.5 * M, 10]]),
  seriesFromPoints(
    { __name__: "c_total" },
    Array.from({ length: 31 }, (_, k): [number, number] => [k * 30 * S, k * 60]),
  ),
]);

describe("evaluateRange", () => {
  test("one point per step where the series has a fresh sample, exactly", async () => {
    const result = await evaluateRange(parseExpr("x"), data, {
      startMs: 0,
      endMs: 10 * M,
      stepMs: M,
      lookbackMs: 2 * M,
    });
    assert.deepEqual(result, [
      {
        labels: { __name__: "x", i: "a" },
        points: [
          [0, 1],
          [1 * M, 2],
          [2 * M, 3],
          [3 * M, 3],
          // at 4m the sample of 2m is exactly 2 minutes old: stale
          [6 * M, 7],
          [7 * M, 7],
        ],
      },
      {
        labels: { __name__: "x", i: "b" },
        points: [
          [5 * M, 10],
          [6 * M, 10],
        ],
      },
    ] satisfies RangeSeries[]);
  });

  test("windowed functions and aggregations at each step", async () => {
    const rate = await evaluateRange(parseExpr("rate(c_total[1m])"), data, {
      startMs: 0,
      endMs: 3 * M,
      stepMs: 30 * S,
    });
    // c_total grows 60 per 30 s, from 0 at time 0: 2 per second once the window holds two
    // samples — at 30 s only half the window, since the counter was 0 at its first sample.
    assert.deepEqual(rate, [
      {
        labels: {},
        points: [
          [30 * S, 1],
          [60 * S, 2],
          [90 * S, 2],
          [120 * S, 2],
          [150 * S, 2],
          [180 * S, 2],
        ],
      },
    ]);
    const sum = await evaluateRange(parseExpr("sum(x) > 5"), data, {
      startMs: 4 * M,
      endMs: 6 * M,
      stepMs: M,
      lookbackMs: 2 * M,
    });
    assert.deepEqual(sum, [
      {
        labels: {},
        points: [
          [5 * M, 10],
          [6 * M, 17],
        ],
      },
    ]);
  });

  test("a number expression is one series without labels; the last step may fall before the end", async () => {
    const result = await evaluateRange(parseExpr("1 + 1d"), data, {
      startMs: 0,
      endMs: 25 * S,
      stepMs: 10 * S,
    });
    assert.deepEqual(result, [
      {
        labels: {},
        points: [
          [0, 86401],
          [10 * S, 86401],
          [20 * S, 86401],
        ],
      },
    ]);
  });

  test("reads each distinct selector once, over everything the steps need", async () => {
    const reader = new CountingReader(data);
    const expr = parseExpr("sum(rate(c_total[10m])) / sum(c_total) + count(x) + max(c_total[1m])");
    await evaluateRange(expr, reader, { startMs: 20 * M, endMs: 30 * M, stepMs: S });
    assert.deepEqual(reader.calls, [
      // c_total: a 10-minute range, and instant (5-minute lookback)
      ['__name__="c_total"', 10 * M, 30 * M],
      // x: instant only
      ['__name__="x"', 15 * M, 30 * M],
    ]);
    const once = new CountingReader(data);
    await evaluate(expr, once, 30 * M, { lookbackMs: 20 * M });
    assert.deepEqual(once.calls, [
      ['__name__="c_total"', 10 * M, 30 * M],
      ['__name__="x"', 10 * M, 30 * M],
    ]);
  });

  test("every step equals evaluate at that instant", async () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const series: SeriesSamples[] = [];
    for (const job of ["api", "web"]) {
      for (const instance of ["1", "2", "3"]) {
        const points: [number, number][] = [];
        let total = 0;
        for (let t = 0; t < 60 * M; t += (5 + Math.floor(random() * 40)) * S) {
          if (random() < 0.1) continue; // gaps, so some steps go stale
          total = random() < 0.02 ? 0 : total + Math.floor(random() * 100);
          points.push([t, total]);
        }
        series.push(seriesFromPoints({ __name__: "req_total", job, instance }, points));
        series.push(
          seriesFromPoints(
            { __name__: "load", job, instance },
            points.map(([t]) => [t, Math.round(random() * 100)]),
          ),
        );
      }
    }
    const reader = new MemorySeriesReader(series);
    const texts = [
      "sum by (job) (rate(req_total[5m]))",
      "load > 50 or avg by (job) (load)",
      "p95(load[10m]) - on (job, instance) avg(load[10m])",
      "time_to(load[15m], 100) < 1h",
      'increase(req_total{job="api"}[2m]) / ignoring (job) (count(load{job="web"}[2m]) > 3)',
      "load unless load < 20",
    ];
    for (const text of texts) {
      const expr = parseExpr(text);
      const options = { startMs: 10 * M, endMs: 60 * M, stepMs: 97 * S, lookbackMs: 2 * M };
      const range = await evaluateRange(expr, reader, options);
      const expected = new Map<string, [number, number][]>();
      for (let t = options.startMs; t <= options.endMs; t += options.stepMs) {
        const value = await evaluate(expr, reader, t, { lookbackMs: options.lookbackMs });
        assert.equal(value.kind, "vector");
        if (value.kind !== "vector") continue;
        for (const s of value.samples) {
          const key = JSON.stringify(s.labels);
          expected.set(key, [...(expected.get(key) ?? []), [t, s.value]]);
        }
      }
      assert.ok(expected.size > 0, `${text} gives something`);
      assert.deepEqual(
        new Map(range.map((s) => [JSON.stringify(s.labels), s.points])),
        expected,
        text,
      );
    }
  });

  test("at most 11,000 steps", async () => {
    const last = (MAX_RANGE_STEPS - 1) * S;
    const ok = await evaluateRange(parseExpr("2 * 3"), data, {
      startMs: 0,
      endMs: last,
      stepMs: S,
    });
    assert.equal(ok[0]?.points.length, 11_000);
    assert.deepEqual(ok[0]?.points.at(-1), [last, 6]);
    const reader = new CountingReader(data);
    const expr = parseExpr("max(x)");
    await assert.rejects(
      evaluateRange(expr, reader, { startMs: 0, endMs: MAX_RANGE_STEPS * S, stepMs: S }),
      (error: unknown) => {
        assert.ok(error instanceof ExprEvalError);
        assert.equal(
          error.message,
          "too many steps: a step of 1s from start to end makes 11001 points per series, " +
            "more than 11,000: use a step of at least 2s or a shorter range",
        );
        assert.deepEqual([error.start, error.end], [0, 6]);
        return true;
      },
    );
    assert.equal(reader.calls.length, 0, "nothing read for a refused range");
  });

  test("a step of zero or an end before the start is refused", async () => {
    for (const [startMs, endMs, stepMs] of [
      [0, M, 0],
      [M, 0, S],
      [0, Number.NaN, S],
    ] as const) {
      await assert.rejects(
        evaluateRange(parseExpr("x"), data, { startMs, endMs, stepMs }),
        ExprEvalError,
      );
    }
  });
});
