import assert from "node:assert/strict";
import { test } from "node:test";
import type { SeriesStore } from "../../../src/metrics/store/series-store.ts";
import { forEachStore } from "../../helpers/stores.ts";
import {
  brief,
  DAY,
  exactQuantile,
  HOUR,
  MINUTE,
  nameIs,
  openSeriesStore,
  reopen,
  T0,
} from "./helpers.ts";

/** A counter sampled every 15 s for an hour, restarting at sample 100. */
const counterAt = (k: number) => (k < 100 ? k * 10 : (k - 100) * 10 + 3);
/** A gauge spread over -100..100. */
const gaugeAt = (k: number) => ((k * 37) % 201) - 100;
const SAMPLES = 240;

async function rollupsOf(series: SeriesStore, name: string, resolution: "1m" | "1h") {
  const [only] = await series.selectRollup([nameIs(name)], T0, T0 + HOUR, resolution);
  return only?.buckets ?? [];
}

forEachStore("metric series store: rollups", (stores) => {
  test("minute and hour rollups, from memory before the hour ends and from the database after", async () => {
    const { series, clock, store } = await openSeriesStore(stores);
    for (let k = 0; k < SAMPLES; k++) {
      const t = T0 + k * 15_000;
      clock.advance(t - clock.now());
      series.append([
        { name: "reqs_total", labels: {}, value: counterAt(k), timestampMs: t },
        { name: "temp", labels: {}, value: gaugeAt(k), timestampMs: t },
      ]);
    }
    const counterSum = Array.from({ length: SAMPLES }, (_, k) => counterAt(k)).reduce(
      (a, b) => a + b,
    );
    const gauge = Array.from({ length: SAMPLES }, (_, k) => gaugeAt(k));
    const check = async (where: string, from = series) => {
      const minutes = await rollupsOf(from, "reqs_total", "1m");
      assert.equal(minutes.length, 60, where);
      assert.deepEqual(brief(minutes[0]), {
        start: T0,
        count: 4,
        sum: 0 + 10 + 20 + 30,
        min: 0,
        max: 30,
        first: 0,
        last: 30,
        increase: 30,
      });
      assert.equal(minutes[1]?.increase, 40, where);
      // Samples 100-103: 990 → 3 is a restart (+3), then +10 three times.
      assert.deepEqual(brief(minutes[25]), {
        start: T0 + 25 * MINUTE,
        count: 4,
        sum: 3 + 13 + 23 + 33,
        min: 3,
        max: 33,
        first: 3,
        last: 33,
        increase: 33,
      });
      const [hour] = await rollupsOf(from, "reqs_total", "1h");
      assert.deepEqual(brief(hour), {
        start: T0,
        count: SAMPLES,
        sum: counterSum,
        min: 0,
        max: counterAt(SAMPLES - 1),
        first: 0,
        last: counterAt(SAMPLES - 1),
        increase: 990 + 3 + 139 * 10,
      });
      const [temp] = await rollupsOf(from, "temp", "1h");
      assert.deepEqual(
        [temp?.count, temp?.min, temp?.max, temp?.sum],
        [SAMPLES, Math.min(...gauge), Math.max(...gauge), gauge.reduce((a, b) => a + b)],
      );
      for (const q of [0.5, 0.95, 0.99]) {
        const exact = exactQuantile(gauge, q);
        const estimate = temp?.quantile(q) as number;
        assert.ok(
          Math.abs(estimate - exact) <= Math.abs(exact) * 0.01,
          `${where} q${q}: ${estimate} vs ${exact}`,
        );
      }
    };
    await check("memory");
    assert.equal((await store.db.selectFrom("metric_rollups").selectAll().execute()).length, 0);

    clock.advance(T0 + HOUR + 3 * MINUTE - clock.now());
    await series.flush();
    const rows = await store.db
      .selectFrom("metric_rollups")
      .select(["resolution", "start"])
      .orderBy("resolution")
      .orderBy("series_id")
      .execute();
    assert.deepEqual(rows, [
      { resolution: "1h", start: Date.UTC(2026, 10, 23) },
      { resolution: "1h", start: Date.UTC(2026, 10, 23) },
      { resolution: "1m", start: T0 },
      { resolution: "1m", start: T0 },
    ]);
    await check("database");
    await check("after a restart", await reopen(store.db, clock));
  });

  test("a late sample re-rolls its hour", async () => {
    const { series, clock } = await openSeriesStore(stores);
    clock.advance(30 * MINUTE);
    for (let i = 0; i <= 30; i++) {
      series.append([{ name: "g", labels: {}, value: i, timestampMs: T0 + i * MINUTE }]);
    }
    clock.advance(33 * MINUTE);
    await series.flush();
    assert.equal((await rollupsOf(series, "g", "1h"))[0]?.count, 31);
    // Newer than the series' newest, but in an hour already rolled up.
    series.append([{ name: "g", labels: {}, value: 100, timestampMs: T0 + 59 * MINUTE }]);
    await series.flush();
    const [hour] = await rollupsOf(series, "g", "1h");
    assert.deepEqual([hour?.count, hour?.last, hour?.max], [32, 100, 100]);
    const minutes = await rollupsOf(series, "g", "1m");
    assert.deepEqual(
      minutes.slice(-2).map((b) => [b.start, b.count, b.last]),
      [
        [T0 + 30 * MINUTE, 1, 30],
        [T0 + 59 * MINUTE, 1, 100],
      ],
    );
  });

  test("a stop in the middle of an hour loses none of its rollups", async () => {
    const { series, clock, store } = await openSeriesStore(stores);
    for (let i = 0; i < 30; i++) {
      clock.advance(T0 + i * MINUTE - clock.now());
      series.append([{ name: "c_total", labels: {}, value: i * 2, timestampMs: clock.now() }]);
    }
    await series.flush(); // then the process dies: no stop()
    const again = await reopen(store.db, clock);
    for (let i = 30; i < 60; i++) {
      clock.advance(T0 + i * MINUTE - clock.now());
      again.append([{ name: "c_total", labels: {}, value: i * 2, timestampMs: clock.now() }]);
    }
    clock.advance(5 * MINUTE);
    await again.flush();
    const [hour] = await rollupsOf(again, "c_total", "1h");
    assert.deepEqual([hour?.count, hour?.increase, hour?.last], [60, 118, 118]);
    const chunks = await store.db.selectFrom("metric_chunks").select("count").execute();
    // The open chunk was continued in place, not duplicated.
    assert.deepEqual(chunks, [{ count: 60 }]);
  });

  test("prune deletes what is past retention, and series not seen for the longest one", async () => {
    const retention = { raw: 2 * HOUR, "1m": 3 * HOUR, "1h": 2 * DAY };
    const { series, clock, store } = await openSeriesStore(stores, { retention });
    const end = T0 + 4 * DAY;
    for (let t = T0; t < end; t += 10 * MINUTE) {
      clock.advance(t - clock.now());
      const samples = [{ name: "kept", labels: {}, value: 1, timestampMs: t }];
      if (t < T0 + HOUR) samples.push({ name: "gone", labels: {}, value: 1, timestampMs: t });
      series.append(samples);
      if ((t - T0) % HOUR === 0) await series.flush();
    }
    await series.flush();
    await series.prune();
    const now = clock.now();
    const hours = (rows: { start?: number; hour?: number }[]) =>
      rows.map((r) => r.start ?? r.hour).sort((a, b) => (a as number) - (b as number));
    const chunks = await store.db.selectFrom("metric_chunks").select("hour").execute();
    assert.ok(
      hours(chunks).every((h) => (h as number) >= Math.floor((now - 2 * HOUR) / HOUR) * HOUR),
    );
    const minute = await store.db
      .selectFrom("metric_rollups")
      .select("start")
      .where("resolution", "=", "1m")
      .execute();
    // Rolled-up hours kept: the 3 before the last closed one...
    assert.deepEqual(
      hours(minute),
      [now - 3 * HOUR - 50 * MINUTE, now - 2 * HOUR - 50 * MINUTE, now - HOUR - 50 * MINUTE].map(
        (h) => Math.floor(h / HOUR) * HOUR,
      ),
    );
    const daily = await store.db
      .selectFrom("metric_rollups")
      .select("start")
      .where("resolution", "=", "1h")
      .execute();
    assert.deepEqual(hours(daily), [
      Date.UTC(2026, 10, 25),
      Date.UTC(2026, 10, 26),
      Date.UTC(2026, 10, 27),
    ]);
    const names = await store.db.selectFrom("metric_series").select("name").execute();
    assert.deepEqual(names, [{ name: "kept" }]);
    assert.deepEqual(
      series.series().map((s) => s.labels.__name__),
      ["kept"],
    );
  });
});
