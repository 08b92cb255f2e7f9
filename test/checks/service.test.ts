import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { CheckHistory } from "../../src/checks/history/history.ts";
import { HistoryReader } from "../../src/checks/history/history-reader.ts";
import { CheckRepository } from "../../src/checks/repository.ts";
import { CheckService } from "../../src/checks/service.ts";
import { loadConfigText } from "../../src/config/load.ts";
import type { CheckConfig } from "../../src/config/schema.ts";
import { systemClock } from "../../src/core/clock.ts";
import { EventBus, type UnyoEvents } from "../../src/core/events.ts";
import { createLogger } from "../../src/log/logger.ts";
import { createMetrics } from "../../src/metrics/registry.ts";
import type { Store } from "../../src/store/store.ts";
import { nextEvent } from "../helpers/events.ts";
import { forEachStore } from "../helpers/stores.ts";

type Mode = "up" | "down" | "hang";

/** The monitored service: answers per `mode`; `/hang` requests are reported, never answered. */
function target() {
  let mode: Mode = "up";
  const hung: ((req: IncomingMessage) => void)[] = [];
  const server = createServer((req, res) => {
    if (mode === "hang") {
      for (const notify of hung.splice(0)) notify(req);
      return;
    }
    res.writeHead(mode === "up" ? 200 : 500, { "content-type": "application/json" });
    res.end(JSON.stringify({ database: mode === "up" ? "connected" : "disconnected" }));
  });
  return {
    server,
    url: "",
    set(next: Mode) {
      mode = next;
    },
    /** Resolves when the next request arrives while hanging. */
    nextHungRequest(): Promise<IncomingMessage> {
      return new Promise((resolve) => hung.push(resolve));
    },
  };
}

function checkConfig(id: string, url: string, every: string): CheckConfig {
  const yaml = `checks:
  - id: ${id}
    http:
      url: ${url}
    every: ${every}
    expect:
      - status == 200
`;
  const loaded = loadConfigText(yaml, { file: "t.yaml", env: {} });
  if (!loaded.ok) assert.fail(JSON.stringify(loaded.problems));
  const [check] = loaded.value.config.checks;
  assert.ok(check);
  return check;
}

function harness(store: Store) {
  const lines: string[] = [];
  const bus = new EventBus();
  const transitions: UnyoEvents["check.transition"][] = [];
  const results: UnyoEvents["check.result"][] = [];
  bus.on("check.transition", (t) => transitions.push(t));
  bus.on("check.result", (r) => results.push(r));
  const repository = new CheckRepository(store.db);
  const metrics = createMetrics("test");
  const log = createLogger({
    level: "debug",
    destination: { write: (s: string) => lines.push(s) },
  });
  const history = new CheckHistory(store.db, systemClock, log, {
    flushIntervalMs: 60_000,
    rawRetentionMs: 7 * 86_400_000,
    hourlyRetentionMs: 90 * 86_400_000,
    dailyRetentionMs: 400 * 86_400_000,
  });
  const reader = new HistoryReader(store.db, systemClock, history);
  const make = () =>
    new CheckService({
      repository,
      history,
      clock: systemClock,
      log,
      metrics,
      bus,
      baseUrl: () => "http://127.0.0.1:1",
    });
  return { lines, bus, transitions, results, repository, reader, metrics, make };
}

forEachStore("CheckService", (stores) => {
  const web = target();
  before(async () => {
    web.server.listen(0, "127.0.0.1");
    await once(web.server, "listening");
    web.url = `http://127.0.0.1:${(web.server.address() as AddressInfo).port}/health`;
  });
  after(() => {
    web.server.closeAllConnections();
    web.server.close();
  });

  test("records results and moves pending → up → down → up with the target", async () => {
    const store = await stores.open();
    const h = harness(store);
    const service = h.make();
    const check = checkConfig("api", web.url, "100ms");
    web.set("up");
    try {
      const up = nextEvent(h.bus, "check.transition", (t) => t.to === "up");
      await service.start([check]);
      assert.equal(service.get("api")?.state.state, "pending", "pending before the first run");
      const wentUp = await up;
      assert.equal(wentUp.checkId, "api");
      assert.equal(wentUp.from, "pending");
      assert.equal(wentUp.message, null);

      const down = nextEvent(h.bus, "check.transition", (t) => t.to === "down");
      web.set("down");
      const wentDown = await down;
      assert.equal(wentDown.from, "up");
      assert.equal(wentDown.message, "status: expected 200, got 500");

      const back = nextEvent(h.bus, "check.transition", (t) => t.to === "up");
      web.set("up");
      assert.equal((await back).from, "down");
    } finally {
      await service.stop(1000);
    }

    assert.deepEqual(
      h.transitions.map((t) => `${t.from}→${t.to}`),
      ["pending→up", "up→down", "down→up"],
    );
    const state = service.get("api")?.state;
    assert.equal(state?.state, "up");
    assert.equal(state?.consecutiveFailures, 0);
    assert.equal(state?.lastMessage, null);
    assert.equal(state?.since, h.transitions[2]?.at);

    const stored = (await h.repository.loadStates()).get("api");
    assert.deepEqual(
      [stored?.state, stored?.since, stored?.consecutiveFailures],
      [state?.state, state?.since, state?.consecutiveFailures],
      "the store holds the same state as memory",
    );

    const recorded = await h.reader.recent("api", 1000);
    assert.equal(recorded.length, h.results.length, "every result is recorded");
    assert.ok(recorded.length >= 3);
    const failed = recorded.find((r) => r.outcome === "assertion");
    assert.equal(failed?.message, "status: expected 200, got 500", "failures keep their message");
    assert.equal(recorded[0]?.outcome, "ok", "newest first");
    const events = await h.repository.events("api", 10);
    assert.deepEqual(
      events.map((e) => `${e.from}→${e.to}`),
      ["down→up", "up→down", "pending→up"],
      "every transition is stored",
    );
    const times = recorded.map((r) => r.at);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
    );

    const logged = h.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const downLine = logged.find((l) => l.message === "check api is down");
    assert.equal(downLine?.level, "WARNING");
    assert.equal(downLine?.from, "up");
    assert.equal(downLine?.reason, "status: expected 200, got 500");
    assert.ok(logged.some((l) => l.message === "check api is up" && l.level === "INFO"));

    const runs = await h.metrics.checkRuns.get();
    const count = (outcome: string) =>
      runs.values.find((v) => v.labels.check === "api" && v.labels.outcome === outcome)?.value ?? 0;
    assert.equal(count("up") + count("down"), recorded.length);
    assert.ok(count("down") >= 1);
  });

  test("counts consecutive failures and emits one transition for them", async () => {
    const store = await stores.open();
    const h = harness(store);
    const service = h.make();
    web.set("down");
    try {
      await service.start([checkConfig("flaky", web.url, "100ms")]);
      await nextEvent(h.bus, "check.result", () => h.results.length >= 3);
    } finally {
      await service.stop(1000);
    }
    const state = (await h.repository.loadStates()).get("flaky");
    assert.equal(state?.state, "down");
    assert.equal(state?.consecutiveFailures, h.results.length);
    assert.ok(h.results.every((r) => !r.ok && r.errorKind === "assertion"));
    assert.deepEqual(
      h.transitions.map((t) => `${t.from}→${t.to}`),
      ["pending→down"],
    );
    assert.equal(state?.since, h.transitions[0]?.at, "since marks the first failure");
  });

  test("state survives a new CheckService on the same store", async () => {
    const store = await stores.open();
    const first = harness(store);
    const check = checkConfig("persist", web.url, "100ms");
    web.set("up");
    const service = first.make();
    try {
      const up = nextEvent(first.bus, "check.transition", (t) => t.to === "up");
      await service.start([check]);
      await up;
    } finally {
      await service.stop(1000);
    }
    const before = (await first.repository.loadStates()).get("persist");
    assert.equal(before?.state, "up");

    // A restart: new repository, bus and service over the same database.
    const second = harness(store);
    const restarted = second.make();
    web.set("down");
    try {
      const down = nextEvent(second.bus, "check.transition");
      await restarted.start([check]);
      assert.equal(restarted.get("persist")?.state.state, before?.state, "loaded before any run");
      const transition = await down;
      assert.equal(transition.from, "up", "the first transition starts from the stored state");
      assert.equal(transition.to, "down");
    } finally {
      await restarted.stop(1000);
    }
  });

  test("stop during a slow request records it as interrupted and keeps the state", async () => {
    const store = await stores.open();
    const h = harness(store);
    const service = h.make();
    // The probe deadline is min(timeout, every) = 500 ms: far beyond the 20 ms grace below.
    const check = checkConfig("slow", web.url, "500ms");
    web.set("up");
    let stopped = false;
    try {
      const up = nextEvent(h.bus, "check.transition", (t) => t.to === "up");
      await service.start([check]);
      await up;
      const upState = service.get("slow")?.state;

      web.set("hang");
      await web.nextHungRequest();
      const interrupted = nextEvent(h.bus, "check.result");
      await service.stop(20);
      stopped = true;
      const result = await interrupted;
      assert.equal(result.ok, false);
      assert.equal(result.errorKind, "interrupted");
      assert.equal(result.message, "interrupted by shutdown");

      const state = (await h.repository.loadStates()).get("slow");
      assert.equal(state?.state, "up", "an interrupted run says nothing about the target");
      assert.equal(state?.consecutiveFailures, 0);
      assert.equal(state?.lastRunAt, upState?.lastRunAt);
      assert.equal(state?.since, upState?.since);
      // Interrupted runs are not history: they say nothing about the target.
      const [latest] = await h.reader.recent("slow", 1);
      assert.equal(latest?.outcome, "ok");
      assert.deepEqual(
        h.transitions.map((t) => `${t.from}→${t.to}`),
        ["pending→up"],
      );
      const runs = await h.metrics.checkRuns.get();
      assert.equal(
        runs.values.filter((v) => v.labels.check === "slow").reduce((n, v) => n + v.value, 0),
        1,
        "interrupted runs are not counted as outcomes",
      );
    } finally {
      if (!stopped) await service.stop(20);
      web.set("up");
    }
  });

  test("a paused check does not run and reads as paused", async () => {
    const store = await stores.open();
    const h = harness(store);
    const service = h.make();
    const paused = { ...checkConfig("resting", web.url, "100ms"), paused: true };
    const active = checkConfig("active", web.url, "100ms");
    web.set("up");
    try {
      await service.start([paused, active]);
      await nextEvent(h.bus, "check.result", () => h.results.length >= 3);
    } finally {
      await service.stop(1000);
    }
    assert.ok(h.results.every((r) => r.checkId === "active"));
    assert.equal(service.get("resting")?.state?.state, "paused");
    assert.deepEqual(
      service.list().map((c) => [c.config.id, c.state?.state]),
      [
        ["resting", "paused"],
        ["active", "up"],
      ],
    );
  });
});
