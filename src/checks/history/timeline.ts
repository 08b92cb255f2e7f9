/**
 * A check's history as a series of buckets — per minute from the raw samples (within
 * history.raw), per hour and per day from the rollups — for charts: count, failures,
 * uptime and latency avg/p50/p95/p99/max in each bucket. What is still in memory counts.
 */
import type { Kysely } from "kysely";
import { UnyoError } from "../../core/errors.ts";
import type { Database } from "../../store/schema.ts";
import { type CheckHistory, DAY_MS, dayOf, hourOf, rollupOf } from "./history.ts";
import {
  addSample,
  emptyRollup,
  mergeRollup,
  type Rollup,
  type RollupSummary,
  summarise,
} from "./rollup.ts";
import { decodeSamples, HOUR_MS, type Sample } from "./sample-codec.ts";

export const RESOLUTIONS = { "1m": 60_000, "1h": HOUR_MS, "1d": DAY_MS } as const;
export type Resolution = keyof typeof RESOLUTIONS;
export const MAX_BUCKETS = 1500;

export interface Bucket {
  start: number;
  summary: RollupSummary;
}

export async function timeline(
  db: Kysely<Database>,
  history: CheckHistory,
  checkId: string,
  range: { from: number; to: number; resolution: Resolution },
): Promise<Bucket[]> {
  const step = RESOLUTIONS[range.resolution];
  const from = Math.floor(range.from / step) * step;
  const to = Math.ceil(range.to / step) * step;
  const count = (to - from) / step;
  if (count > MAX_BUCKETS) {
    throw new UnyoError(
      "UNYO_E_VALIDATION",
      `That is ${count} buckets of ${range.resolution}; at most ${MAX_BUCKETS} per request.`,
      { hint: "Ask for a shorter range or a coarser resolution (1m, 1h, 1d)." },
    );
  }
  const buckets = new Map<number, Rollup>();
  for (let t = from; t < to; t += step) buckets.set(t, emptyRollup());
  const into = (start: number) => buckets.get(Math.floor(start / step) * step);

  if (range.resolution === "1m") {
    for (const s of await samplesBetween(db, history, checkId, from, to)) {
      const b = into(s.at);
      if (b) addSample(b, s);
    }
  } else {
    const resolution = range.resolution === "1h" ? "h" : "d";
    const rows = await db
      .selectFrom("check_rollups")
      .selectAll()
      .where("resolution", "=", resolution)
      .where("check_id", "=", checkId)
      .where("bucket", ">=", from)
      .where("bucket", "<", to)
      .execute();
    const covered = new Set<number>();
    for (const row of rows) {
      const b = into(Number(row.bucket));
      if (b) mergeRollup(b, rollupOf(row));
      covered.add(Number(row.bucket));
    }
    // Buckets without a rollup yet (this hour, today): from hourly rows and the samples.
    const open = [...buckets.keys()].filter((start) => !covered.has(start));
    if (resolution === "d" && open.length > 0) {
      const first = Math.min(...open);
      const hours = await db
        .selectFrom("check_rollups")
        .selectAll()
        .where("resolution", "=", "h")
        .where("check_id", "=", checkId)
        .where("bucket", ">=", first)
        .where("bucket", "<", to)
        .execute();
      const hoursCovered = new Set<number>();
      for (const row of hours) {
        const day = dayOf(Number(row.bucket));
        if (covered.has(day)) continue;
        const b = buckets.get(day);
        if (b) mergeRollup(b, rollupOf(row));
        hoursCovered.add(Number(row.bucket));
      }
      for (const s of await samplesBetween(db, history, checkId, first, to)) {
        if (covered.has(dayOf(s.at)) || hoursCovered.has(hourOf(s.at))) continue;
        const b = buckets.get(dayOf(s.at));
        if (b) addSample(b, s);
      }
    } else {
      for (const start of open) {
        const b = buckets.get(start);
        if (!b) continue;
        for (const s of await samplesBetween(db, history, checkId, start, start + step))
          addSample(b, s);
      }
    }
  }
  return [...buckets].map(([start, r]) => ({ start, summary: summarise(r) }));
}

/** Raw samples in [from, to): stored hours and what is still in memory, without doubles. */
export async function samplesBetween(
  db: Kysely<Database>,
  history: CheckHistory,
  checkId: string,
  from: number,
  to: number,
): Promise<Sample[]> {
  const pending = history.pending(checkId).filter((b) => b.hour + HOUR_MS > from && b.hour < to);
  const rows = await db
    .selectFrom("check_samples")
    .select(["hour", "data"])
    .where("check_id", "=", checkId)
    .where("hour", ">=", hourOf(from))
    .where("hour", "<", to)
    .execute();
  const superseded = new Set(pending.filter((b) => b.complete).map((b) => b.hour));
  return [
    ...rows
      .filter((r) => !superseded.has(Number(r.hour)))
      .flatMap((r) => decodeSamples(Number(r.hour), r.data)),
    ...pending.flatMap((b) => decodeSamples(b.hour, b.bytes())),
  ].filter((s) => s.at >= from && s.at < to);
}
