import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Labels } from "../../../src/metrics/series.ts";
import {
  type IndexedSeries,
  SeriesIndex,
  seriesKey,
  seriesLabels,
} from "../../../src/metrics/store/series-index.ts";
import { m, nameIs } from "./helpers.ts";

function indexOf(list: [string, Labels][]): SeriesIndex<IndexedSeries> {
  const index = new SeriesIndex<IndexedSeries>();
  list.forEach(([name, labels], id) => {
    index.add({ id, key: seriesKey(name, labels), name, labels: seriesLabels(name, labels) });
  });
  return index;
}

const ids = (series: IndexedSeries[]) => series.map((s) => s.id).sort((a, b) => a - b);

describe("series index", () => {
  test("the key ignores label order and empty values; the name is part of it", () => {
    assert.equal(seriesKey("up", { b: "2", a: "1" }), seriesKey("up", { a: "1", b: "2" }));
    assert.equal(seriesKey("up", { a: "1", c: "" }), seriesKey("up", { a: "1" }));
    assert.notEqual(seriesKey("up", { a: "1" }), seriesKey("down", { a: "1" }));
    assert.notEqual(seriesKey("up", { a: "1b" }), seriesKey("up", { a: "1", b: "" }));
    assert.deepEqual(seriesLabels("up", { b: "2", a: "1", c: "" }), {
      __name__: "up",
      a: "1",
      b: "2",
    });
  });

  test("select with every matcher op; a missing label is the empty string", () => {
    const index = indexOf([
      ["cpu", { host: "a", mode: "idle" }],
      ["cpu", { host: "b", mode: "user" }],
      ["cpu", { host: "c" }],
      ["mem", { host: "a" }],
    ]);
    assert.deepEqual(ids(index.select([nameIs("cpu")])), [0, 1, 2]);
    assert.deepEqual(ids(index.select([nameIs("cpu"), m("host", "!=", "a")])), [1, 2]);
    assert.deepEqual(ids(index.select([m("mode", "=~", "idle|user")])), [0, 1]);
    assert.deepEqual(ids(index.select([nameIs("cpu"), m("mode", "!~", "idle")])), [1, 2]);
    assert.deepEqual(ids(index.select([m("mode", "=", "")])), [2, 3]);
    assert.deepEqual(ids(index.select([m("mode", "=~", "id.*|")])), [0, 2, 3]);
    assert.deepEqual(ids(index.select([m("host", "=", "a")])), [0, 3]);
    assert.deepEqual(ids(index.select([m("host", "=", "zzz")])), []);
    assert.deepEqual(ids(index.select([])), [0, 1, 2, 3]);
    // A hand-built matcher without a compiled regex is anchored too.
    assert.deepEqual(
      ids(index.select([{ label: "host", op: "=~", value: "a|b", start: 0, end: 0 }])),
      [0, 1, 3],
    );
  });

  test("remove takes a series out of every posting", () => {
    const index = indexOf([
      ["cpu", { host: "a" }],
      ["cpu", { host: "b" }],
    ]);
    const first = index.byId(0) as IndexedSeries;
    index.remove(first);
    assert.equal(index.size, 1);
    assert.equal(index.countOf("cpu"), 1);
    assert.deepEqual(ids(index.select([m("host", "=", "a")])), []);
  });

  test("a refusal names the metric, the limit, the config key and the culprit label", () => {
    const index = indexOf(
      Array.from({ length: 5 }, (_, i): [string, Labels] => [
        "http_requests_total",
        { method: i % 2 ? "GET" : "POST", path: `/item/${i}` },
      ]),
    );
    assert.equal(
      index.refusal("http_requests_total", { series: 100, series_per_metric: 6 }),
      undefined,
    );
    assert.deepEqual(index.refusal("http_requests_total", { series: 100, series_per_metric: 5 }), {
      metric: "http_requests_total",
      configKey: "metrics.limits.series_per_metric",
      limit: 5,
      message:
        'metric http_requests_total reached 5 series (metrics.limits.series_per_metric); new series are dropped. Label "path" has 5 distinct values — drop it or aggregate it before Unyo',
    });
    assert.deepEqual(index.refusal("other", { series: 5, series_per_metric: 5 }), {
      metric: "other",
      configKey: "metrics.limits.series",
      limit: 5,
      message:
        'the store reached 5 series in all (metrics.limits.series); new series of metric other are dropped. The metric with the most series is http_requests_total (5). Label "path" has 5 distinct values — drop it or aggregate it before Unyo',
    });
  });
});
