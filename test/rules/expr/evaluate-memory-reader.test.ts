import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Matcher } from "../../../src/metrics/series.ts";
import { MemorySeriesReader, seriesFromPoints } from "../../../src/rules/expr/memory-reader.ts";

/** A matcher built by hand (no precompiled regex), as another engineer's code might. */
const m = (label: string, op: Matcher["op"], value: string): Matcher => ({
  label,
  op,
  value,
  start: 0,
  end: 0,
});

const reader = new MemorySeriesReader([
  seriesFromPoints({ __name__: "up", job: "api", instance: "a" }, [
    [1000, 1],
    [2000, 0],
    [3000, 1],
  ]),
  seriesFromPoints({ __name__: "up", job: "web", instance: "b" }, [[2500, 1]]),
  seriesFromPoints({ __name__: "up", instance: "c" }, [[3000, 1]]),
  { labels: { __name__: "load", job: "api" }, timestamps: [1000, 2000], values: [0.5, 0.25] },
]);

const instances = async (matchers: Matcher[], from = 0, to = 10_000) =>
  (await reader.select(matchers, from, to)).map((s) => s.labels.instance ?? s.labels.__name__);

describe("MemorySeriesReader", () => {
  test("matches with every op; a missing label equals the empty string", async () => {
    assert.equal(reader.size, 4);
    assert.deepEqual(await instances([m("__name__", "=", "up")]), ["a", "b", "c"]);
    assert.deepEqual(await instances([m("job", "=", "api")]), ["a", "load"]);
    assert.deepEqual(await instances([m("__name__", "=", "up"), m("job", "=", "")]), ["c"]);
    assert.deepEqual(await instances([m("job", "!=", "api")]), ["b", "c"]);
    assert.deepEqual(await instances([m("job", "=~", "a.*|")]), ["a", "c", "load"]);
    assert.deepEqual(await instances([m("job", "!~", "api|")]), ["b"]);
    assert.deepEqual(
      await instances([m("job", "!~", "a")]),
      ["a", "b", "c", "load"],
      "anchored: a does not match api",
    );
    assert.deepEqual(await instances([m("nope", "=", "x")]), []);
    assert.deepEqual(await instances([m("job", "=", "api"), m("job", "=", "web")]), []);
  });

  test("returns the samples in from < t <= to, as views; series without any are left out", async () => {
    const [a, ...rest] = await reader.select([m("instance", "=", "a")], 1000, 3000);
    assert.equal(rest.length, 0);
    assert.deepEqual(Array.from(a?.timestamps ?? []), [2000, 3000]);
    assert.deepEqual(Array.from(a?.values ?? []), [0, 1]);
    assert.ok(a?.timestamps instanceof Float64Array);
    assert.deepEqual(await instances([m("__name__", "=", "up")], 2500, 2999), []);
    assert.deepEqual(await instances([m("__name__", "=", "up")], 2499, 2500), ["b"]);
    assert.deepEqual(
      reader.selectNow([m("__name__", "=", "load")], 0, 1000).map((s) => Array.from(s.values)),
      [[0.5]],
    );
  });

  test("refuses series whose timestamps do not increase or do not match the values", () => {
    assert.throws(
      () => new MemorySeriesReader([{ labels: { a: "1" }, timestamps: [2, 1], values: [0, 0] }]),
      /timestamps must increase \(index 1\)/,
    );
    assert.throws(
      () => new MemorySeriesReader([{ labels: { a: "1" }, timestamps: [1], values: [0, 0] }]),
      /1 timestamps but 2 values/,
    );
  });
});
