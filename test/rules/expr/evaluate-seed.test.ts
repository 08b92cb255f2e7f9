/**
 * Seed 001 as expressions (docs/expressions.md) evaluated against a small synthetic
 * deployment: every expression of the doc's table, and of the parser's SEED_001 list, gives
 * the result worked out by hand below.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Labels, SeriesSamples } from "../../../src/metrics/series.ts";
import { evaluate } from "../../../src/rules/expr/evaluate.ts";
import { MemorySeriesReader, seriesFromPoints } from "../../../src/rules/expr/memory-reader.ts";
import { parseExpr } from "../../../src/rules/expr/parser.ts";
import { SEED_001 } from "./helpers.ts";

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
/** Now: three days after the first sample. */
const NOW = 3 * D;
const GiB = 1024 ** 3;

/** `value(secondsAgo)` sampled every `stepS` seconds over the last `spanS` seconds up to NOW. */
function sampled(
  labels: Labels,
  value: (secondsAgo: number) => number,
  stepS = 15,
  spanS = 2 * 3600,
): SeriesSamples {
  const points: [number, number][] = [];
  for (let ago = spanS; ago >= 0; ago -= stepS) points.push([NOW - ago * S, value(ago)]);
  return seriesFromPoints(labels, points);
}

const constant = (labels: Labels, v: number) => sampled(labels, () => v);
/** A counter at `perSecond` since time 0. */
const counter = (labels: Labels, perSecond: number) =>
  sampled(labels, (ago) => ((NOW - ago * S) / S) * perSecond);

const deployment = new MemorySeriesReader([
  // CPU: web-1 busy for the last hour, web-2 quiet, api-1 high but dipped 20 minutes ago.
  constant({ __name__: "cpu_percent", role: "web", instance: "web-1" }, 80),
  constant({ __name__: "cpu_percent", role: "web", instance: "web-2" }, 50),
  sampled({ __name__: "cpu_percent", role: "api", instance: "api-1" }, (ago) =>
    ago === 1200 ? 60 : 90,
  ),
  constant({ __name__: "cpu_percent", role: "db", instance: "db-1" }, 40),
  // node_exporter CPU seconds: n1 idle 25% and 75% on two CPUs, n2 idle 12.5% on both.
  counter({ __name__: "node_cpu_seconds_total", instance: "n1", cpu: "0", mode: "idle" }, 0.25),
  counter({ __name__: "node_cpu_seconds_total", instance: "n1", cpu: "1", mode: "idle" }, 0.75),
  counter({ __name__: "node_cpu_seconds_total", instance: "n1", cpu: "0", mode: "user" }, 0.75),
  counter({ __name__: "node_cpu_seconds_total", instance: "n2", cpu: "0", mode: "idle" }, 0.125),
  counter({ __name__: "node_cpu_seconds_total", instance: "n2", cpu: "1", mode: "idle" }, 0.125),
  // Memory.
  constant({ __name__: "memory_used_percent", role: "web", instance: "web-1" }, 85),
  constant({ __name__: "memory_used_percent", role: "api", instance: "api-1" }, 70),
  constant({ __name__: "memory_used_percent", role: "db", instance: "db-1" }, 95),
  constant({ __name__: "node_memory_MemAvailable_bytes", instance: "n1" }, 2 * GiB),
  constant({ __name__: "node_memory_MemTotal_bytes", instance: "n1" }, 8 * GiB),
  constant({ __name__: "node_memory_MemAvailable_bytes", instance: "n2" }, 0.5 * GiB),
  constant({ __name__: "node_memory_MemTotal_bytes", instance: "n2" }, 8 * GiB),
  // DB connections: 80, 95, 85 over the last minute; 60 active + 40 idle.
  sampled({ __name__: "pg_connections", instance: "db-1" }, (ago) =>
    ago === 45 ? 80 : ago === 30 ? 95 : ago === 15 ? 85 : 50,
  ),
  constant({ __name__: "pg_stat_activity_count", instance: "db-1", state: "active" }, 60),
  constant({ __name__: "pg_stat_activity_count", instance: "db-1", state: "idle" }, 40),
  // API latency: 100 ms, then 300, 500, 700, 900 over the last minute (and 0 s ago).
  sampled({ __name__: "http_response_time_ms", job: "api", instance: "api-1" }, (ago) =>
    ago <= 45 ? 900 - (ago / 15) * 200 : 100,
  ),
  constant({ __name__: "http_response_time_ms", job: "web", instance: "web-1" }, 2000),
  // Requests: api 12.4375/s OK and 0.0625/s 500s; web 3/s OK and 1/s 502s.
  counter({ __name__: "http_requests_total", job: "api", status: "200" }, 12.4375),
  counter({ __name__: "http_requests_total", job: "api", status: "500" }, 0.0625),
  counter({ __name__: "http_requests_total", job: "web", status: "200" }, 3),
  counter({ __name__: "http_requests_total", job: "web", status: "502" }, 1),
  // Web servers: 7 of 8 up.
  ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) =>
    constant({ __name__: "up", role: "web", instance: `web-${n}` }, n === 8 ? 0 : 1),
  ),
  constant({ __name__: "up", role: "db", instance: "db-1" }, 1),
  // Disks, every 5 minutes over 2 days: PostgreSQL's at 60% and +1% a day; / flat at 40%;
  // /data at 85% and +2% a day.
  sampled(
    { __name__: "disk_used_percent", instance: "db-1", mount: "/var/lib/postgresql" },
    (ago) => 60 - ago / 86400,
    300,
    2 * 86400,
  ),
  sampled(
    { __name__: "disk_used_percent", instance: "db-1", mount: "/" },
    () => 40,
    300,
    2 * 86400,
  ),
  sampled(
    { __name__: "disk_used_percent", instance: "web-1", mount: "/data" },
    (ago) => 85 - (2 * ago) / 86400,
    300,
    2 * 86400,
  ),
]);

type Expected = [Labels, number][];

/** [expression, the series and values it gives at NOW]. */
const CASES: ReadonlyArray<readonly [string, Expected]> = [
  // §2 CPU: warning 70, critical 85.
  [
    'avg(cpu_percent{role="web"}[1m])',
    [
      [{ instance: "web-1", role: "web" }, 80],
      [{ instance: "web-2", role: "web" }, 50],
    ],
  ],
  ['avg(cpu_percent{role="web"}[1m]) > 70', [[{ instance: "web-1", role: "web" }, 80]]],
  ['avg(cpu_percent{role="web"}[1m]) > 85', []],
  ['avg(cpu_percent{role="api"}[1m]) > 70', [[{ instance: "api-1", role: "api" }, 90]]],
  ["avg(cpu_percent{role='db'}[1m]) >= 85", []],
  [
    '100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])))',
    [
      [{ instance: "n1" }, 50],
      [{ instance: "n2" }, 87.5],
    ],
  ],
  [
    '100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))) > 85',
    [[{ instance: "n2" }, 87.5]],
  ],
  // §2 memory: warning 80, critical 90.
  [
    'memory_used_percent{role=~"web|api"} > 80',
    [[{ __name__: "memory_used_percent", instance: "web-1", role: "web" }, 85]],
  ],
  ['memory_used_percent{role=~"web|api"} > 90', []],
  [
    "100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)",
    [
      [{ instance: "n1" }, 75],
      [{ instance: "n2" }, 93.75],
    ],
  ],
  [
    "100*(1-node_memory_MemAvailable_bytes/node_memory_MemTotal_bytes)",
    [
      [{ instance: "n1" }, 75],
      [{ instance: "n2" }, 93.75],
    ],
  ],
  [
    "100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) > 90",
    [[{ instance: "n2" }, 93.75]],
  ],
  // §2 DB connections: warning 90, critical 100.
  ["max(pg_connections[1m])", [[{ instance: "db-1" }, 95]]],
  ["max(pg_connections[1m]) >= 90", [[{ instance: "db-1" }, 95]]],
  ["max(pg_connections[1m]) >= 100", []],
  ["sum by (instance) (pg_stat_activity_count)", [[{ instance: "db-1" }, 100]]],
  ["sum by(instance)(pg_stat_activity_count) >= 100", [[{ instance: "db-1" }, 100]]],
  // §2 API response time: the last minute is 300, 500, 700, 900 (avg 600); the 5-minute
  // window holds 16 × 100 and those four: p95 = 700·0.95 + 900·0.05, p99 = 700·0.19 + 900·0.81.
  ['avg(http_response_time_ms{job="api"}[1m])', [[{ instance: "api-1", job: "api" }, 600]]],
  ['avg(http_response_time_ms{job="api"}[1m]) > 500', [[{ instance: "api-1", job: "api" }, 600]]],
  ['avg(http_response_time_ms{job="api"}[1m]) > 1000', []],
  ['p95(http_response_time_ms{job="api"}[5m])', [[{ instance: "api-1", job: "api" }, 710]]],
  ['p95(http_response_time_ms{job="api"}[5m]) > 500', [[{ instance: "api-1", job: "api" }, 710]]],
  ['p95(http_response_time_ms{job="api"}[5m]) > 1000', []],
  ['p99(http_response_time_ms{job="api"}[5m])', [[{ instance: "api-1", job: "api" }, 862]]],
  ["p99(http_response_time_ms[5m]) > 1e3", [[{ instance: "web-1", job: "web" }, 2000]]],
  // §2 error rate in percent: api 0.0625 of 12.5 per second = 0.5%.
  [
    '100 * sum(rate(http_requests_total{job="api", status=~"5.."}[5m])) / sum(rate(http_requests_total{job="api"}[5m]))',
    [[{}, 0.5]],
  ],
  [
    '100 * sum(rate(http_requests_total{job="api",status=~"5.."}[5m])) / sum(rate(http_requests_total{job="api"}[5m])) > 0.1',
    [[{}, 0.5]],
  ],
  [
    '100 * sum(rate(http_requests_total{job="api", status=~"5.."}[5m])) / sum(rate(http_requests_total{job="api"}[5m])) > 1',
    [],
  ],
  // The doc's opening example, over both jobs: 1.0625 of 16.5 per second.
  [
    '100 * sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) > 0.1',
    [[{}, (100 * 1.0625) / 16.5]],
  ],
  [
    'sum by (job) (increase(http_requests_total{status=~"5.."}[1h])) / sum by (job) (increase(http_requests_total[1h]))',
    [
      [{ job: "api" }, 0.005],
      [{ job: "web" }, 0.25],
    ],
  ],
  [
    'sum by (job) (rate(http_requests_total{status=~"5.."}[5m])) / sum by (job) (rate(http_requests_total[5m]))',
    [
      [{ job: "api" }, 0.005],
      [{ job: "web" }, 0.25],
    ],
  ],
  // §9 CPU 70% for 30 minutes: api-1 dipped to 60 twenty minutes ago.
  ['min(cpu_percent{role=~"web|api"}[30m]) > 70', [[{ instance: "web-1", role: "web" }, 80]]],
  ['avg by (role) (cpu_percent{role=~"web|api"}) > 70', [[{ role: "api" }, 90]]],
  // §9 web servers: 7 of at most 10 up = 70%.
  ['count(up{role="web"} == 1) / 10 * 100 >= 70', [[{}, 70]]],
  // §9 storage: PostgreSQL's disk reaches 70% in 10 days; /data is past it and still filling.
  [
    'time_to(disk_used_percent{mount="/var/lib/postgresql"}[1d], 70)',
    [[{ instance: "db-1", mount: "/var/lib/postgresql" }, 10 * 86400]],
  ],
  [
    'time_to(disk_used_percent{mount="/var/lib/postgresql"}[1d], 70) < 14d',
    [[{ instance: "db-1", mount: "/var/lib/postgresql" }, 10 * 86400]],
  ],
  ['time_to(disk_used_percent{mount="/var/lib/postgresql"}[1d], 70) < 7d', []],
  ['time_to(disk_used_percent{mount="/data"}[1d], 70) < 14d', []],
  [
    "time_to(disk_used_percent[1d], 70)",
    [
      [{ instance: "db-1", mount: "/" }, Number.POSITIVE_INFINITY],
      [{ instance: "db-1", mount: "/var/lib/postgresql" }, 10 * 86400],
      [{ instance: "web-1", mount: "/data" }, Number.POSITIVE_INFINITY],
    ],
  ],
  [
    "predict(disk_used_percent[6h], 30d) > 70",
    [
      [{ instance: "db-1", mount: "/var/lib/postgresql" }, 90],
      [{ instance: "web-1", mount: "/data" }, 145],
    ],
  ],
  [
    "disk_used_percent >= 70 or time_to(disk_used_percent[1d], 70) < 14d",
    [
      [{ __name__: "disk_used_percent", instance: "web-1", mount: "/data" }, 85],
      [{ instance: "db-1", mount: "/var/lib/postgresql" }, 10 * 86400],
    ],
  ],
  [
    "disk_used_percent >= 70 or time_to(disk_used_percent[1d], 70) < 7d",
    [[{ __name__: "disk_used_percent", instance: "web-1", mount: "/data" }, 85]],
  ],
  [
    "max by (mount) (predict(disk_used_percent[6h], 3d))",
    [
      [{ mount: "/" }, 40],
      [{ mount: "/data" }, 91],
      [{ mount: "/var/lib/postgresql" }, 63],
    ],
  ],
];

/** Equal labels in the same order, values equal up to floating-point rounding. */
function assertResult(text: string, actual: Expected, expected: Expected): void {
  assert.deepEqual(
    actual.map(([labels]) => labels),
    expected.map(([labels]) => labels),
    text,
  );
  actual.forEach(([, value], i) => {
    const want = (expected[i] as [Labels, number])[1];
    const close = value === want || Math.abs(value - want) <= 1e-9 * Math.max(1, Math.abs(want));
    assert.ok(close, `${text}: ${value} is not ${want}`);
  });
}

describe("seed 001 as expressions", () => {
  for (const [text, expected] of CASES) {
    test(text, async () => {
      const value = await evaluate(parseExpr(text), deployment, NOW);
      assert.equal(value.kind, "vector");
      if (value.kind !== "vector") return;
      assertResult(
        text,
        value.samples.map((s) => [s.labels, s.value]),
        expected,
      );
    });
  }

  test("every expression of the parser's SEED_001 list is among them", () => {
    const covered = new Set(CASES.map(([text]) => text));
    const missing = SEED_001.map(([text]) => text).filter((text) => !covered.has(text));
    assert.deepEqual(missing, []);
  });
});
