/**
 * The rule service on SQLite and PostgreSQL: per-label-set alerts, `for` surviving a restart
 * (a new service on the same database continues the count), transitions on the bus and in
 * alert_events, a failing remote marking the rule unhealthy without touching its alerts, a
 * removed rule resolving its firing alerts, and the scheduler evaluating at its slots.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { RuleConfig } from "../../src/config/rules-schema.ts";
import { ManualClock } from "../../src/core/clock.ts";
import { EventBus, type UnyoEvents } from "../../src/core/events.ts";
import { createLogger } from "../../src/log/logger.ts";
import type { SeriesSamples } from "../../src/metrics/series.ts";
import { MemorySeriesReader, seriesFromPoints } from "../../src/rules/expr/memory-reader.ts";
import { RuleRepository } from "../../src/rules/rule-repository.ts";
import { type RemoteQuery, RuleService } from "../../src/rules/rule-service.ts";
import type { Store } from "../../src/store/store.ts";
import { forEachStore } from "../helpers/stores.ts";

const T0 = Date.parse("2026-11-23T00:00:00Z");
const MIN = 60_000;
const log = createLogger({ level: "error", destination: { write: () => {} } });

function rule(overrides: Partial<RuleConfig> = {}): RuleConfig {
  return {
    id: "cpu",
    expr: "cpu_percent",
    warning: "> 70",
    critical: "> 85",
    recover: "< 60",
    for: 2 * MIN,
    keep_firing_for: 0,
    every: MIN,
    no_data: "keep",
    labels: { team: "web" },
    annotations: { summary: "{{ $labels.host }} {{ $value }}% ({{ $level }})" },
    paused: false,
    ...overrides,
  };
}

/** cpu_percent per host, one sample a minute from T0: `values[host][i]` at T0 + i min. */
function reader(values: Record<string, number[]>): MemorySeriesReader {
  const series: SeriesSamples[] = Object.entries(values).map(([host, vs]) =>
    seriesFromPoints(
      { __name__: "cpu_percent", host },
      vs.map((v, i) => [T0 + i * MIN, v] as const),
    ),
  );
  return new MemorySeriesReader(series);
}

function service(store: Store, r: MemorySeriesReader, clock: ManualClock, remote?: RemoteQuery) {
  const bus = new EventBus((e) => {
    throw e;
  });
  const events: UnyoEvents["alert.transition"][] = [];
  bus.on("alert.transition", (e) => events.push(e));
  const health: UnyoEvents["rule.health"][] = [];
  bus.on("rule.health", (e) => health.push(e));
  const rules = new RuleService({
    repository: new RuleRepository(store.db),
    reader: r,
    remote: (id) => (id === "prom" ? remote : undefined),
    clock,
    log,
    bus,
  });
  return { rules, events, health };
}

const short = (e: UnyoEvents["alert.transition"]) =>
  `${(e.at - T0) / MIN} ${e.labels.host ?? "-"} ${e.from.state}/${e.from.level ?? ""}→${e.to.state}/${e.to.level ?? ""}`;

forEachStore("rule service", (stores) => {
  test("one alert per label set; `for` continues across a restart; state and events are stored", async () => {
    const store = await stores.open();
    const clock = new ManualClock(T0);
    const data = reader({
      a: [50, 75, 75, 75, 90, 90, 90, 50],
      b: [50, 50, 50, 50, 50, 50, 50, 50],
    });
    const first = service(store, data, clock);
    await first.rules.apply([rule()]);
    for (const m of [1, 2]) await first.rules.evaluate("cpu", T0 + m * MIN);
    await first.rules.flush();
    assert.deepEqual(first.events.map(short), ["1 a inactive/→pending/warning"]);

    // Restart: a new service on the same database; the pending alert keeps its start time.
    const second = service(store, data, clock);
    await second.rules.apply([rule()]);
    const pending = second.rules.get("cpu")?.alerts ?? [];
    assert.deepEqual(
      pending.map((a) => [a.identity.host, a.state, a.holdingSince.warning]),
      [["a", "pending", T0 + MIN]],
    );
    for (const m of [3, 4, 5, 6, 7]) await second.rules.evaluate("cpu", T0 + m * MIN);
    await second.rules.flush();
    assert.deepEqual(second.events.map(short), [
      "3 a pending/warning→firing/warning",
      "6 a firing/warning→firing/critical",
      "7 a firing/critical→inactive/",
    ]);
    const fired = second.events[0];
    assert.deepEqual(fired?.labels, {
      alertname: "cpu",
      host: "a",
      severity: "warning",
      team: "web",
    });
    assert.equal(fired?.annotations.summary, "a 75% (warning)");

    const stored = await new RuleRepository(store.db).events({ ruleId: "cpu", limit: 10 });
    assert.deepEqual(
      stored.map((e) => `${(e.at - T0) / MIN} ${e.to.state}/${e.to.level ?? ""} ${e.value}`),
      ["7 inactive/ 50", "6 firing/critical 90", "3 firing/warning 75", "1 pending/warning 75"],
    );
    const status = second.rules.get("cpu")?.status;
    assert.equal(status?.health, "ok");
    assert.equal(status?.series, 2);
    assert.equal(status?.lastEvalAt, T0 + 7 * MIN);
    const statusRows = await new RuleRepository(store.db).loadStatus();
    assert.equal(statusRows.get("cpu")?.lastEvalAt, T0 + 7 * MIN);
  });

  test("a failing remote marks the rule unhealthy and leaves its alerts alone", async () => {
    const store = await stores.open();
    const clock = new ManualClock(T0);
    let fail = false;
    const remote: RemoteQuery = {
      async query() {
        if (fail) throw new Error("connect ECONNREFUSED 127.0.0.1:9090");
        return { kind: "vector", samples: [{ labels: { instance: "x" }, value: 1 }] };
      },
    };
    const s = service(store, reader({}), clock, remote);
    const config = rule({
      id: "remote",
      expr: "up == 0",
      source: "prom",
      for: 0,
      severity: "critical",
    });
    delete (config as Partial<RuleConfig>).warning;
    delete (config as Partial<RuleConfig>).critical;
    delete (config as Partial<RuleConfig>).recover;
    await s.rules.apply([config]);
    await s.rules.evaluate("remote", T0);
    fail = true;
    const status = await s.rules.evaluate("remote", T0 + MIN);
    assert.equal(status.health, "error");
    assert.match(status.lastError ?? "", /ECONNREFUSED/);
    assert.deepEqual(
      s.rules.get("remote")?.alerts.map((a) => `${a.state}/${a.level}`),
      ["firing/critical"],
    );
    assert.deepEqual(
      s.health.map((h) => h.health),
      ["ok", "error"],
    );
    fail = false;
    await s.rules.evaluate("remote", T0 + 2 * MIN);
    assert.equal(s.health.at(-1)?.health, "ok");
    await s.rules.flush();
  });

  test("removing a rule resolves its firing alerts on the bus and forgets it", async () => {
    const store = await stores.open();
    const clock = new ManualClock(T0 + 3 * MIN);
    const s = service(store, reader({ a: [90, 90, 90, 90] }), clock);
    await s.rules.apply([rule({ for: 0 })]);
    await s.rules.evaluate("cpu", T0 + 3 * MIN);
    await s.rules.apply([]);
    assert.deepEqual(s.events.map(short), [
      "3 a inactive/→firing/critical",
      "3 a firing/critical→inactive/",
    ]);
    assert.equal(
      s.events[1]?.annotations.resolved_because,
      "the rule was removed from the configuration",
    );
    assert.deepEqual(s.rules.list(), []);
    const repo = new RuleRepository(store.db);
    assert.equal((await repo.loadAlerts()).size, 0);
    assert.equal((await repo.loadStatus()).size, 0);
  });

  test("the scheduler evaluates each rule at its slots", async () => {
    const store = await stores.open();
    const clock = new ManualClock(T0);
    const s = service(store, reader({ a: [90, 90, 90, 90, 90, 90] }), clock);
    await s.rules.apply([rule({ for: 0, every: MIN })]);
    s.rules.start();
    const next = s.rules.get("cpu")?.nextEvalAt ?? 0;
    assert.ok(next >= T0 && next < T0 + MIN, `first slot within one interval: ${next - T0}`);
    clock.advance(next - T0);
    for (let i = 0; i < 20 && !s.rules.get("cpu")?.status; i++)
      await new Promise((r) => setImmediate(r));
    assert.equal(s.rules.get("cpu")?.status?.lastEvalAt, next);
    assert.equal(s.rules.get("cpu")?.nextEvalAt, next + MIN);
    await s.rules.stop();
  });
});
