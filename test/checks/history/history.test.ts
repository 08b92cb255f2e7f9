import assert from "node:assert/strict";
import { before, test } from "node:test";
import { sql } from "kysely";
import { LatencyHistogram } from "../../../src/checks/history/histogram.ts";
import {
  CheckHistory,
  DAY_MS,
  type HistoryOptions,
  type RecordedResult,
  rollupOf,
} from "../../../src/checks/history/history.ts";
import { HistoryReader } from "../../../src/checks/history/history-reader.ts";
import {
  emptyRollup,
  mergeRollup,
  type RollupSummary,
} from "../../../src/checks/history/rollup.ts";
import { decodeSamples, HOUR_MS, type Outcome } from "../../../src/checks/history/sample-codec.ts";
import { ManualClock } from "../../../src/core/clock.ts";
import { createLogger } from "../../../src/log/logger.ts";
import type { Store } from "../../../src/store/store.ts";
import { forEachStore } from "../../helpers/stores.ts";

const MIN = 60_000;
const LONG: HistoryOptions = {
  flushIntervalMs: MIN,
  rawRetentionMs: 7 * DAY_MS,
  hourlyRetentionMs: 90 * DAY_MS,
  dailyRetentionMs: 400 * DAY_MS,
};

/** A deterministic result: `k` shifts the pattern so checks (and phases) differ. */
function resultOf(checkId: string, at: number, i: number, k: number): RecordedResult {
  const n = i + 3 * k;
  const pick: [Outcome, number, string | null] =
    n % 7 === 3
      ? ["timeout", 10_000, `timed out after 10s (#${i})`]
      : n % 11 === 5
        ? ["degraded", 900 + (n % 50), `response_time: expected < 800ms (#${i})`]
        : n % 13 === 0
          ? ["assertion", 30 + (n % 9), `status: expected 200, got 500 (#${i})`]
          : ["ok", 40 + ((n * 37) % 300), null];
  return { checkId, at, outcome: pick[0], durationMs: pick[1], message: pick[2] };
}

function setup(store: Store, start: number, opts = LONG) {
  const lines: string[] = [];
  const log = createLogger({ level: "debug", destination: { write: (s) => lines.push(s) } });
  const clock = new ManualClock(start);
  const open = () => new CheckHistory(store.db, clock, log, { ...opts });
  const history = open();
  return { clock, history, lines, open, reader: new HistoryReader(store.db, clock, history) };
}

/** One result per check per minute for `minutes`, flushing every `flushEvery` minutes. */
async function run(
  h: { clock: ManualClock; history: CheckHistory },
  ids: readonly string[],
  minutes: number,
  flushEvery: number,
  phase = 0,
): Promise<RecordedResult[]> {
  const out: RecordedResult[] = [];
  for (let m = 0; m < minutes; m++) {
    ids.forEach((id, k) => {
      const r = resultOf(id, h.clock.now() + k * 1000 + 500, m, k + phase);
      h.history.record(r);
      out.push(r);
    });
    if ((m + 1) % flushEvery === 0) await h.history.flush();
    h.clock.advance(MIN);
  }
  return out;
}

/** What a summary of these results must say, computed from the raw results. */
function exact(results: readonly RecordedResult[]) {
  // Latency describes answers: ok, degraded and assertion failures; not timeouts and the like.
  const answered = new Set<Outcome>(["ok", "degraded", "assertion"]);
  const latencies = results.filter((r) => answered.has(r.outcome)).map((r) => r.durationMs);
  const h = new LatencyHistogram();
  for (const ms of latencies) h.add(ms);
  const failures = results.filter((r) => r.outcome !== "ok" && r.outcome !== "degraded").length;
  return {
    count: results.length,
    failures,
    degraded: results.filter((r) => r.outcome === "degraded").length,
    sumMs: latencies.reduce((a, b) => a + b, 0),
    maxMs: latencies.length === 0 ? null : Math.max(...latencies),
    uptime: results.length === 0 ? null : (results.length - failures) / results.length,
    p50Ms: h.quantile(0.5),
    p95Ms: h.quantile(0.95),
    p99Ms: h.quantile(0.99),
  };
}

const within = (rs: readonly RecordedResult[], from: number, to: number) =>
  rs.filter((r) => r.at >= from && r.at < to);
const view = (r: RecordedResult) => ({ at: r.at, durationMs: r.durationMs, outcome: r.outcome });

/** What the store holds for one check: sample rows, hourly and daily rollups, failures. */
async function stored(store: Store, id: string) {
  const samples = await store.db
    .selectFrom("check_samples")
    .selectAll()
    .where("check_id", "=", id)
    .orderBy("hour")
    .execute();
  const rollups = await store.db
    .selectFrom("check_rollups")
    .selectAll()
    .where("check_id", "=", id)
    .orderBy("bucket")
    .execute();
  const failures = await store.db
    .selectFrom("check_failures")
    .select(["at", "message"])
    .where("check_id", "=", id)
    .orderBy("at")
    .execute();
  const rollup = (resolution: string) =>
    rollups
      .filter((r) => r.resolution === resolution)
      .map((r) => ({ bucket: Number(r.bucket), ...rollupOf(r) }));
  return {
    rows: samples.map((r) => ({
      hour: Number(r.hour),
      count: Number(r.count),
      failures: Number(r.failures),
      samples: decodeSamples(Number(r.hour), r.data),
    })),
    hourly: rollup("h"),
    daily: rollup("d"),
    failures: failures.map((f) => [Number(f.at), f.message]),
  };
}

const failed = (rs: readonly RecordedResult[]) =>
  rs.filter((r) => r.message !== null).map((r) => [r.at, r.message]);

type Figures = Pick<RollupSummary, "count" | "failures" | "degraded" | "maxMs" | "uptime">;
const pick = (s: Figures) => [s.count, s.failures, s.degraded, s.maxMs, s.uptime];
type Totals = Omit<Figures, "uptime"> & { sumMs: number };
const totals = (r: Totals) => [r.count, r.failures, r.degraded, r.maxMs, r.sumMs];

forEachStore("CheckHistory", (stores) => {
  let store: Store;
  before(async () => {
    store = await stores.open();
  });

  test("one row per check per hour; hourly rollups; the day is the merge of its hours", async () => {
    const T = Date.UTC(2026, 10, 23, 21); // hours 21, 22, 23: closing the last one ends the day
    const h = setup(store, T);
    const ids = ["t1-a", "t1-b", "t1-c"];
    const all = await run(h, ids, 180, 20);
    await h.history.flush(); // at 00:00 the next day: closes hour 23
    for (const id of ids) {
      const mine = all.filter((r) => r.checkId === id);
      const hours = [0, 1, 2].map((n) => T + n * HOUR_MS);
      const { rows, hourly, daily } = await stored(store, id);
      assert.deepEqual(
        rows.map((r) => [r.hour, r.count, r.failures]),
        hours.map((x) => [x, 60, exact(within(mine, x, x + HOUR_MS)).failures]),
      );
      for (const row of rows)
        assert.deepEqual(row.samples, within(mine, row.hour, row.hour + HOUR_MS).map(view));
      assert.deepEqual(
        hourly.map((r) => [r.bucket, ...totals(r)]),
        hours.map((x) => [x, ...totals(exact(within(mine, x, x + HOUR_MS)))]),
      );
      const merged = emptyRollup();
      for (const r of hourly) mergeRollup(merged, r);
      assert.deepEqual(
        daily.map((d) => [d.bucket, ...totals(d), d.histogram.encode()]),
        [[Date.UTC(2026, 10, 23), ...totals(exact(mine)), merged.histogram.encode()]],
      );
      assert.equal(daily[0]?.histogram.quantile(0.95), exact(mine).p95Ms);
    }
  });

  test("recent(): newest first, paged with `before`, failure messages attached", async () => {
    const h = setup(store, Date.UTC(2026, 10, 22, 10));
    const all = await run(h, ["t2-a"], 150, 30); // hours 10, 11 stored, 12 open
    all.push(...(await run(h, ["t2-a"], 5, 5))); // 12:30–12:34: the open hour is in memory
    const newestFirst = [...all].reverse().map((r) => ({ ...view(r), message: r.message }));
    assert.deepEqual(await h.reader.recent("t2-a", 1000), newestFirst);
    assert.deepEqual(await h.reader.recent("t2-a", 3), newestFirst.slice(0, 3));
    const pages: unknown[][] = [];
    let cursor: number | undefined;
    for (;;) {
      const page = await h.reader.recent("t2-a", 17, cursor);
      if (page.length === 0) break;
      pages.push(page);
      cursor = page[page.length - 1]?.at;
    }
    assert.equal(pages.length, Math.ceil(all.length / 17));
    assert.deepEqual(pages.flat(), newestFirst);
    assert.ok(newestFirst.some((r) => r.outcome === "timeout" && r.message?.startsWith("timed")));
  });

  test("recent() attaches the messages of failures not flushed yet", {}, async () => {
    const h = setup(store, Date.UTC(2026, 10, 22, 16));
    const all = await run(h, ["t2b-a"], 4, 1000); // #3 is a timeout, not flushed
    const [latest] = await h.reader.recent("t2b-a", 1);
    assert.deepEqual([latest?.outcome, latest?.message], ["timeout", all[3]?.message]);
  });

  test("a restart mid-hour continues the stored hour: no loss, no double count", async () => {
    const T = Date.UTC(2026, 10, 21, 8);
    const h = setup(store, T);
    const all = await run(h, ["t3-a"], 20, 20);
    const again = { ...h, history: h.open() }; // the process restarted; memory is gone
    all.push(...(await run(again, ["t3-a"], 10, 10)));
    await again.history.flush();
    let [row] = (await stored(store, "t3-a")).rows;
    assert.deepEqual([row?.count, row?.samples], [30, all.map(view)]);
    all.push(...(await run(again, ["t3-a"], 31, 1000))); // into 09:00
    await again.history.flush();
    const after = await stored(store, "t3-a");
    [row] = after.rows;
    const [hourly] = after.hourly;
    assert.deepEqual([row?.count, row?.failures], [60, exact(all.slice(0, 60)).failures]);
    assert.deepEqual([hourly?.bucket, hourly?.count], [T, 60]);
    const reader = new HistoryReader(store.db, h.clock, again.history);
    assert.equal((await reader.recent("t3-a", 1000)).length, 61);
    assert.equal((await reader.summary("t3-a", T, T + HOUR_MS)).count, 60);
  });

  test("after a restart, a check's stored hour is continued even if another check flushed first", {}, async () => {
    const h = setup(store, Date.UTC(2026, 10, 21, 12));
    const first = await run(h, ["t3b-x", "t3b-y"], 10, 10);
    const again = { ...h, history: h.open() };
    await run(again, ["t3b-x"], 2, 2);
    again.history.record(resultOf("t3b-y", h.clock.now() + 100, 99, 0));
    await again.history.flush();
    const [row] = (await stored(store, "t3b-y")).rows;
    assert.equal(row?.count, first.filter((r) => r.checkId === "t3b-y").length + 1);
  });

  test("after a restart, recent() shows the stored part of the open hour before the first flush", {}, async () => {
    const h = setup(store, Date.UTC(2026, 10, 21, 14));
    await run(h, ["t3c-a"], 20, 20);
    const again = setup(store, h.clock.now());
    again.history.record(resultOf("t3c-a", again.clock.now() + 100, 50, 0));
    assert.equal((await again.reader.recent("t3c-a", 100)).length, 21);
  });

  test("the hour open at shutdown still counts in summaries after a restart in a later hour", {}, async () => {
    const T = Date.UTC(2026, 10, 21, 16);
    const h = setup(store, T);
    await run(h, ["t3d-a"], 10, 1000);
    await h.history.stop();
    h.clock.advance(2 * HOUR_MS);
    const again = setup(store, h.clock.now());
    await run(again, ["t3d-a"], 61, 1000);
    await again.history.flush();
    const hour = await again.reader.summary("t3d-a", T, T + HOUR_MS);
    const windows = (await again.reader.summaries(["t3d-a"])).get("t3d-a");
    assert.deepEqual([hour.count, windows?.["24h"].count], [10, 10 + 61]);
  });

  test("summary() over any window equals the exact figures from the raw samples", async () => {
    const T = Date.UTC(2026, 10, 20, 6);
    const h = setup(store, T);
    const all = await run(h, ["t4-a"], 200, 25); // 06, 07, 08 closed; 09 open
    all.push(...(await run(h, ["t4-a"], 3, 1000)));
    const windows: [number, number][] = [
      [T + 17 * MIN + 3000, T + 2 * HOUR_MS + 41 * MIN],
      [T + 5 * MIN, T + 25 * MIN],
      [T + HOUR_MS, T + 2 * HOUR_MS],
      [T + 30 * MIN, h.clock.now()],
      [T - HOUR_MS, h.clock.now()],
      [T + 2 * HOUR_MS + 10 * MIN, T + 3 * HOUR_MS + 10 * MIN],
      [T + 3 * HOUR_MS + 5 * MIN, T + 3 * HOUR_MS + 5 * MIN],
    ];
    for (const [from, to] of windows) {
      const got = await h.reader.summary("t4-a", from, to);
      const e = exact(within(all, from, to));
      assert.deepEqual(pick(got), pick(e), `[${from - T}, ${to - T})`);
      assert.deepEqual([got.p50Ms, got.p95Ms, got.p99Ms], [e.p50Ms, e.p95Ms, e.p99Ms]);
    }
    const whole = await h.reader.summary("t4-a", T);
    assert.equal(whole.count, all.length, "`to` defaults to now");
  });

  test("summary() counts hours still in memory: ended but not flushed, or open before `to`", {}, async () => {
    const T = Date.UTC(2026, 10, 20, 12);
    const h = setup(store, T);
    const all = await run(h, ["t4b-a"], 61, 20); // 12:00–13:00, the 13:00 result not flushed
    const ended = await h.reader.summary("t4b-a", T - HOUR_MS, h.clock.now());
    await h.history.flush(); // 12:00 is closed now; 13:00 is open
    const future = await h.reader.summary("t4b-a", T, T + 5 * HOUR_MS);
    assert.deepEqual([ended.count, future.count], [all.length, all.length]);
  });

  test("summaries(): 24h, 7d and 30d with uptime and percentiles, cached for 30 s", async () => {
    const D = Date.UTC(2026, 10, 15);
    const h = setup(store, D - 20 * DAY_MS + 22 * HOUR_MS);
    const old = await run(h, ["t5-a"], 120, 30, 1);
    await h.history.flush();
    h.clock.advance(D - 2 * DAY_MS + 22 * HOUR_MS - h.clock.now());
    const week = await run(h, ["t5-a"], 120, 30, 2);
    await h.history.flush();
    h.clock.advance(D + 8 * HOUR_MS - h.clock.now());
    const today = await run(h, ["t5-a"], 150, 30, 3); // 08:00–10:30
    const got = await h.reader.summaries(["t5-a", "t5-none"]);
    const expected = {
      "24h": today,
      "7d": [...week, ...today],
      "30d": [...old, ...week, ...today],
    };
    for (const [name, results] of Object.entries(expected)) {
      const s = got.get("t5-a")?.[name as keyof typeof expected];
      const e = exact(results);
      assert.ok(s, name);
      assert.deepEqual(pick(s), pick(e), name);
      assert.deepEqual([s.p50Ms, s.p95Ms, s.p99Ms], [e.p50Ms, e.p95Ms, e.p99Ms], name);
    }
    assert.deepEqual(
      [got.get("t5-none")?.["30d"].count, got.get("t5-none")?.["30d"].uptime],
      [0, null],
    );
    h.history.record(resultOf("t5-a", h.clock.now(), 3, 0)); // a timeout
    h.clock.advance(10_000);
    let again = await h.reader.summaries(["t5-a"]);
    assert.equal(again.get("t5-a")?.["24h"].count, today.length, "cached");
    h.clock.advance(21_000);
    again = await h.reader.summaries(["t5-a"]);
    assert.equal(again.get("t5-a")?.["24h"].count, today.length + 1);
    assert.equal(again.get("t5-a")?.["30d"].failures, exact(expected["30d"]).failures + 1);
  });

  test("a failed flush keeps everything for the next one", async () => {
    const T = Date.UTC(2026, 10, 19, 3);
    const h = setup(store, T);
    const all = await run(h, ["t6-a"], 30, 30);
    all.push(...(await run(h, ["t6-a"], 35, 1000))); // into 04:00: hour 03 is closing
    await sql`alter table check_failures rename to check_failures_off`.execute(store.db);
    try {
      await h.history.flush();
    } finally {
      await sql`alter table check_failures_off rename to check_failures`.execute(store.db);
    }
    assert.ok(h.lines.some((l) => l.includes("writing check history failed; will retry")));
    const counts = (s: Awaited<ReturnType<typeof stored>>) => [
      s.rows.map((r) => r.count),
      s.hourly.map((r) => r.count),
      s.failures.length,
    ];
    const written = failed(all.slice(0, 30)).length;
    assert.deepEqual(counts(await stored(store, "t6-a")), [[30], [], written], "as before");
    await h.history.flush();
    const retried = await stored(store, "t6-a");
    assert.deepEqual(counts(retried), [[60, 5], [60], failed(all).length]);
    assert.deepEqual(
      retried.rows.flatMap((r) => r.samples),
      all.map(view),
    );
    assert.deepEqual(retried.failures, failed(all), "each failure once, with its message");
  });

  test("prune: raw and hourly data past retention go, daily rollups stay", async () => {
    const X = Date.UTC(2026, 11, 20);
    const h = setup(store, X - 10 * DAY_MS + 22 * HOUR_MS);
    const at = (t: number) => h.clock.advance(t - h.clock.now());
    const all = await run(h, ["t7-a"], 120, 1000); // day X-10, 22:00–24:00
    await h.history.flush();
    for (const day of [X - 4 * DAY_MS, X - DAY_MS]) {
      at(day + 10 * HOUR_MS);
      all.push(...(await run(h, ["t7-a"], 60, 1000)));
      await h.history.flush();
    }
    at(X + 12 * HOUR_MS);
    all.push(...(await run(h, ["t7-a"], 1, 1)));
    const rowsNow = async () => {
      let n = 0;
      for (const t of ["check_samples", "check_failures", "check_rollups", "check_events"] as const)
        n += Number(
          (await sql<{ n: number }>`select count(*) as n from ${sql.table(t)}`.execute(store.db))
            .rows[0]?.n,
        );
      return n;
    };
    const rowsBefore = await rowsNow();
    h.history.opts = { ...LONG, rawRetentionMs: 2 * DAY_MS, hourlyRetentionMs: 5 * DAY_MS };
    const removed = await h.history.prune();
    assert.equal(removed, rowsBefore - (await rowsNow()) + 1, "less the daily row it derived");
    const cutRaw = X - 2 * DAY_MS + 12 * HOUR_MS;
    const kept = all.filter((r) => r.at >= cutRaw);
    const left = await stored(store, "t7-a");
    const hours = (rs: { hour?: number; bucket?: number }[]) => rs.map((r) => r.hour ?? r.bucket);
    assert.deepEqual(hours(left.rows), [X - DAY_MS + 10 * HOUR_MS, X + 12 * HOUR_MS]);
    assert.deepEqual(left.failures, failed(kept));
    assert.deepEqual(hours(left.hourly), [
      X - 4 * DAY_MS + 10 * HOUR_MS,
      X - DAY_MS + 10 * HOUR_MS,
    ]);
    assert.deepEqual(
      left.daily.map((r) => `${(X - r.bucket) / DAY_MS}d before: ${r.count}`),
      ["10d before: 120", "4d before: 60", "1d before: 60"],
    );
    // Past hourly retention a window is answered from the daily rollups.
    const old = await h.reader.summary("t7-a", X - 11 * DAY_MS, X - 9 * DAY_MS);
    assert.deepEqual(pick(old), pick(exact(all.slice(0, 120))));
    assert.equal((await h.reader.recent("t7-a", 1000)).length, kept.length);
  });
});
