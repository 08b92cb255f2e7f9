import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { CheckHistory } from "../../src/checks/history/history.ts";
import { HistoryReader } from "../../src/checks/history/history-reader.ts";
import { CheckRepository } from "../../src/checks/repository.ts";
import { CheckService, emptyState } from "../../src/checks/service.ts";
import { loadConfigText } from "../../src/config/load.ts";
import type { CheckConfig } from "../../src/config/schema.ts";
import { type Clock, ManualClock, systemClock } from "../../src/core/clock.ts";
import { EventBus, type UnyoEvents } from "../../src/core/events.ts";
import { createLogger } from "../../src/log/logger.ts";
import { createMetrics } from "../../src/metrics/registry.ts";
import type { Store } from "../../src/store/store.ts";
import { nextEvent } from "../helpers/events.ts";
import { forEachStore } from "../helpers/stores.ts";

const T = Date.UTC(2026, 10, 23, 0, 0, 0);

/** The monitored service: `/t/<name>` answers `status[name]` (200), after `delayMs[name]`. */
function target() {
  const status = new Map<string, number>();
  const failFirst = new Map<string, number>();
  const delayMs = new Map<string, number>();
  const requests: { name: string; at: number }[] = [];
  const server = createServer((req, res) => {
    const name = (req.url ?? "").replace("/t/", "");
    requests.push({ name, at: Date.now() });
    const left = failFirst.get(name) ?? 0;
    if (left > 0) failFirst.set(name, left - 1);
    const code = left > 0 ? 503 : (status.get(name) ?? 200);
    setTimeout(() => res.writeHead(code).end("{}"), delayMs.get(name) ?? 0);
  });
  const hits = (name: string) => requests.filter((r) => r.name === name).length;
  return { server, base: "", status, failFirst, delayMs, requests, hits };
}

function checkConfig(id: string, url: string, extra = "", every = "10s"): CheckConfig {
  const yaml = `checks:\n  - id: ${id}\n    http:\n      url: ${url}\n    every: ${every}\n${extra}`;
  const loaded = loadConfigText(yaml, { file: "t.yaml", env: {} });
  if (!loaded.ok) assert.fail(JSON.stringify(loaded.problems));
  const [check] = loaded.value.config.checks;
  assert.ok(check);
  return check;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function harness<C extends Clock>(store: Store, clock: C, random?: () => number) {
  const bus = new EventBus();
  const transitions: string[] = [];
  const results: UnyoEvents["check.result"][] = [];
  bus.on("check.transition", (t) => transitions.push(`${t.checkId}:${t.from}→${t.to}`));
  bus.on("check.result", (r) => results.push(r));
  const log = createLogger({ level: "debug", destination: { write: () => {} } });
  const history = new CheckHistory(store.db, clock, log, {
    flushIntervalMs: 60_000,
    rawRetentionMs: 7 * 86_400_000,
    hourlyRetentionMs: 90 * 86_400_000,
    dailyRetentionMs: 400 * 86_400_000,
  });
  const repository = new CheckRepository(store.db);
  const service = new CheckService({
    repository,
    history,
    clock,
    log,
    metrics: createMetrics("test"),
    bus,
    baseUrl: () => "http://127.0.0.1:1",
    ...(random ? { random } : {}),
  });
  const reader = new HistoryReader(store.db, clock, history);
  const of = (id: string) => transitions.filter((t) => t.startsWith(`${id}:`));
  return { clock, bus, transitions: of, results, repository, reader, history, service };
}

forEachStore("checks engine", (stores) => {
  const web = target();
  let store: Store;
  const url = (name: string) => `${web.base}/t/${name}`;
  const run = (service: CheckService, id: string) =>
    service.runNow(id, new AbortController().signal);
  before(async () => {
    web.server.listen(0, "127.0.0.1");
    await once(web.server, "listening");
    web.base = `http://127.0.0.1:${(web.server.address() as AddressInfo).port}`;
    store = await stores.open();
  });
  after(() => {
    web.server.closeAllConnections();
    web.server.close();
  });

  test("failure_threshold 3: up through two failures, down on the third", async () => {
    const h = harness(store, new ManualClock(T));
    await h.service.start([checkConfig("ft", url("ft"), "    failure_threshold: 3\n")]);
    try {
      await run(h.service, "ft");
      web.status.set("ft", 500);
      const seen: [string | undefined, number | undefined][] = [];
      for (let i = 0; i < 3; i++) {
        await run(h.service, "ft");
        const s = h.service.get("ft")?.state;
        seen.push([s?.state, s?.consecutiveFailures]);
      }
      assert.deepEqual(seen, [
        ["up", 1],
        ["up", 2],
        ["down", 3],
      ]);
      assert.deepEqual(h.transitions("ft"), ["ft:pending→up", "ft:up→down"]);
      const events = await h.repository.events("ft", 10);
      assert.deepEqual(
        events.map((e) => [e.from, e.to, e.message]),
        [
          ["up", "down", "status: expected < 400, got 500"],
          ["pending", "up", null],
        ],
      );
      assert.equal((await h.repository.loadStates()).get("ft")?.state, "down");
    } finally {
      await h.service.stop(1000);
    }
  });

  test("success_threshold 2: a down check is up only after two passes in a row", async () => {
    const h = harness(store, new ManualClock(T));
    await h.service.start([checkConfig("st", url("st"), "    success_threshold: 2\n")]);
    try {
      const states: (string | undefined)[] = [];
      for (const code of [500, 200, 500, 200, 200]) {
        web.status.set("st", code);
        await run(h.service, "st");
        states.push(h.service.get("st")?.state.state);
      }
      assert.deepEqual(states, ["down", "down", "down", "down", "up"]);
      assert.deepEqual(h.transitions("st"), ["st:pending→down", "st:down→up"]);
      const stored = (await h.repository.loadStates()).get("st");
      assert.deepEqual([stored?.state, stored?.consecutiveFailures], ["up", 0]);
    } finally {
      await h.service.stop(1000);
    }
  });

  test("retries: two failed attempts then a pass is one passing result of 3 attempts", async () => {
    const h = harness(store, new ManualClock(T));
    const extra = "    retries: 2\n    retry_delay: 10ms\n";
    await h.service.start([checkConfig("rt", url("rt"), extra)]);
    try {
      web.failFirst.set("rt", 2);
      const started = performance.now();
      const passed = await run(h.service, "rt");
      assert.ok(performance.now() - started >= 19, "waited retry_delay twice");
      assert.deepEqual([passed.ok, passed.attempts, web.hits("rt")], [true, 3, 3]);
      web.failFirst.set("rt", 5);
      const failed = await run(h.service, "rt");
      assert.deepEqual([failed.ok, failed.attempts, failed.errorKind], [false, 3, "assertion"]);
      assert.equal(web.hits("rt"), 6);
      assert.deepEqual(
        h.results.filter((r) => r.checkId === "rt").map((r) => r.ok),
        [true, false],
        "one result per run, not per attempt",
      );
      const recent = await h.reader.recent("rt", 10);
      assert.deepEqual(
        recent.map((r) => r.outcome),
        ["assertion", "ok"],
      );
    } finally {
      await h.service.stop(1000);
    }
  });

  test("runNow records a result at the current time", async () => {
    const h = harness(store, new ManualClock(T));
    await h.service.start([checkConfig("rn", url("rn"))]);
    try {
      h.clock.advance(1234);
      const result = await run(h.service, "rn");
      assert.equal(result.ok, true);
      const [latest, ...older] = await h.reader.recent("rn", 10);
      assert.equal(older.length, 0);
      assert.deepEqual([latest?.at, latest?.outcome], [T + 1234, "ok"]);
      assert.deepEqual(
        [h.service.get("rn")?.state.state, h.service.get("rn")?.state.lastRunAt],
        ["up", T + 1234],
      );
      assert.equal(h.results.length, 1);
    } finally {
      await h.service.stop(1000);
    }
  });

  test("degraded: only the response-time assertion fails", async () => {
    const h = harness(store, new ManualClock(T));
    const extra = "    expect:\n      - status == 200\n      - response_time < 20ms\n";
    web.delayMs.set("dg", 80);
    await h.service.start([checkConfig("dg", url("dg"), extra)]);
    try {
      const result = await run(h.service, "dg");
      assert.deepEqual([result.ok, result.degraded, result.errorKind], [false, true, "assertion"]);
      assert.equal(h.service.get("dg")?.state.state, "degraded");
      assert.deepEqual(h.transitions("dg"), ["dg:pending→degraded"]);
      await h.history.flush();
      const [latest] = await h.reader.recent("dg", 1);
      assert.equal(latest?.outcome, "degraded");
      assert.match(latest?.message ?? "", /response_time/);
    } finally {
      await h.service.stop(1000);
    }
  });

  test("maintenance: shown over the judged state, results still recorded", async () => {
    const h = harness(store, new ManualClock(T));
    await h.service.start([checkConfig("mt", url("mt"))]);
    try {
      await run(h.service, "mt");
      await h.service.setMaintenance("mt", true);
      assert.equal(h.service.get("mt")?.state.state, "maintenance");
      web.status.set("mt", 500);
      await run(h.service, "mt");
      assert.equal(h.service.get("mt")?.state.state, "maintenance");
      assert.equal((await h.reader.recent("mt", 10)).length, 2, "results are still recorded");
      assert.equal((await h.repository.loadStates()).get("mt")?.state, "down", "judged");
      await h.service.setMaintenance("mt", false);
      assert.equal(h.service.get("mt")?.state.state, "down");
      assert.deepEqual(h.transitions("mt"), [
        "mt:pending→up",
        "mt:up→maintenance",
        "mt:maintenance→down",
      ]);
      const events = await h.repository.events("mt", 10);
      assert.deepEqual(
        events.map((e) => e.message),
        ["maintenance ended", "maintenance began", null],
      );
    } finally {
      await h.service.stop(1000);
    }
  });

  test("pause: no runs, persisted across a restart, resume runs again", async () => {
    const check = checkConfig("ps", url("ps"));
    const control = checkConfig("ps-ctl", url("ps-ctl"));
    const first = harness(store, new ManualClock(T));
    await first.service.start([check, control]);
    const paused = await first.service.pause("ps", "alice");
    assert.deepEqual([paused.state, paused.pausedBy, paused.pausedAt], ["paused", "alice", T]);
    assert.equal(first.service.nextDue("ps"), undefined);
    const ran = nextEvent(first.bus, "check.result", (r) => r.checkId === "ps-ctl");
    first.clock.advance(10_000); // a whole interval: the control check runs, the paused one not
    await ran;
    await first.service.stop(1000);
    assert.equal(web.hits("ps"), 0);
    const stored = (await first.repository.loadStates()).get("ps");
    assert.deepEqual([stored?.state, stored?.pausedBy], ["pending", "alice"]);
    assert.deepEqual(first.transitions("ps"), ["ps:pending→paused"]);

    const second = harness(store, new ManualClock(T + 60_000));
    await second.service.start([check, control]);
    try {
      const view = second.service.get("ps")?.state;
      assert.deepEqual([view?.state, view?.pausedBy], ["paused", "alice"]);
      assert.equal(second.service.nextDue("ps"), undefined);
      const ctl = nextEvent(second.bus, "check.result", (r) => r.checkId === "ps-ctl");
      second.clock.advance(10_000);
      await ctl;
      assert.equal(web.hits("ps"), 0);

      const resumed = await second.service.resume("ps");
      assert.deepEqual([resumed.state, resumed.pausedBy], ["pending", null]);
      const due = second.service.nextDue("ps");
      const now = second.clock.now();
      assert.ok(due !== undefined && due >= now && due < now + 10_000);
      const up = nextEvent(second.bus, "check.transition", (t) => t.checkId === "ps");
      second.clock.advance(due - now);
      assert.equal((await up).to, "up");
      assert.equal(web.hits("ps"), 1);
      assert.deepEqual(second.transitions("ps"), ["ps:paused→pending", "ps:pending→up"]);
      assert.equal((await second.repository.loadStates()).get("ps")?.pausedBy, null);
    } finally {
      await second.service.stop(1000);
    }
  });

  test("next-due: a restart before the slot keeps it; after it, one run soon, no burst", async () => {
    const check = checkConfig("nd", url("nd"));
    const first = harness(store, new ManualClock(T));
    await first.service.start([check]);
    const slot = first.service.nextDue("nd") as number;
    assert.ok(slot > T && slot < T + 10_000, "first run spread within the interval");
    assert.equal((await first.repository.loadStates()).get("nd")?.nextDueAt, slot);
    await first.service.stop(1000);

    const early = harness(store, new ManualClock(T + 1));
    await early.service.start([check]);
    assert.equal(early.service.nextDue("nd"), slot, "the same slot");
    await early.service.stop(1000);
    assert.equal(web.hits("nd"), 0);

    const restartAt = slot + 25_000; // two slots were missed while down
    const late = harness(store, new ManualClock(restartAt));
    await late.service.start([check]);
    try {
      const next = late.service.nextDue("nd") as number;
      assert.ok(next >= restartAt && next < restartAt + 10_000, `${next - restartAt} ms`);
      assert.equal((await late.repository.loadStates()).get("nd")?.nextDueAt, next);
      const ran = nextEvent(late.bus, "check.result", (r) => r.checkId === "nd");
      late.clock.advance(next - restartAt);
      assert.equal((await ran).at, next);
      await sleep(30);
      assert.equal(web.hits("nd"), 1, "missed slots are not made up");
      assert.equal(late.service.nextDue("nd"), next + 10_000);
    } finally {
      await late.service.stop(1000);
    }
  });

  test("jitter: random 0.5 with jitter 200ms starts the run ~100 ms after its slot", async () => {
    const h = harness(store, systemClock, () => 0.5);
    const jittered = checkConfig("jt", url("jt"), "    jitter: 200ms\n", "300ms");
    const plain = checkConfig("jt0", url("jt0"), "", "300ms");
    const ran = (id: string) => h.results.some((r) => r.checkId === id);
    const both = nextEvent(h.bus, "check.result", () => ran("jt") && ran("jt0"));
    // Stored next-due slots (kept on start) say exactly when each run is due.
    const slot = Date.now() + 250;
    const slots = { jt: slot, jt0: slot };
    for (const id of ["jt", "jt0"])
      await h.repository.save({ ...emptyState(id, T), nextDueAt: slot }, T);
    await h.service.start([jittered, plain]);
    assert.deepEqual([h.service.nextDue("jt"), h.service.nextDue("jt0")], [slot, slot]);
    try {
      await both;
    } finally {
      await h.service.stop(1000);
    }
    const late = (id: "jt" | "jt0") =>
      (h.results.find((r) => r.checkId === id)?.at ?? Number.NaN) - slots[id];
    const arrived = (web.requests.find((r) => r.name === "jt")?.at ?? Number.NaN) - slots.jt;
    assert.ok(late("jt") >= 99 && late("jt") < 200, `jittered run ${late("jt")} ms after`);
    assert.ok(arrived >= 99 && arrived < 220, `request ${arrived} ms after its slot`);
    assert.ok(late("jt0") >= 0 && late("jt0") < 60, `plain run ${late("jt0")} ms after`);
  });
});
