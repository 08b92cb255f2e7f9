import assert from "node:assert/strict";
import { test } from "node:test";
import type { IngestSample } from "../../../src/metrics/series.ts";
import { SeriesStore } from "../../../src/metrics/store/series-store.ts";
import { forEachStore } from "../../helpers/stores.ts";
import {
  DAY,
  HOUR,
  MINUTE,
  m,
  nameIs,
  OPTIONS,
  openSeriesStore,
  points,
  reopen,
  T0,
} from "./helpers.ts";

const sample = (
  name: string,
  labels: Record<string, string>,
  timestampMs: number,
  value: number,
): IngestSample => ({ name, labels, timestampMs, value });

forEachStore("metric series store: appends", (stores) => {
  test("every append rule: stored, duplicate, duplicate timestamp, out of order, out of bounds", async () => {
    const { series, clock } = await openSeriesStore(stores);
    const up = (t: number, v: number) => sample("up", { job: "api" }, t, v);
    const first = series.append([
      up(T0 - 60_000, 1),
      up(T0, Number.NaN),
      up(T0 + 600_000, Infinity),
    ]);
    assert.deepEqual(first, { accepted: 3, duplicates: 0, created: 1, rejected: [] });

    const result = series.append([
      up(T0 + 600_000, Infinity), // the same sample again: a silent duplicate
      up(T0 + 600_000, 2), // the same timestamp, another value
      up(T0, 5), // older than the newest
      up(T0 - 7 * DAY - 1, 1), // older than the raw retention
      up(T0 + 600_001, 1), // more than 10 minutes ahead
      sample("up", { job: "web" }, T0 + 600_001, 1),
    ]);
    assert.equal(result.accepted, 0);
    assert.equal(result.duplicates, 1);
    assert.equal(result.created, 0);
    assert.deepEqual(
      result.rejected.map((r) => [r.reason, r.count]),
      [
        ["out_of_order", 1],
        ["duplicate_timestamp", 1],
        ["out_of_bounds", 3],
      ],
    );
    const [order, duplicate, bounds] = result.rejected;
    assert.equal(
      order?.message,
      '1 sample older than the newest sample of their series was dropped (out of order), e.g. up{job="api"} at 2026-11-23T05:00:00.000Z after 2026-11-23T05:10:00.000Z. Send each series\' samples in time order.',
    );
    assert.match(
      duplicate?.message ?? "",
      /^1 sample with the timestamp of their series' newest sample but another value was dropped; the first value is kept/,
    );
    assert.match(
      bounds?.message ?? "",
      /^3 samples outside the accepted time range were dropped: samples must be at most 7d old \(metrics\.retention\.raw\) and at most 10 minutes ahead/,
    );

    // NaN at the same timestamp as a stored NaN is a duplicate too (any NaN equals any NaN).
    clock.advance(MINUTE);
    series.append([up(T0 + 660_000, Number.NaN)]);
    assert.equal(series.append([up(T0 + 660_000, Number.NaN)]).duplicates, 1);

    const [only] = await series.select([nameIs("up")], 0, T0 + DAY);
    assert.deepEqual(only?.labels, { __name__: "up", job: "api" });
    assert.deepEqual(points(only), [
      [T0 - 60_000, 1],
      [T0, Number.NaN],
      [T0 + 600_000, Infinity],
      [T0 + 660_000, Number.NaN],
    ]);
    const stats = series.stats();
    assert.deepEqual(
      [stats.series, stats.appended, stats.duplicates, stats.rejected, stats.samplesInMemory],
      [1, 4, 2, 5, 4],
    );
  });

  test("the cardinality limit refuses new series, names the culprit, logs once per 10 minutes", async () => {
    const { series, clock, log } = await openSeriesStore(stores, {
      limits: { series: 5, series_per_metric: 3 },
    });
    const req = (path: string, t = T0) =>
      sample("http_requests_total", { method: "GET", path }, t, 1);
    assert.equal(series.append([req("/a"), req("/b"), req("/c")]).created, 3);
    const refused = series.append([req("/d"), req("/e"), req("/a", T0 + 1000)]);
    assert.equal(refused.accepted, 1);
    assert.deepEqual(refused.rejected, [
      {
        reason: "series_limit",
        count: 2,
        metric: "http_requests_total",
        message:
          'metric http_requests_total reached 3 series (metrics.limits.series_per_metric); new series are dropped. Label "path" has 3 distinct values — drop it or aggregate it before Unyo',
      },
    ]);
    series.append([req("/f")]);
    assert.equal(log.lines.filter((l) => l.level === "warn").length, 1);
    assert.deepEqual(log.lines[0]?.obj, {
      metric: "http_requests_total",
      limit: 3,
      configKey: "metrics.limits.series_per_metric",
      label: "path",
      distinctValues: 3,
    });
    clock.advance(10 * 60_000);
    series.append([req("/g", clock.now())]);
    assert.equal(log.lines.filter((l) => l.level === "warn").length, 2);

    // The total limit: two more series of other metrics fit, the third does not.
    const other = series.append([
      sample("a", {}, T0, 1),
      sample("b", {}, T0, 1),
      sample("c", {}, T0, 1),
    ]);
    assert.equal(other.created, 2);
    assert.equal(other.rejected[0]?.metric, "c");
    assert.match(
      other.rejected[0]?.message ?? "",
      /^the store reached 5 series in all \(metrics\.limits\.series\); new series of metric c are dropped\. The metric with the most series is http_requests_total \(3\)\./,
    );
    // A reload raising the limit lets them in.
    series.configure({
      retention: { raw: 7 * DAY, "1m": 30 * DAY, "1h": 400 * DAY },
      limits: { series: 10, series_per_metric: 10 },
    });
    assert.equal(series.append([req("/d", clock.now())]).created, 1);
  });
});

forEachStore("metric series store: select", (stores) => {
  const LABELS: Record<string, string>[] = [
    { host: "a", mode: "idle" },
    { host: "b", mode: "user" },
    { host: "c" },
  ];
  /** cpu for 3 series and mem for one, one sample a minute for 4 hours, flushed each minute. */
  async function fill(options = {}) {
    const ctx = await openSeriesStore(stores, { memoryWindowMs: HOUR, ...options });
    for (let t = T0; t < T0 + 4 * HOUR; t += MINUTE) {
      ctx.clock.advance(t - ctx.clock.now());
      ctx.series.append([
        ...LABELS.map((labels, i) => sample("cpu", labels, t, i * 1000 + (t - T0) / MINUTE)),
        sample("mem", { host: "a" }, t, 0.5),
      ]);
      await ctx.series.flush();
    }
    return ctx;
  }
  const expected = (i: number, from: number, to: number) => {
    const out: [number, number][] = [];
    for (let t = T0; t < T0 + 4 * HOUR; t += MINUTE) {
      if (t > from && t <= to) out.push([t, i * 1000 + (t - T0) / MINUTE]);
    }
    return out;
  };

  test("each matcher op, over hours in memory and hours only in the database", async () => {
    const { series, store, clock } = await fill();
    const stats = series.stats();
    // An hour of memory window: the first two hours are gone from memory.
    assert.ok(stats.samplesInMemory < 4 * 3 * 60, `${stats.samplesInMemory} samples in memory`);
    const from = T0 + 30 * MINUTE;
    const to = T0 + 4 * HOUR;
    const select = async (...matchers: ReturnType<typeof m>[]) =>
      (await series.select(matchers, from, to)).map((s) => s.labels.host + (s.labels.mode ?? ""));
    assert.deepEqual(await select(nameIs("cpu")), ["aidle", "buser", "c"]);
    assert.deepEqual(await select(nameIs("cpu"), m("host", "!=", "a")), ["buser", "c"]);
    assert.deepEqual(await select(m("mode", "=~", "idle|user")), ["aidle", "buser"]);
    assert.deepEqual(await select(nameIs("cpu"), m("mode", "!~", "idle")), ["buser", "c"]);
    assert.deepEqual(await select(m("mode", "=", ""), m("host", "=", "a")), ["a"]);
    const all = await series.select([nameIs("cpu")], from, to);
    for (const [i, s] of all.entries()) assert.deepEqual(points(s), expected(i, from, to));
    // A window inside memory, and one before any data.
    const recent = await series.select([m("host", "=", "b")], to - 10 * MINUTE, to);
    assert.deepEqual(points(recent[0]), expected(1, to - 10 * MINUTE, to));
    assert.deepEqual(await series.select([nameIs("cpu")], T0 - DAY, T0 - HOUR), []);

    // After a restart a new store sees the same.
    await series.stop();
    const again = await reopen(store.db, clock, { memoryWindowMs: HOUR });
    const after = await again.select([nameIs("cpu")], from, to);
    assert.deepEqual(after.map(points), all.map(points));
    assert.deepEqual(
      again.series([m("host", "=", "a")]).map((s) => [s.labels.__name__, s.lastSampleMs]),
      [
        ["cpu", T0 + 4 * HOUR - MINUTE],
        ["mem", T0 + 4 * HOUR - MINUTE],
      ],
    );
    // It continues each series: older samples are out of order, newer ones stored.
    clock.advance(MINUTE);
    const t = clock.now();
    const r = again.append([
      sample("cpu", LABELS[0] as Record<string, string>, t - 2 * MINUTE, 1),
      sample("cpu", LABELS[0] as Record<string, string>, t, 7),
    ]);
    assert.deepEqual([r.accepted, r.created, r.rejected[0]?.reason], [1, 0, "out_of_order"]);
    await again.flush();
    const third = await reopen(store.db, clock);
    const tail = await third.select([m("mode", "=", "idle")], t - 3 * MINUTE, t);
    assert.deepEqual(points(tail[0]), [
      [t - 2 * MINUTE, 238],
      [t - MINUTE, 239],
      [t, 7],
    ]);
  });

  test("after a restart a silent series still refuses samples older than it holds", async () => {
    const { series, store, clock } = await openSeriesStore(stores, { memoryWindowMs: HOUR });
    for (let i = 0; i <= 10; i++) series.append([sample("x", {}, T0 + i * MINUTE, i)]);
    for (let h = 1; h <= 4; h++) {
      clock.advance(HOUR);
      await series.flush();
    }
    const again = await reopen(store.db, clock, { memoryWindowMs: HOUR });
    const r = again.append([
      sample("x", {}, T0 + 5 * MINUTE + 1, 1),
      sample("x", {}, T0 + 2 * HOUR, 99),
    ]);
    assert.deepEqual([r.accepted, r.rejected[0]?.reason], [1, "out_of_order"]);
    await again.flush();
    const [x] = await again.select([nameIs("x")], T0 - 1, T0 + 3 * HOUR);
    assert.deepEqual(points(x), [
      ...Array.from({ length: 11 }, (_, i): [number, number] => [T0 + i * MINUTE, i]),
      [T0 + 2 * HOUR, 99],
    ]);
    // The late sample's hour was rolled up again: it has its own hour bucket now.
    const [rolled] = await again.selectRollup([nameIs("x")], T0, T0 + 3 * HOUR, "1h");
    assert.deepEqual(
      rolled?.buckets.map((b) => [b.start, b.count, b.last]),
      [
        [T0, 11, 10],
        [T0 + 2 * HOUR, 1, 99],
      ],
    );
  });

  test("a chunk is sealed at 120 samples and at the hour; flushing twice writes nothing new", async () => {
    const { series, store, clock } = await openSeriesStore(stores, {}, T0 + HOUR - 130_000);
    const start = clock.now();
    for (let i = 0; i < 140; i++) series.append([sample("x", {}, start + i * 1000, i)]);
    clock.advance(140_000);
    await series.flush();
    const rows = await store.db
      .selectFrom("metric_chunks")
      .select(["hour", "start_ms", "count"])
      .orderBy("start_ms")
      .execute();
    // 120 in the first chunk, 10 more before the hour ends, 10 after it.
    assert.deepEqual(rows, [
      { hour: T0, start_ms: start, count: 120 },
      { hour: T0, start_ms: start + 120_000, count: 10 },
      { hour: T0 + HOUR, start_ms: start + 130_000, count: 10 },
    ]);
    const written = series.stats().rowsWritten;
    const dump = async () => ({
      chunks: await store.db.selectFrom("metric_chunks").selectAll().orderBy("start_ms").execute(),
      series: await store.db.selectFrom("metric_series").selectAll().execute(),
    });
    const before = await dump();
    await series.flush();
    await series.flush();
    assert.equal(series.stats().rowsWritten, written);
    assert.deepEqual(await dump(), before);
  });
});

forEachStore("metric series store: lifecycle", (stores) => {
  test("start() flushes on the store's clock; stop() writes the rest and stops the timer", async () => {
    const { series, clock, store } = await openSeriesStore(stores);
    const count = async () =>
      (await store.db.selectFrom("metric_chunks").select("count").execute()).map((r) => r.count);
    series.start(MINUTE);
    series.append([sample("up", {}, T0, 1)]);
    clock.advance(MINUTE);
    // The timer's flush runs on its own; wait for it the way a caller would: the next flush
    // is queued behind it.
    await series.flush();
    assert.deepEqual(await count(), [1]);
    assert.equal(series.stats().flushes, 2);
    series.append([sample("up", {}, T0 + MINUTE, 1)]);
    await series.stop();
    assert.deepEqual(await count(), [2]);
    clock.advance(10 * MINUTE);
    await series.flush();
    assert.equal(series.stats().flushes, 4);
  });

  test("append before open() is refused: the ids of stored series are not known yet", async () => {
    const { store, clock } = await openSeriesStore(stores);
    const fresh = new SeriesStore({ db: store.db, clock, options: OPTIONS });
    assert.throws(() => fresh.append([sample("up", {}, T0, 1)]), /open\(\) must be called/);
  });
});
