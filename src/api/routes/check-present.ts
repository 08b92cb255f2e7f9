/** How checks, results and summaries look in the API (one place for the JSON shapes). */
import type { ResultView, WindowName } from "../../checks/history/history-reader.ts";
import type { RollupSummary } from "../../checks/history/rollup.ts";
import { targetOf } from "../../checks/probes/index.ts";
import type { CheckStateRow } from "../../checks/repository.ts";
import type { CheckConfig } from "../../config/schema.ts";
import { formatDuration } from "../../core/duration.ts";
import { iso } from "../route-helpers.ts";

export const STATES = [
  "pending",
  "up",
  "down",
  "degraded",
  "late",
  "paused",
  "maintenance",
] as const;

const summarySchema = {
  type: "object",
  properties: {
    count: { type: "integer" },
    failures: { type: "integer" },
    degraded: { type: "integer" },
    uptime_percent: { type: ["number", "null"] },
    avg_ms: { type: ["number", "null"] },
    p50_ms: { type: ["number", "null"] },
    p95_ms: { type: ["number", "null"] },
    p99_ms: { type: ["number", "null"] },
    max_ms: { type: ["number", "null"] },
  },
} as const;

export const checkSchema = {
  $id: "Check",
  type: "object",
  properties: {
    id: { type: "string" },
    name: { type: "string" },
    type: { type: "string" },
    target: { type: "string" },
    every: { type: "string", description: "Interval, e.g. 30s" },
    expect: { type: "array", items: { type: "string" } },
    labels: { type: "object", additionalProperties: { type: "string" } },
    state: { type: "string", enum: [...STATES] },
    since: { type: ["string", "null"], format: "date-time" },
    last_run_at: { type: ["string", "null"], format: "date-time" },
    last_duration_ms: { type: ["integer", "null"] },
    last_message: { type: ["string", "null"] },
    consecutive_failures: { type: "integer" },
    next_due_at: { type: ["string", "null"], format: "date-time" },
    paused_by: { type: ["string", "null"] },
    uptime: {
      type: "object",
      description: "Share of passed results, percent, per window",
      properties: {
        "24h": { type: ["number", "null"] },
        "7d": { type: ["number", "null"] },
        "30d": { type: ["number", "null"] },
      },
    },
    latency_24h: summarySchema,
    heartbeat: {
      type: "object",
      description: "Heartbeat checks only",
      properties: {
        expected_at: { type: ["string", "null"], format: "date-time" },
        ping_url: {
          type: "string",
          description: "Shown to operators and admins only: it is a secret",
        },
      },
    },
  },
} as const;

export const resultSchema = {
  type: "object",
  properties: {
    started_at: { type: "string", format: "date-time" },
    duration_ms: { type: "integer" },
    ok: { type: "boolean" },
    outcome: {
      type: "string",
      description: "ok, degraded, or the error kind (timeout, connect, assertion, …)",
    },
    message: { type: ["string", "null"] },
  },
} as const;

export { summarySchema };

const percent = (ratio: number | null) =>
  ratio === null ? null : Math.round(ratio * 100_000) / 1000;

export function presentSummary(s: RollupSummary) {
  return {
    count: s.count,
    failures: s.failures,
    degraded: s.degraded,
    uptime_percent: percent(s.uptime),
    avg_ms: s.avgMs,
    p50_ms: s.p50Ms,
    p95_ms: s.p95Ms,
    p99_ms: s.p99Ms,
    max_ms: s.maxMs,
  };
}

export interface HeartbeatView {
  expectedAt: number | null;
  /** Only for callers allowed to see the secret. */
  pingUrl?: string | undefined;
}

export function presentCheck(
  config: CheckConfig,
  state: CheckStateRow,
  nextDue: number | undefined,
  summaries?: Record<WindowName, RollupSummary>,
  heartbeat?: HeartbeatView,
) {
  return {
    id: config.id,
    name: config.name ?? config.id,
    type: config.kind,
    target: targetOf(config),
    every: formatDuration(config.every),
    expect: config.expect,
    labels: config.labels,
    state: state.state,
    since: iso(state.since),
    last_run_at: iso(state.lastRunAt),
    last_duration_ms: state.lastDurationMs,
    last_message: state.lastMessage,
    consecutive_failures: state.consecutiveFailures,
    next_due_at: iso(state.state === "paused" ? null : (nextDue ?? state.nextDueAt)),
    paused_by: state.state === "paused" ? (config.paused ? "config" : state.pausedBy) : null,
    ...(summaries
      ? {
          uptime: {
            "24h": percent(summaries["24h"].uptime),
            "7d": percent(summaries["7d"].uptime),
            "30d": percent(summaries["30d"].uptime),
          },
          latency_24h: presentSummary(summaries["24h"]),
        }
      : {}),
    ...(heartbeat
      ? {
          heartbeat: {
            expected_at: iso(heartbeat.expectedAt),
            ...(heartbeat.pingUrl ? { ping_url: heartbeat.pingUrl } : {}),
          },
        }
      : {}),
  };
}

export function presentResult(r: ResultView) {
  return {
    started_at: iso(r.at),
    duration_ms: r.durationMs,
    ok: r.outcome === "ok",
    outcome: r.outcome,
    message: r.message,
  };
}
