import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Labels, SeriesReader, SeriesSamples } from "../../../src/metrics/series.ts";
import type { Expr } from "../../../src/rules/expr/ast.ts";
import { ExprEvalError, evaluate, selectorsOf } from "../../../src/rules/expr/evaluate.ts";
import { MemorySeriesReader, seriesFromPoints } from "../../../src/rules/expr/memory-reader.ts";
import { parseExpr } from "../../../src/rules/expr/parser.ts";

const S = 1000;
const M = 60 * S;
const H = 60 * M;
/** The evaluation time of most tests. */
const AT = 10 * H;

type Point = readonly [number, number];

/** A series of `labels` with points given as [seconds before AT, value]. */
function ago(labels: Labels, points: readonly Point[]): SeriesSamples {
  return seriesFromPoints(
    labels,
    points.map(([seconds, value]): Point => [AT - seconds * S, value]),
  );
}

/** A counter growing by `perSecond` from 0 at time 0, sampled every `stepS` seconds up to AT. */
function counter(labels: Labels, perSecond: number, stepS = 15): SeriesSamples {
  const points: Point[] = [];
  for (let t = 0; t <= AT; t += stepS * S) points.push([t, (t / S) * perSecond]);
  return seriesFromPoints(labels, points);
}

function reader(...series: SeriesSamples[]): MemorySeriesReader {
  return new MemorySeriesReader(series);
}

/** The vector `text` evaluates to, as [labels, value] pairs in result order. */
async function vector(
  text: string,
  r: SeriesReader,
  at = AT,
  lookbackMs?: number,
): Promise<[Labels, number][]> {
  const value = await evaluate(parseExpr(text), r, at, lookbackMs ? { lookbackMs } : {});
  assert.equal(value.kind, "vector", text);
  return value.kind === "vector" ? value.samples.map((s) => [s.labels, s.value]) : [];
}

/** The one value of a vector with a single series. */
async function only(text: string, r: SeriesReader, at = AT): Promise<number> {
  const result = await vector(text, r, at);
  assert.equal(result.length, 1, `${text}: ${JSON.stringify(result)}`);
  return (result[0] as [Labels, number])[1];
}

async function scalar(text: string): Promise<number> {
  const value = await evaluate(parseExpr(text), reader(), AT);
  assert.equal(value.kind, "scalar", text);
  return value.kind === "scalar" ? value.value : Number.NaN;
}

/** Asserts `actual` equals the hand-computed `expected` up to floating-point rounding. */
function near(actual: number, expected: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} is not ${expected}`,
  );
}

async function evalError(text: string, r: SeriesReader): Promise<ExprEvalError> {
  try {
    await evaluate(parseExpr(text), r, AT);
  } catch (error) {
    assert.ok(error instanceof ExprEvalError, `expected ExprEvalError, got ${error}`);
    return error;
  }
  assert.fail(`${text} evaluated, but an error was expected`);
}

describe("evaluate: windowed functions", () => {
  // x{instance="a"}: the window [1m] holds the samples 45, 30, 15 and 0 seconds ago; the one
  // exactly 60 s ago is outside (the window is atMs − 1m < t <= atMs), as is a future one.
  const r = reader(
    ago({ __name__: "x", instance: "a" }, [
      [60, 100],
      [45, 3],
      [30, 1],
      [15, 4],
      [0, 1],
      [-15, 99],
    ]),
    ago({ __name__: "old", instance: "a" }, [[120, 5]]),
    ago(
      { __name__: "y" },
      [0, 8, 16, 3, 11, 19, 6, 14, 1, 9, 17, 4, 12, 20, 7, 15, 2, 10, 18, 5, 13].map(
        (v, i): Point => [200 - i * 10, v],
      ),
    ),
  );

  test("avg, min, max, sum, count, last over exactly the window", async () => {
    assert.deepEqual(await vector("avg(x[1m])", r), [[{ instance: "a" }, 2.25]]);
    assert.equal(await only("min(x[1m])", r), 1);
    assert.equal(await only("max(x[1m])", r), 4);
    assert.equal(await only("sum(x[1m])", r), 9);
    assert.equal(await only("count(x[1m])", r), 4);
    assert.equal(await only("last(x[1m])", r), 1);
    assert.equal(await only("count(x[61s])", r), 5, "61s reaches the sample 60 s ago");
    assert.equal(await only("max(x[61s])", r), 100);
  });

  test("the metric name is dropped, and a series without samples in the window gives nothing", async () => {
    assert.deepEqual(await vector("max(old[1m])", r), []);
    assert.deepEqual(await vector("max(old[3m])", r), [[{ instance: "a" }, 5]]);
  });

  test("quantiles interpolate linearly between the nearest ranks", async () => {
    // x's window sorted: 1, 1, 3, 4; rank = q * 3.
    assert.equal(await only("p50(x[1m])", r), 2); // rank 1.5: (1 + 3) / 2
    assert.equal(await only("quantile(0.25, x[1m])", r), 1); // rank 0.75: 1 and 1
    assert.equal(await only("quantile(0.75, x[1m])", r), 3.25); // rank 2.25: 3 * 0.75 + 4 * 0.25
    assert.equal(await only("quantile(0, x[1m])", r), 1);
    assert.equal(await only("quantile(1, x[1m])", r), 4);
    near(await only("p95(x[1m])", r), 3 * 0.15 + 4 * 0.85, "p95"); // rank 2.85
    near(await only("p99(x[1m])", r), 3 * 0.03 + 4 * 0.97, "p99"); // rank 2.97
    // y: 0..20 shuffled, 21 samples in the window: rank = q * 20.
    assert.equal(await only("p50(y[5m])", r), 10);
    assert.equal(await only("p95(y[5m])", r), 19);
    assert.equal(await only("p99(y[5m])", r), 19.8);
    assert.equal(await only("quantile(0.9, y[5m])", r), 18);
    assert.equal(await only("quantile(1 - 0.25, x[1m])", r), 3.25, "q is a number expression");
    assert.equal(await only("quantile(2 - 0.5, x[1m])", r), Number.POSITIVE_INFINITY);
    assert.equal(await only("quantile(0.5 - 1, x[1m])", r), Number.NEGATIVE_INFINITY);
  });

  test("rate and increase take counter resets into account", async () => {
    // Samples 270 … 30 s ago, one a minute: 100, 120, a restart (8), 20, 28.
    // Increase between the samples: 28 − 100 + 120 (before the reset) = 48 in 240 s; the
    // first and last samples are 30 s from the window's edges, within 1.1 intervals, so it
    // extends to the whole window: 48 × 300 / 240 = 60; rate = 60 / 300 s.
    const c = reader(
      ago({ __name__: "c_total", job: "a" }, [
        [270, 100],
        [210, 120],
        [150, 8],
        [90, 20],
        [30, 28],
      ]),
    );
    assert.deepEqual(await vector("increase(c_total[5m])", c), [[{ job: "a" }, 60]]);
    assert.equal(await only("rate(c_total[5m])", c), 0.2);
    // [2m] holds 20 and 28, 60 s apart, 30 s from each edge: 8 × 120 / 60.
    assert.equal(await only("increase(c_total[2m])", c), 16);
    assert.equal(await only("rate(c_total[2m])", c), 16 / 120);
    // A steady counter sampled every 15 s: 1 per second.
    const k = reader(counter({ __name__: "k" }, 1));
    assert.equal(await only("rate(k[5m])", k), 1);
    assert.equal(await only("increase(k[1h])", k), 3600);
  });

  test("a counter starting inside the window is extrapolated by half an interval, never below 0", async () => {
    // Samples 120, 60 and 0 s ago in a 10-minute window: 480 s from the start is more than
    // 1.1 intervals, so the series is taken to start half an interval (30 s) before its
    // first sample: 120 × (120 + 30) / 120 = 150.
    const late = reader(
      ago({ __name__: "c_total" }, [
        [120, 1000],
        [60, 1060],
        [0, 1120],
      ]),
    );
    assert.equal(await only("increase(c_total[10m])", late), 150);
    assert.equal(await only("rate(c_total[10m])", late), 0.25);
    // A counter at 10 that grew 60 a minute was 0 ten seconds before its first sample: the
    // extrapolation stops there, 120 × (120 + 10) / 120 = 130.
    const fresh = reader(
      ago({ __name__: "c_total" }, [
        [120, 10],
        [60, 70],
        [0, 130],
      ]),
    );
    assert.equal(await only("increase(c_total[10m])", fresh), 130);
    // A series that stopped reporting 5 minutes ago: extended to the window's start (60 s
    // before its first sample, within 1.1 intervals) but only half an interval after its
    // last sample: 120 × (120 + 60 + 30) / 120.
    const gone = reader(
      ago({ __name__: "c_total" }, [
        [420, 1000],
        [360, 1060],
        [300, 1120],
      ]),
    );
    assert.equal(await only("increase(c_total[8m])", gone), 210);
  });

  test("rate needs two samples", async () => {
    const one = reader(ago({ __name__: "c_total" }, [[10, 5]]));
    assert.deepEqual(await vector("rate(c_total[5m])", one), []);
    assert.deepEqual(await vector("increase(c_total[5m])", one), []);
    assert.deepEqual(await vector("count(c_total[5m])", one), [[{}, 1]]);
  });

  test("two metrics alike once the name is dropped are an error", async () => {
    const two = reader(
      counter({ __name__: "a_total", job: "x" }, 1),
      counter({ __name__: "b_total", job: "x" }, 2),
    );
    const text = 'rate({__name__=~"a_total|b_total"}[5m])';
    const error = await evalError(text, two);
    assert.match(error.message, /^rate\(\) gives two series with the same labels \{job="x"\}/);
    assert.deepEqual([error.start, error.end], [0, text.length]);
    assert.deepEqual(await vector('rate({__name__=~"a_total|b_total"}[5m]) * 0', reader()), []);
  });
});

describe("evaluate: predict and time_to", () => {
  // A line: 1 per 1024 s, samples 3072, 2048, 1024 and 0 s ago (exact in binary).
  const line = (labels: Labels, end: number, step: number) =>
    ago(labels, [
      [3072, end - 3 * step],
      [2048, end - 2 * step],
      [1024, end - step],
      [0, end],
    ]);
  const r = reader(
    line({ __name__: "d", case: "rising" }, 63, 1),
    line({ __name__: "d", case: "falling" }, 60, -1),
    line({ __name__: "d", case: "flat" }, 50, 0),
    line({ __name__: "d", case: "past" }, 88, 1),
    line({ __name__: "d", case: "there" }, 70, 1),
    ago({ __name__: "d", case: "single" }, [[100, 40]]),
  );
  const byCase = (result: [Labels, number][]) =>
    Object.fromEntries(result.map(([labels, value]) => [labels.case, value]));

  test("time_to: seconds to the target, 0 there, +Inf flat or moving away, NaN with one sample", async () => {
    assert.deepEqual(byCase(await vector("time_to(d[1h], 70)", r)), {
      falling: Number.POSITIVE_INFINITY, // moving away from 70
      flat: Number.POSITIVE_INFINITY,
      past: Number.POSITIVE_INFINITY, // at 88 and still rising: never reaches 70
      rising: 7 * 1024, // 63 now, +1 per 1024 s
      single: Number.NaN,
      there: 0,
    });
    assert.deepEqual(byCase(await vector("time_to(d[1h], 50)", r)), {
      falling: 10 * 1024, // 60 now, −1 per 1024 s
      flat: 0,
      past: Number.POSITIVE_INFINITY,
      rising: Number.POSITIVE_INFINITY,
      single: Number.NaN,
      there: Number.POSITIVE_INFINITY,
    });
    assert.equal((await vector("time_to(d[1h], 60 + 10)", r)).length, 6, "target expression");
  });

  test("predict: the line's value a horizon after now", async () => {
    assert.deepEqual(byCase(await vector("predict(d[1h], 1h)", r)), {
      falling: 60 - 3600 / 1024,
      flat: 50,
      past: 88 + 3600 / 1024,
      rising: 63 + 3600 / 1024,
      single: Number.NaN,
      there: 70 + 3600 / 1024,
    });
  });

  test("a window of two samples fits them exactly; the window limits the fit", async () => {
    // [1025s] holds the samples 1024 s ago and now.
    assert.equal(await only('time_to(d{case="rising"}[1025s], 70)', r), 7 * 1024);
    const bent = reader(
      ago({ __name__: "b" }, [
        [3000, 0],
        [20, 10],
        [10, 11],
        [0, 12],
      ]),
    );
    assert.equal(await only("predict(b[30s], 10s)", bent), 13);
    assert.equal(await only("time_to(b[30s], 15)", bent), 30);
  });

  test("time_to in a comparison with a duration: < 14d", async () => {
    const slow = reader(
      ago({ __name__: "disk", mount: "/" }, [
        [86400, 59],
        [0, 60],
      ]),
    );
    assert.deepEqual(await vector("time_to(disk[2d], 70) < 14d", slow), [[{ mount: "/" }, 864000]]);
    assert.deepEqual(await vector("time_to(disk[2d], 70) < 7d", slow), []);
  });
});

describe("evaluate: selectors", () => {
  test("an instant selector takes the newest sample within the lookback; older is stale", async () => {
    const r = reader(
      ago({ __name__: "up", instance: "fresh" }, [
        [600, 0],
        [240, 1],
      ]),
      ago({ __name__: "up", instance: "stale" }, [[360, 1]]),
      ago({ __name__: "up", instance: "edge" }, [[300, 1]]),
      ago({ __name__: "up", instance: "future" }, [
        [30, 7],
        [-30, 8],
      ]),
    );
    assert.deepEqual(await vector("up", r), [
      [{ __name__: "up", instance: "fresh" }, 1],
      [{ __name__: "up", instance: "future" }, 7],
    ]);
    assert.deepEqual(
      (await vector("up", r, AT, 10 * M)).map(([l, v]) => [l.instance, v]),
      [
        ["edge", 1],
        ["fresh", 1],
        ["future", 7],
        ["stale", 1],
      ],
    );
    assert.deepEqual(
      (await vector("up", r, AT - 5 * M)).map(([l, v]) => [l.instance, v]),
      [
        ["edge", 1],
        ["stale", 1],
      ],
      "evaluated 5 minutes earlier: fresh's sample before is 5 minutes old, so stale",
    );
  });

  const r = reader(
    ago({ __name__: "m", env: "prod", code: "200" }, [[0, 1]]),
    ago({ __name__: "m", env: "dev", code: "503" }, [[0, 2]]),
    ago({ __name__: "m", code: "5030" }, [[0, 3]]),
    ago({ __name__: "n", env: "prod" }, [[0, 4]]),
  );
  const values = async (text: string) => (await vector(text, r)).map(([, v]) => v);

  test("every matcher op, a missing label counting as an empty value", async () => {
    assert.deepEqual(await values('m{env="prod"}'), [1]);
    assert.deepEqual(await values('m{env!="prod"}'), [2, 3]);
    assert.deepEqual(await values('m{env=""}'), [3]);
    assert.deepEqual(await values('m{env!=""}'), [1, 2]);
    assert.deepEqual(await values('m{code=~"5.."}'), [2], "anchored: 5030 does not match");
    assert.deepEqual(await values('m{code!~"5.."}'), [1, 3]);
    assert.deepEqual(await values('m{env=~"prod|"}'), [1, 3]);
    assert.deepEqual(await values('m{env!~".+"}'), [3]);
    assert.deepEqual(await values('{env="prod"}'), [1, 4]);
    assert.deepEqual(await values('{__name__=~"m|n", env="prod"}'), [1, 4]);
    assert.deepEqual(await values('{__name__!="m", env="prod"}'), [4]);
    assert.deepEqual(await values("nothing"), []);
  });

  test("results are sorted by labelsKey", async () => {
    assert.deepEqual(
      (await vector("m", r)).map(([l]) => l),
      [
        { __name__: "m", code: "200", env: "prod" },
        { __name__: "m", code: "503", env: "dev" },
        { __name__: "m", code: "5030" },
      ],
    );
  });
});

describe("evaluate: aggregation across series", () => {
  const r = reader(
    ago({ __name__: "x", job: "api", instance: "a", cpu: "0" }, [[0, 1]]),
    ago({ __name__: "x", job: "api", instance: "a", cpu: "1" }, [[0, 2]]),
    ago({ __name__: "x", job: "api", instance: "b", cpu: "0" }, [[0, 3]]),
    ago({ __name__: "x", job: "web", instance: "c", cpu: "0" }, [[0, 10]]),
    ago({ __name__: "x", instance: "d", cpu: "0" }, [[0, 20]]),
  );

  test("no clause folds everything into one series without labels", async () => {
    assert.deepEqual(await vector("sum(x)", r), [[{}, 36]]);
    assert.deepEqual(await vector("avg(x)", r), [[{}, 7.2]]);
    assert.deepEqual(await vector("min(x)", r), [[{}, 1]]);
    assert.deepEqual(await vector("max(x)", r), [[{}, 20]]);
    assert.deepEqual(await vector("count(x)", r), [[{}, 5]]);
    assert.deepEqual(await vector("sum(nothing)", r), [], "nothing to aggregate: no series");
  });

  test("by keeps only those labels; a missing label groups as empty", async () => {
    assert.deepEqual(await vector("sum by (job) (x)", r), [
      [{}, 20],
      [{ job: "api" }, 6],
      [{ job: "web" }, 10],
    ]);
    assert.deepEqual(await vector("count by (job, instance) (x)", r), [
      [{ instance: "a", job: "api" }, 2],
      [{ instance: "b", job: "api" }, 1],
      [{ instance: "c", job: "web" }, 1],
      [{ instance: "d" }, 1],
    ]);
    assert.deepEqual(await vector("max(x) by (job)", r), await vector("max by (job) (x)", r));
    assert.deepEqual(await vector("count by (__name__) (x)", r), [[{ __name__: "x" }, 5]]);
  });

  test("without keeps every label but those and the name", async () => {
    assert.deepEqual(await vector("avg without (cpu) (x)", r), [
      [{ instance: "a", job: "api" }, 1.5],
      [{ instance: "b", job: "api" }, 3],
      [{ instance: "c", job: "web" }, 10],
      [{ instance: "d" }, 20],
    ]);
    assert.deepEqual(await vector("min without (cpu, instance) (x)", r), [
      [{}, 20],
      [{ job: "api" }, 1],
      [{ job: "web" }, 10],
    ]);
  });

  test("aggregating a windowed value", async () => {
    const c = reader(
      counter({ __name__: "req_total", job: "api", code: "200" }, 3),
      counter({ __name__: "req_total", job: "api", code: "500" }, 1),
      counter({ __name__: "req_total", job: "web", code: "200" }, 0.5),
    );
    assert.deepEqual(await vector("sum by (job) (rate(req_total[5m]))", c), [
      [{ job: "api" }, 4],
      [{ job: "web" }, 0.5],
    ]);
  });
});

describe("evaluate: operators", () => {
  test("numbers and durations", async () => {
    assert.equal(await scalar("7d"), 604800);
    assert.equal(await scalar("14d"), 1209600);
    assert.equal(await scalar("1h30m"), 5400);
    assert.equal(await scalar("500ms"), 0.5);
    assert.equal(await scalar("1 + 2 * 3"), 7);
    assert.equal(await scalar("(1 + 2) * 3"), 9);
    assert.equal(await scalar("10 - 4 - 3"), 3);
    assert.equal(await scalar("-(2 - 5)"), 3);
    assert.equal(await scalar("2 * 30m / 1h"), 1);
    assert.ok(Number.isNaN(await scalar("NaN")));
  });

  test("division by zero follows IEEE", async () => {
    assert.equal(await scalar("1 / 0"), Number.POSITIVE_INFINITY);
    assert.equal(await scalar("-1 / 0"), Number.NEGATIVE_INFINITY);
    assert.ok(Number.isNaN(await scalar("0 / 0")));
    const r = reader(
      ago({ __name__: "a", i: "1" }, [[0, 5]]),
      ago({ __name__: "z", i: "1" }, [[0, 0]]),
    );
    assert.deepEqual(await vector("a / 0", r), [[{ i: "1" }, Number.POSITIVE_INFINITY]]);
    assert.deepEqual(await vector("-a / z", r), [[{ i: "1" }, Number.NEGATIVE_INFINITY]]);
    assert.deepEqual(await vector("z / z", r), [[{ i: "1" }, Number.NaN]]);
  });

  test("comparing two numbers gives 1 or 0 (only reachable from a tree built by hand)", async () => {
    const compare = (op: "<" | ">"): Expr => ({
      kind: "binary",
      op,
      lhs: { kind: "number", value: 1, start: 0, end: 1 },
      rhs: { kind: "number", value: 2, start: 4, end: 5 },
      start: 0,
      end: 5,
    });
    assert.deepEqual(await evaluate(compare("<"), reader(), AT), { kind: "scalar", value: 1 });
    assert.deepEqual(await evaluate(compare(">"), reader(), AT), { kind: "scalar", value: 0 });
  });

  const r = reader(
    ago({ __name__: "cpu", instance: "a" }, [[0, 50]]),
    ago({ __name__: "cpu", instance: "b" }, [[0, 80]]),
    ago({ __name__: "cpu", instance: "c" }, [[0, 95]]),
    ago({ __name__: "limit", instance: "a" }, [[0, 40]]),
    ago({ __name__: "limit", instance: "b" }, [[0, 90]]),
    ago({ __name__: "limit", instance: "d" }, [[0, 10]]),
  );

  test("a comparison with a number filters, keeping the series and value unchanged", async () => {
    assert.deepEqual(await vector("cpu > 70", r), [
      [{ __name__: "cpu", instance: "b" }, 80],
      [{ __name__: "cpu", instance: "c" }, 95],
    ]);
    assert.deepEqual(await vector("70 < cpu", r), await vector("cpu > 70", r));
    assert.deepEqual(await vector("cpu == 80", r), [[{ __name__: "cpu", instance: "b" }, 80]]);
    assert.deepEqual((await vector("cpu != 80", r)).length, 2);
    assert.deepEqual((await vector("cpu >= 80", r)).length, 2);
    assert.deepEqual((await vector("cpu <= 80", r)).length, 2);
    assert.deepEqual(await vector("cpu > 100", r), []);
  });

  test("arithmetic with a number drops the name", async () => {
    assert.deepEqual(await vector("cpu / 10", r), [
      [{ instance: "a" }, 5],
      [{ instance: "b" }, 8],
      [{ instance: "c" }, 9.5],
    ]);
    assert.deepEqual(await vector("100 - cpu", r), [
      [{ instance: "a" }, 50],
      [{ instance: "b" }, 20],
      [{ instance: "c" }, 5],
    ]);
    assert.deepEqual(await vector("-cpu", r), [
      [{ instance: "a" }, -50],
      [{ instance: "b" }, -80],
      [{ instance: "c" }, -95],
    ]);
  });

  test("two series sides pair up on all labels but the name", async () => {
    assert.deepEqual(await vector("cpu - limit", r), [
      [{ instance: "a" }, 10],
      [{ instance: "b" }, -10],
    ]);
    assert.deepEqual(await vector("cpu > limit", r), [[{ __name__: "cpu", instance: "a" }, 50]]);
    assert.deepEqual(await vector("limit < cpu", r), [[{ __name__: "limit", instance: "a" }, 40]]);
  });

  test("a single series without labels pairs with every series", async () => {
    assert.deepEqual(await vector("cpu - sum(cpu) / 3", r), [
      [{ instance: "a" }, -25],
      [{ instance: "b" }, 5],
      [{ instance: "c" }, 20],
    ]);
    assert.deepEqual(await vector("sum(cpu) - cpu", r), [
      [{ instance: "a" }, 175],
      [{ instance: "b" }, 145],
      [{ instance: "c" }, 130],
    ]);
    assert.deepEqual(await vector("cpu > avg(cpu)", r), [
      [{ __name__: "cpu", instance: "b" }, 80],
      [{ __name__: "cpu", instance: "c" }, 95],
    ]);
    assert.deepEqual(await vector("max(cpu) > avg(limit)", r), [[{}, 95]]);
    assert.deepEqual(await vector("sum(cpu) / sum(limit)", r), [[{}, 225 / 140]]);
  });

  const m = reader(
    ago({ __name__: "errors", instance: "a", code: "500" }, [[0, 2]]),
    ago({ __name__: "errors", instance: "b", code: "503" }, [[0, 3]]),
    ago({ __name__: "requests", instance: "a" }, [[0, 100]]),
    ago({ __name__: "requests", instance: "b" }, [[0, 200]]),
    ago({ __name__: "info", instance: "a", version: "1.2" }, [[0, 1]]),
  );

  test("on and ignoring choose the labels to pair by; the left side's labels stay", async () => {
    assert.deepEqual(await vector("errors / requests", m), [], "code tells them apart");
    assert.deepEqual(await vector("errors / ignoring (code) requests", m), [
      [{ code: "500", instance: "a" }, 0.02],
      [{ code: "503", instance: "b" }, 0.015],
    ]);
    assert.deepEqual(
      await vector("errors / on (instance) requests", m),
      await vector("errors / ignoring (code) requests", m),
    );
    assert.deepEqual(await vector("requests * on (instance) info", m), [[{ instance: "a" }, 100]]);
    assert.deepEqual(await vector("requests > on (instance) errors", m), [
      [{ __name__: "requests", instance: "a" }, 100],
      [{ __name__: "requests", instance: "b" }, 200],
    ]);
  });

  test("several partners are a many-to-one error naming the labels, at the operator's node", async () => {
    const text = 'requests / on (instance) {__name__=~"errors|info"}';
    const error = await evalError(text, m);
    assert.deepEqual([error.start, error.end], [0, text.length]);
    assert.equal(
      error.message,
      'many-to-one match in "/": 2 series on the right side (errors{code="500", instance="a"}, ' +
        'info{instance="a", version="1.2"}) match the same series on the left side on the labels ' +
        '{instance="a"}; each series may pair with at most one: aggregate the right side first, ' +
        "e.g. sum by (instance) (…), or match on labels that tell them apart with on (…) or " +
        "ignoring (…)",
    );
    const inner = '{__name__=~"errors|info"} * on (instance) requests';
    const left = await evalError(`1 + (${inner})`, m);
    assert.match(
      left.message,
      /^many-to-one match in "\*": 2 series on the left side \(errors\{code="500", instance="a"\}, info\{instance="a", version="1.2"\}\) match the same series on the right side on the labels \{instance="a"\}/,
    );
    assert.deepEqual([left.start, left.end], [5, 5 + inner.length]);
    const both = await evalError("errors * on () max(requests) by (instance)", m);
    assert.match(both.message, /^many-to-one match in "\*": 2 series on the right side/);
    // Unmatched duplicates are no error: nothing pairs with them.
    assert.deepEqual(await vector("errors / on (version) info", m), []);
  });

  test("and, or, unless", async () => {
    assert.deepEqual(await vector("cpu and limit", r), [
      [{ __name__: "cpu", instance: "a" }, 50],
      [{ __name__: "cpu", instance: "b" }, 80],
    ]);
    assert.deepEqual(await vector("cpu unless limit", r), [
      [{ __name__: "cpu", instance: "c" }, 95],
    ]);
    assert.deepEqual(await vector("cpu or limit", r), [
      [{ __name__: "cpu", instance: "a" }, 50],
      [{ __name__: "cpu", instance: "b" }, 80],
      [{ __name__: "cpu", instance: "c" }, 95],
      [{ __name__: "limit", instance: "d" }, 10],
    ]);
    assert.deepEqual(await vector("cpu > 70 or limit > 30", r), [
      [{ __name__: "cpu", instance: "b" }, 80],
      [{ __name__: "cpu", instance: "c" }, 95],
      [{ __name__: "limit", instance: "a" }, 40],
    ]);
    assert.deepEqual(await vector("requests and on (instance) info", m), [
      [{ __name__: "requests", instance: "a" }, 100],
    ]);
    assert.deepEqual(await vector("requests unless ignoring (version) info", m), [
      [{ __name__: "requests", instance: "b" }, 200],
    ]);
    assert.deepEqual(await vector("cpu and nothing", r), []);
    assert.deepEqual((await vector("nothing or cpu", r)).length, 3);
  });

  test("the error rate: 100 * sum(rate(5xx)) / sum(rate(total))", async () => {
    const c = reader(
      counter({ __name__: "http_requests_total", job: "api", status: "200" }, 9.75),
      counter({ __name__: "http_requests_total", job: "api", status: "500" }, 0.125),
      counter({ __name__: "http_requests_total", job: "api", status: "503" }, 0.125),
      counter({ __name__: "http_requests_total", job: "web", status: "200" }, 3),
      counter({ __name__: "http_requests_total", job: "web", status: "502" }, 1),
    );
    const rate = (m: string) => `sum(rate(http_requests_total{${m}}[5m]))`;
    assert.deepEqual(
      await vector(`100 * ${rate('job="api", status=~"5.."')} / ${rate('job="api"')}`, c),
      [[{}, 2.5]],
    );
    assert.deepEqual(await vector(`100 * ${rate('status=~"5.."')} / ${rate("")} > 0.1`, c), [
      [{}, 100 * (1.25 / 14)],
    ]);
    assert.deepEqual(
      await vector(
        'sum by (job) (rate(http_requests_total{status=~"5.."}[5m])) / sum by (job) (rate(http_requests_total[5m]))',
        c,
      ),
      [
        [{ job: "api" }, 0.025],
        [{ job: "web" }, 0.25],
      ],
    );
  });
});

describe("selectorsOf", () => {
  test("each distinct selector once, with the widest window and whether it is instant", () => {
    const uses = selectorsOf(
      parseExpr(
        'disk{m="/"} >= 70 or time_to(disk{m="/"}[1d], 70) < 7d and avg(disk{m="/"}[6h]) > 0 unless up',
      ),
    );
    assert.deepEqual(
      uses.map((u) => [u.matchers.map((m) => `${m.label}${m.op}${m.value}`), u.rangeMs, u.instant]),
      [
        [["__name__=disk", "m=/"], 86_400_000, true],
        [["__name__=up"], 0, true],
      ],
    );
    assert.deepEqual(
      selectorsOf(parseExpr('quantile(0.9, {job="a"}[5m])')).map((u) => [u.rangeMs, u.instant]),
      [[300_000, false]],
    );
    assert.deepEqual(selectorsOf(parseExpr("1 + 7d")), []);
  });
});
