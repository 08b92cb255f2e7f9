/**
 * Tallies the samples one append refused, per reason (and per metric for series_limit), and
 * words each reason once for people: what happened, one example, what to do. Building the
 * messages only at the end keeps the per-sample cost of a refusal to a counter increment.
 */
import type { AppendRejection, Labels } from "../series.ts";

interface Example {
  name: string;
  labels: Labels;
  t: number;
  newest: number;
}

export class Rejections {
  outOfOrder = 0;
  duplicateTimestamp = 0;
  outOfBounds = 0;
  #examples: Partial<Record<"order" | "duplicate" | "bounds", Example>> = {};
  readonly #limits = new Map<string, { count: number; message: string }>();

  get any(): boolean {
    return (
      this.outOfOrder + this.duplicateTimestamp + this.outOfBounds > 0 || this.#limits.size > 0
    );
  }

  example(
    kind: "order" | "duplicate" | "bounds",
    name: string,
    labels: Labels,
    t: number,
    newest: number,
  ): void {
    this.#examples[kind] ??= { name, labels, t, newest };
  }

  seriesLimit(metric: string, message: () => string): void {
    const entry = this.#limits.get(metric);
    if (entry !== undefined) entry.count++;
    else this.#limits.set(metric, { count: 1, message: message() });
  }

  list(rawRetentionMs: number): AppendRejection[] {
    const out: AppendRejection[] = [];
    const ex = this.#examples;
    if (this.outOfOrder > 0) {
      const e = ex.order;
      out.push({
        reason: "out_of_order",
        count: this.outOfOrder,
        message: `${samples(this.outOfOrder)} older than the newest sample of their series ${were(this.outOfOrder)} dropped (out of order)${e ? `, e.g. ${show(e)} at ${iso(e.t)} after ${iso(e.newest)}` : ""}. Send each series' samples in time order.`,
      });
    }
    if (this.duplicateTimestamp > 0) {
      const e = ex.duplicate;
      out.push({
        reason: "duplicate_timestamp",
        count: this.duplicateTimestamp,
        message: `${samples(this.duplicateTimestamp)} with the timestamp of their series' newest sample but another value ${were(this.duplicateTimestamp)} dropped; the first value is kept${e ? `, e.g. ${show(e)} at ${iso(e.t)}` : ""}. Two sources may be sending the same series.`,
      });
    }
    if (this.outOfBounds > 0) {
      const e = ex.bounds;
      out.push({
        reason: "out_of_bounds",
        count: this.outOfBounds,
        message: `${samples(this.outOfBounds)} outside the accepted time range ${were(this.outOfBounds)} dropped: samples must be at most ${duration(rawRetentionMs)} old (metrics.retention.raw) and at most 10 minutes ahead${e ? `; e.g. ${show(e)} at ${iso(e.t)}, the store's time being ${iso(e.newest)}` : ""}. Check the sender's clock.`,
      });
    }
    for (const [metric, { count, message }] of this.#limits) {
      out.push({ reason: "series_limit", count, metric, message });
    }
    return out;
  }
}

const samples = (n: number) => (n === 1 ? "1 sample" : `${n} samples`);
const were = (n: number) => (n === 1 ? "was" : "were");

function iso(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

function show(e: Example): string {
  const labels = Object.entries(e.labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(",");
  return labels === "" ? e.name : `${e.name}{${labels}}`;
}

export function duration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}
