/** Aggregates of a set of samples: what hourly and daily rollup rows hold. */
import { LatencyHistogram } from "./histogram.ts";
import type { Sample } from "./sample-codec.ts";

export interface Rollup {
  count: number;
  failures: number;
  degraded: number;
  sumMs: number;
  maxMs: number;
  histogram: LatencyHistogram;
}

export function emptyRollup(): Rollup {
  return {
    count: 0,
    failures: 0,
    degraded: 0,
    sumMs: 0,
    maxMs: 0,
    histogram: new LatencyHistogram(),
  };
}

export function addSample(r: Rollup, s: Sample): void {
  r.count++;
  if (s.outcome === "degraded") r.degraded++;
  else if (s.outcome !== "ok") r.failures++;
  // Latency statistics describe answers: a timeout's duration is the deadline, not a latency.
  if (s.outcome === "ok" || s.outcome === "degraded" || s.outcome === "assertion") {
    r.sumMs += s.durationMs;
    r.maxMs = Math.max(r.maxMs, s.durationMs);
    r.histogram.add(s.durationMs);
  }
}

export function mergeRollup(into: Rollup, other: Rollup): void {
  into.count += other.count;
  into.failures += other.failures;
  into.degraded += other.degraded;
  into.sumMs += other.sumMs;
  into.maxMs = Math.max(into.maxMs, other.maxMs);
  into.histogram.merge(other.histogram);
}

export interface RollupSummary {
  count: number;
  failures: number;
  degraded: number;
  /** Share of results that were not failures (degraded counts as up), 0–1; null without data. */
  uptime: number | null;
  avgMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export function summarise(r: Rollup): RollupSummary {
  const timed = r.histogram.total;
  return {
    count: r.count,
    failures: r.failures,
    degraded: r.degraded,
    uptime: r.count === 0 ? null : (r.count - r.failures) / r.count,
    avgMs: timed === 0 ? null : Math.round((r.sumMs / timed) * 10) / 10,
    p50Ms: r.histogram.quantile(0.5),
    p95Ms: r.histogram.quantile(0.95),
    p99Ms: r.histogram.quantile(0.99),
    maxMs: timed === 0 ? null : r.maxMs,
  };
}
