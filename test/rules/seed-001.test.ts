/**
 * Seed 001 §2 and §9, run: the rules of examples/seed-001/unyo.yaml, exactly as written, over
 * synthetic node_exporter / postgres_exporter / application series in the real embedded
 * store, evaluated minute by minute (each rule on its own `every`). Every warning, critical
 * and recovery transition, and its minute, is asserted — and nothing else may happen.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { loadConfigFile } from "../../src/config/load.ts";
import type { UnyoConfig } from "../../src/config/schema.ts";
import { ManualClock } from "../../src/core/clock.ts";
import { EventBus, type UnyoEvents } from "../../src/core/events.ts";
import { createLogger, type Log } from "../../src/log/logger.ts";
import type { IngestSample } from "../../src/metrics/series.ts";
import { SeriesStore } from "../../src/metrics/store/series-store.ts";
import { RuleRepository } from "../../src/rules/rule-repository.ts";
import { RuleService, type RuleServiceDeps } from "../../src/rules/rule-service.ts";
import { openStore, type Store } from "../../src/store/store.ts";

const T0 = Date.parse("2026-11-02T00:00:00Z");
const MIN = 60_000;
const STEP = 15_000; // scrape interval
const GiB = 1024 ** 3;

/** A value per minute: `[[fromMinute, value], …]`, each entry holding until the next. */
type Schedule = [fromMinute: number, value: number][];
const at = (schedule: Schedule, minute: number) =>
  schedule.filter(([from]) => from <= minute).at(-1)?.[1] ?? Number.NaN;
/** The minute a sample at `ms` belongs to: samples in (m−1, m] describe minute m. */
const minuteOf = (ms: number) => Math.ceil((ms - T0) / MIN);

// The story (CPU and memory in %, connections, latency in s, error ratio in %):
const CPU: Record<string, Schedule> = {
  "web-1:9100": [
    [0, 50],
    [6, 75],
    [9, 90],
    [11, 80],
    [12, 65],
    [14, 55],
  ],
  "web-2:9100": [[0, 30]],
  "api-1:9100": [
    [0, 40],
    [30, 72],
    [63, 50],
  ],
  "db-1:9100": [[0, 35]],
};
const MEMORY: Record<string, Schedule> = {
  "web-1:9100": [[0, 50]],
  "web-2:9100": [
    [0, 60],
    [20, 85],
    [23, 92],
    [24, 75],
    [25, 65],
  ],
  "api-1:9100": [[0, 50]],
  "db-1:9100": [[0, 40]],
};
const ROLES: Record<string, string> = {
  "web-1:9100": "web",
  "web-2:9100": "web",
  "api-1:9100": "api",
  "db-1:9100": "db",
};
const CONNECTIONS: Schedule = [
  [0, 50],
  [40, 95],
  [41, 101],
  [42, 85],
  [43, 78],
];
const LATENCY_S: Schedule = [
  [0, 0.2],
  [45, 0.6],
  [47, 1.2],
  [48, 0.25],
];
const ERROR_PERCENT: Schedule = [
  [0, 0.02],
  [50, 0.5],
  [51, 2],
  [52, 0.04],
];
const STORAGE_USED: Schedule = [
  [0, 65],
  [55, 71],
];
const REQUESTS_PER_S = 10;
const STORAGE_SIZE = 500 * GiB;

/** Counters, integrated step by step from the schedules' rates. */
const counters = new Map<string, number>();
function counter(key: string, increment: number): number {
  const value = (counters.get(key) ?? 0) + increment;
  counters.set(key, value);
  return value;
}

/** Every series' samples at time `ms` (a scrape of every target). */
function scrape(ms: number): IngestSample[] {
  const m = minuteOf(ms);
  const out: IngestSample[] = [];
  const push = (name: string, labels: Record<string, string>, value: number) =>
    out.push({ name, labels, value, timestampMs: ms });
  for (const [instance, role] of Object.entries(ROLES)) {
    const job = `node-${instance.split(":")[0]}`;
    const base = { job, instance, role };
    const idle = ms === T0 ? 0 : (STEP / 1000) * (1 - at(CPU[instance] as Schedule, m) / 100);
    push(
      "node_cpu_seconds_total",
      { ...base, cpu: "0", mode: "idle" },
      counter(`idle ${instance}`, idle),
    );
    push("node_memory_MemTotal_bytes", base, 16 * GiB);
    const used = at(MEMORY[instance] as Schedule, m) / 100;
    push("node_memory_MemAvailable_bytes", base, 16 * GiB * (1 - used));
    if (role === "db") {
      const fs = {
        ...base,
        device: "/dev/sdb1",
        fstype: "ext4",
        mountpoint: "/var/lib/postgresql",
      };
      push("node_filesystem_size_bytes", fs, STORAGE_SIZE);
      push("node_filesystem_avail_bytes", fs, STORAGE_SIZE * (1 - at(STORAGE_USED, m) / 100));
    }
  }
  const db = { job: "postgres", instance: "db-1:9187", role: "db" };
  const connections = at(CONNECTIONS, m);
  push(
    "pg_stat_activity_count",
    { ...db, datname: "app", state: "active" },
    Math.floor(connections / 2),
  );
  push(
    "pg_stat_activity_count",
    { ...db, datname: "app", state: "idle" },
    Math.ceil(connections / 2),
  );

  const api = { job: "api", instance: "api-1:3000", role: "api" };
  const requests = ms === T0 ? 0 : REQUESTS_PER_S * (STEP / 1000);
  const errors = requests * (at(ERROR_PERCENT, m) / 100);
  push("http_requests_total", { ...api, status: "200" }, counter("200", requests - errors));
  push("http_requests_total", { ...api, status: "500" }, counter("500", errors));
  push("http_request_duration_seconds_count", api, counter("count", requests));
  push("http_request_duration_seconds_sum", api, counter("sum", requests * at(LATENCY_S, m)));
  return out;
}

describe("seed 001 §2 監視項目 and §9 scaling, from examples/seed-001/unyo.yaml", () => {
  let dir: string;
  let store: Store;
  let config: UnyoConfig;
  const clock = new ManualClock(T0);
  const bus = new EventBus((error) => {
    throw error;
  });
  const seen: string[] = [];
  const events: UnyoEvents["alert.transition"][] = [];
  bus.on("alert.transition", (e) => {
    events.push(e);
    const who = e.labels.instance ?? e.labels.role ?? "-";
    const show = (s: { state: string; level: string | null }) =>
      s.state === "inactive" ? "inactive" : `${s.state}/${s.level}`;
    seen.push(`m${(e.at - T0) / MIN} ${e.ruleId} ${who} ${show(e.from)} → ${show(e.to)}`);
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "unyo-seed001-"));
    store = await openStore({ kind: "sqlite", path: join(dir, "unyo.db") });
    const loaded = await loadConfigFile("examples/seed-001/unyo.yaml", {});
    assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.problems));
    config = loaded.value.config;
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The embedded metric store on the test database, with the config's retention and limits. */
  async function openSeries(seriesClock: ManualClock, log: Log): Promise<SeriesStore> {
    const series = new SeriesStore({
      db: store.db,
      clock: seriesClock,
      log,
      options: { retention: config.metrics.retention, limits: config.metrics.limits },
    });
    await series.open();
    return series;
  }

  /** A rule service on the test database, with no remote back-ends. */
  const ruleService = (deps: Pick<RuleServiceDeps, "reader" | "clock" | "log" | "bus">) =>
    new RuleService({ repository: new RuleRepository(store.db), remote: () => undefined, ...deps });

  test("every row of §2 and the §9 triggers fire, escalate and recover at the expected minute", async () => {
    assert.deepEqual(
      config.rules.map((r) => r.id),
      [
        "web-cpu",
        "web-memory",
        "api-cpu",
        "api-memory",
        "db-cpu",
        "db-connections",
        "api-response-time",
        "api-error-rate",
        "scale-out",
        "db-storage",
        "db-storage-forecast",
      ],
    );
    const log = createLogger({ level: "error", destination: { write: () => {} } });
    const series = await openSeries(clock, log);
    const rules = ruleService({ reader: series, clock, log, bus });
    await rules.apply(config.rules);

    for (let ms = T0; ms <= T0 + 65 * MIN; ms += STEP) {
      clock.advance(ms - clock.now());
      const result = series.append(scrape(ms));
      assert.deepEqual(result.rejected, []);
      if ((ms - T0) % MIN !== 0 || ms === T0) continue;
      for (const rule of config.rules) {
        // Each rule at the slots of its own interval (监视间隔), as the scheduler would.
        if ((ms - T0) % rule.every === 0) {
          const status = await rules.evaluate(rule.id, ms);
          assert.equal(status.health, "ok", `${rule.id}: ${status.lastError}`);
        }
      }
    }
    await rules.flush();

    assert.deepEqual(seen, [
      // Webサーバー CPU: 70% warning, 85% critical, back to normal (≤ 60%) to recover.
      "m6 web-cpu web-1:9100 inactive → firing/warning",
      "m9 web-cpu web-1:9100 firing/warning → firing/critical",
      "m11 web-cpu web-1:9100 firing/critical → firing/warning",
      // m12–13 at 65%: above the normal range, still a warning (hysteresis).
      "m14 web-cpu web-1:9100 firing/warning → inactive",
      // Webサーバー メモリ: 80% / 90%, normal ≤ 70%.
      "m20 web-memory web-2:9100 inactive → firing/warning",
      "m23 web-memory web-2:9100 firing/warning → firing/critical",
      "m24 web-memory web-2:9100 firing/critical → firing/warning",
      "m25 web-memory web-2:9100 firing/warning → inactive",
      // APIサーバー CPU at 72% from minute 30: a warning at once, and §9 scale-out after
      // 30 minutes of ≥ 70% (pending first, never notified while pending).
      "m30 api-cpu api-1:9100 inactive → firing/warning",
      "m30 scale-out api inactive → pending/warning",
      // DB 接続数: 90 / 100, normal ≤ 80.
      "m40 db-connections db-1:9187 inactive → firing/warning",
      "m41 db-connections db-1:9187 firing/warning → firing/critical",
      "m42 db-connections db-1:9187 firing/critical → firing/warning",
      "m43 db-connections db-1:9187 firing/warning → inactive",
      // API レスポンスタイム: 500 ms / 1000 ms, normal ≤ 300 ms.
      "m45 api-response-time - inactive → firing/warning",
      "m47 api-response-time - firing/warning → firing/critical",
      "m48 api-response-time - firing/critical → inactive",
      // API エラー率: 0.1% / 1%, normal ≤ 0.05%.
      "m50 api-error-rate - inactive → firing/warning",
      "m51 api-error-rate - firing/warning → firing/critical",
      "m52 api-error-rate - firing/critical → inactive",
      // DBストレージ 70% (evaluated every 5 minutes).
      "m55 db-storage db-1:9100 inactive → firing/warning",
      "m60 scale-out api pending/warning → firing/warning",
      // キャパシティ予測 (every hour): the 6-point jump at minute 55, projected 30 days ahead
      // on the trend of the last 7 days (here: the only hour there is), passes 70%.
      "m60 db-storage-forecast db-1:9100 inactive → firing/warning",
      "m63 api-cpu api-1:9100 firing/warning → inactive",
      "m63 scale-out api firing/warning → inactive",
    ]);

    const cpu = events.find((e) => e.ruleId === "web-cpu" && e.to.level === "critical");
    assert.ok(cpu);
    assert.equal(Math.round(cpu.value * 1e6) / 1e6, 90);
    assert.equal(cpu.annotations.summary, "web-1:9100 の CPU使用率が 90.0% (critical: >= 85%)");
    assert.deepEqual(cpu.labels, {
      alertname: "web-cpu",
      instance: "web-1:9100",
      service: "web",
      severity: "critical",
    });
    const scale = events.find((e) => e.ruleId === "scale-out" && e.to.state === "firing");
    assert.equal(
      scale?.annotations.summary,
      "api の平均CPU使用率が30分以上 70% 以上: サーバーを1台追加",
    );

    // The state is in the database: a new service on the same store sees no open alert
    // except the storage one, which is still firing.
    const again = ruleService({ reader: series, clock, log, bus });
    await again.apply(config.rules);
    const open = again
      .list()
      .flatMap((r) => r.alerts.map((a) => `${r.rule.id} ${a.state}/${a.level}`));
    assert.deepEqual(open, ["db-storage firing/warning", "db-storage-forecast firing/warning"]);
  });

  test("キャパシティ予測: a steady 1%/day growth warns 30 days ahead of 70%, 0.5%/day does not", async () => {
    const forecast = config.rules.find((r) => r.id === "db-storage-forecast");
    assert.ok(forecast);
    const HOUR = 3_600_000;
    const DAY = 24 * HOUR;
    const start = T0 + 10 * DAY;
    const forecastClock = new ManualClock(start);
    const log = createLogger({ level: "error", destination: { write: () => {} } });
    const transitions: string[] = [];
    const forecastBus = new EventBus();
    forecastBus.on("alert.transition", (e) =>
      transitions.push(`${e.labels.instance} ${e.to.state}/${e.to.level} ${e.value.toFixed(1)}`),
    );
    const series = await openSeries(forecastClock, log);
    // Two database servers, hourly samples over 6 days: db-2 grows 1 point a day from 40%,
    // db-3 half as fast. In 30 days db-2 is at ~76% (warn now), db-3 at ~58% (fine).
    for (let ms = start; ms <= start + 6 * DAY; ms += HOUR) {
      forecastClock.advance(ms - forecastClock.now());
      const days = (ms - start) / DAY;
      const samples: IngestSample[] = [];
      for (const [instance, perDay] of [
        ["db-2:9100", 1],
        ["db-3:9100", 0.5],
      ] as const) {
        const fs = {
          job: "node",
          instance,
          role: "db",
          device: "/dev/sdb1",
          fstype: "ext4",
          mountpoint: "/var/lib/postgresql",
        };
        const used = (40 + perDay * days) / 100;
        samples.push({
          name: "node_filesystem_size_bytes",
          labels: fs,
          value: STORAGE_SIZE,
          timestampMs: ms,
        });
        samples.push({
          name: "node_filesystem_avail_bytes",
          labels: fs,
          value: STORAGE_SIZE * (1 - used),
          timestampMs: ms,
        });
      }
      assert.deepEqual(series.append(samples).rejected, []);
    }
    const rules = ruleService({ reader: series, clock: forecastClock, log, bus: forecastBus });
    await rules.apply([forecast]);
    await rules.evaluate(forecast.id, forecastClock.now());
    // 46% now + 30 days × 1%/day = 76%.
    assert.deepEqual(transitions, ["db-2:9100 firing/warning 76.0"]);
    await rules.flush();
  });
});
