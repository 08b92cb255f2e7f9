/**
 * The rollup rows of the check history: an ended hour's rollup, a day's rollup derived from
 * its hourly rows (idempotent), and finding what a stop left without a rollup.
 */
import { type Kysely, sql } from "kysely";
import type { Database } from "../../store/schema.ts";
import { LatencyHistogram } from "./histogram.ts";
import { addSample, emptyRollup, mergeRollup, type Rollup } from "./rollup.ts";
import { decodeSamples, HOUR_MS, type SampleBuffer } from "./sample-codec.ts";

export const DAY_MS = 24 * HOUR_MS;
export const dayOf = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;

/**
 * Writes the hourly rollup of an ended hour; after the last hour of a day, derives that
 * day's rollup from its hourly rows (idempotent: a restart cannot count anything twice).
 */
export async function closeHour(
  tx: Kysely<Database>,
  checkId: string,
  buffer: SampleBuffer,
): Promise<void> {
  const hourly = emptyRollup();
  for (const s of decodeSamples(buffer.hour, buffer.bytes())) addSample(hourly, s);
  await upsertRollup(tx, "h", buffer.hour, checkId, hourly);
  if (dayOf(buffer.hour + HOUR_MS) !== dayOf(buffer.hour))
    await deriveDay(tx, checkId, dayOf(buffer.hour));
}

/** Stored sample rows in [from, to) without an hourly rollup: hours a stop left open. */
export async function storedHoursWithoutRollup(
  db: Kysely<Database>,
  from: number,
  to: number,
): Promise<{ hour: number; checkId: string; data: Uint8Array }[]> {
  const rows = await db
    .selectFrom("check_samples as s")
    .select(["s.hour", "s.check_id", "s.data"])
    .where("s.hour", "<", to)
    .where("s.hour", ">=", from)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("check_rollups as r")
            .select("r.check_id")
            .where("r.resolution", "=", "h")
            .whereRef("r.check_id", "=", "s.check_id")
            .whereRef("r.bucket", "=", "s.hour"),
        ),
      ),
    )
    .execute();
  return rows.map((r) => ({ hour: Number(r.hour), checkId: r.check_id, data: r.data }));
}

/** Days before `today` that ended while no last hour closed (Unyo was down) get their rollup. */
export async function deriveMissingDays(db: Kysely<Database>, today: number): Promise<void> {
  const missing = await db
    .selectFrom("check_rollups as h")
    .select(["h.check_id", sql<number>`h.bucket - (h.bucket % ${DAY_MS})`.as("day")])
    .where("h.resolution", "=", "h")
    .where("h.bucket", ">=", today - 35 * DAY_MS)
    .where("h.bucket", "<", today)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("check_rollups as d")
            .select("d.check_id")
            .where("d.resolution", "=", "d")
            .whereRef("d.check_id", "=", "h.check_id")
            .where(sql<boolean>`d.bucket = h.bucket - (h.bucket % ${DAY_MS})`),
        ),
      ),
    )
    .groupBy(["h.check_id", "day"])
    .execute();
  for (const row of missing) await deriveDay(db, row.check_id, Number(row.day));
}

export async function deriveDay(db: Kysely<Database>, checkId: string, day: number): Promise<void> {
  const hours = await db
    .selectFrom("check_rollups")
    .selectAll()
    .where("resolution", "=", "h")
    .where("check_id", "=", checkId)
    .where("bucket", ">=", day)
    .where("bucket", "<", day + DAY_MS)
    .execute();
  const daily = emptyRollup();
  for (const row of hours) mergeRollup(daily, rollupOf(row));
  await upsertRollup(db, "d", day, checkId, daily);
}

async function upsertRollup(
  db: Kysely<Database>,
  resolution: "h" | "d",
  bucket: number,
  checkId: string,
  r: Rollup,
): Promise<void> {
  const values = {
    count: r.count,
    failures: r.failures,
    degraded: r.degraded,
    sum_ms: r.sumMs,
    max_ms: r.maxMs,
    histogram: r.histogram.encode(),
  };
  await db
    .insertInto("check_rollups")
    .values({ resolution, bucket, check_id: checkId, ...values })
    .onConflict((oc) => oc.columns(["resolution", "bucket", "check_id"]).doUpdateSet(values))
    .execute();
}

/** A stored rollup row as a Rollup. */
export function rollupOf(row: {
  count: number;
  failures: number;
  degraded: number;
  sum_ms: number | string | bigint;
  max_ms: number;
  histogram: Uint8Array;
}): Rollup {
  return {
    count: Number(row.count),
    failures: Number(row.failures),
    degraded: Number(row.degraded),
    sumMs: Number(row.sum_ms),
    maxMs: Number(row.max_ms),
    histogram: LatencyHistogram.decode(row.histogram),
  };
}
