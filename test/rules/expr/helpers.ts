import assert from "node:assert/strict";
import { formatExpr } from "../../../src/rules/expr/format.ts";
import { ExprSyntaxError, parseExpr } from "../../../src/rules/expr/parser.ts";

/** A copy of `value` without the `start`/`end` offsets, for comparing trees. */
export function withoutOffsets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutOffsets);
  if (value === null || typeof value !== "object" || value instanceof RegExp) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key !== "start" && key !== "end") out[key] = withoutOffsets(v);
  }
  return out;
}

/** The canonical form of `text`. */
export function canonical(text: string): string {
  return formatExpr(parseExpr(text));
}

/** Asserts that the canonical form parses back to the same tree (offsets aside). */
export function assertRoundTrip(text: string): void {
  const tree = parseExpr(text);
  const printed = formatExpr(tree);
  let again: unknown;
  try {
    again = parseExpr(printed);
  } catch (error) {
    assert.fail(
      `${JSON.stringify(text)} printed as ${JSON.stringify(printed)}, which fails: ${error}`,
    );
  }
  assert.deepEqual(withoutOffsets(again), withoutOffsets(tree), `${text} -> ${printed}`);
  assert.equal(formatExpr(again as typeof tree), printed, "formatting is stable");
}

/** The ExprSyntaxError thrown for `text` (fails the test if none is thrown). */
export function syntaxError(text: string): ExprSyntaxError {
  try {
    parseExpr(text);
  } catch (error) {
    assert.ok(error instanceof ExprSyntaxError, `expected ExprSyntaxError, got ${error}`);
    return error;
  }
  assert.fail(`${JSON.stringify(text)} parsed, but a syntax error was expected`);
}

/**
 * Seed 001 §2 (監視項目) and §9 (スケーリング, キャパシティ予測) as expressions, with the
 * canonical form of each. The same list is in docs/expressions.md.
 */
export const SEED_001: ReadonlyArray<readonly [string, string]> = [
  // §2 Web/API/DB CPU: warning 70, critical 85 — the 1-minute average.
  ['avg(cpu_percent{role="web"}[1m])', 'avg(cpu_percent{role="web"}[1m])'],
  ['avg(cpu_percent{role="api"}[1m]) > 70', 'avg(cpu_percent{role="api"}[1m]) > 70'],
  ["avg(cpu_percent{role='db'}[1m]) >= 85", 'avg(cpu_percent{role="db"}[1m]) >= 85'],
  // The same from node_exporter's counters.
  [
    '100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])))',
    '100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])))',
  ],
  // §2 memory: warning 80, critical 90.
  ['memory_used_percent{role=~"web|api"} > 80', 'memory_used_percent{role=~"web|api"} > 80'],
  [
    "100*(1-node_memory_MemAvailable_bytes/node_memory_MemTotal_bytes)",
    "100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)",
  ],
  // §2 DB connections: warning 90, critical 100.
  ["max(pg_connections[1m]) >= 90", "max(pg_connections[1m]) >= 90"],
  [
    "sum by(instance)(pg_stat_activity_count) >= 100",
    "sum by (instance) (pg_stat_activity_count) >= 100",
  ],
  // §2 API response time: warning 500 ms, critical 1000 ms (avg, and seeds 003/004's p95/p99).
  [
    'avg(http_response_time_ms{job="api"}[1m]) > 500',
    'avg(http_response_time_ms{job="api"}[1m]) > 500',
  ],
  [
    'p95(http_response_time_ms{job="api"}[5m]) > 1000',
    'p95(http_response_time_ms{job="api"}[5m]) > 1000',
  ],
  ["p99(http_response_time_ms[5m]) > 1e3", "p99(http_response_time_ms[5m]) > 1000"],
  // §2 error rate in percent = 5xx / total: warning 0.1, critical 1.
  [
    '100 * sum(rate(http_requests_total{job="api",status=~"5.."}[5m])) / sum(rate(http_requests_total{job="api"}[5m])) > 0.1',
    '100 * sum(rate(http_requests_total{job="api", status=~"5.."}[5m])) / sum(rate(http_requests_total{job="api"}[5m])) > 0.1',
  ],
  [
    'sum by (job) (increase(http_requests_total{status=~"5.."}[1h])) / sum by (job) (increase(http_requests_total[1h]))',
    'sum by (job) (increase(http_requests_total{status=~"5.."}[1h])) / sum by (job) (increase(http_requests_total[1h]))',
  ],
  // §9 scale out: CPU 70% for 30 minutes — every sample of the last 30 minutes over 70.
  ['min(cpu_percent{role=~"web|api"}[30m]) > 70', 'min(cpu_percent{role=~"web|api"}[30m]) > 70'],
  [
    'avg by (role) (cpu_percent{role=~"web|api"}) > 70',
    'avg by (role) (cpu_percent{role=~"web|api"}) > 70',
  ],
  // §9 web servers: 2 of at most 10, extend at 70%.
  ['count(up{role="web"} == 1) / 10 * 100 >= 70', 'count(up{role="web"} == 1) / 10 * 100 >= 70'],
  // §9 capacity forecast: storage reaches 70%.
  [
    'time_to(disk_used_percent{mount="/var/lib/postgresql"}[1d], 70) < 14d',
    'time_to(disk_used_percent{mount="/var/lib/postgresql"}[1d], 70) < 2w',
  ],
  ["predict(disk_used_percent[6h], 30d) > 70", "predict(disk_used_percent[6h], 30d) > 70"],
  [
    "disk_used_percent >= 70 or time_to(disk_used_percent[1d], 70) < 7d",
    "disk_used_percent >= 70 or time_to(disk_used_percent[1d], 70) < 1w",
  ],
  [
    "max by (mount) (predict(disk_used_percent[6h], 3d))",
    "max by (mount) (predict(disk_used_percent[6h], 3d))",
  ],
];
