/**
 * Reading check history: the latest results of a check (paged, with failure messages) and
 * summaries — count, failures, uptime, latency avg/p50/p95/p99/max — for any window,
 * from the hourly and daily rollups plus what is still in memory.
 */
import type { Kysely } from "kysely";
import type { Clock } from "../../core/clock.ts";
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
import { decodeSamples, HOUR_MS, type Outcome } from "./sample-codec.ts";
import { type Bucket, type Resolution, samplesBetween, timeline } from "./timeline.ts";

export interface ResultView {
  at: number;
  durationMs: number;
  outcome: Outcome;
  message: string | null;
}

export const WINDOWS = { "24h": DAY_MS, "7d": 7 * DAY_MS, "30d": 30 * DAY_MS } as const;
export type WindowName = keyof typeof WINDOWS;

export class HistoryReader {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;
  readonly #history: CheckHistory;
  #cache: { at: number; value: Map<string, Record<WindowName, RollupSummary>> } | undefined;

  constructor(db: Kysely<Database>, clock: Clock, history: CheckHistory) {
    this.#db = db;
    this.#clock = clock;
    this.#history = history;
  }

  /** Results of one check, newest first, older than `before` (exclusive) when given. */
  async recent(
    checkId: string,
    limit: number,
    before = Number.POSITIVE_INFINITY,
  ): Promise<ResultView[]> {
    const out: ResultView[] = [];
    const take = (samples: ReturnType<typeof decodeSamples>) => {
      for (let i = samples.length - 1; i >= 0 && out.length < limit; i--) {
        const s = samples[i];
        if (s && s.at < before)
          out.push({ at: s.at, durationMs: s.durationMs, outcome: s.outcome, message: null });
      }
    };
    const pending = this.#history.pending(checkId);
    // A stored row is superseded by a pending buffer of its hour only once they were merged.
    const pendingHours = new Set(pending.filter((b) => b.complete).map((b) => b.hour));
    for (const buffer of [...pending].reverse()) take(decodeSamples(buffer.hour, buffer.bytes()));
    let cursor = Number.isFinite(before) ? hourOf(before) + HOUR_MS : Number.MAX_SAFE_INTEGER;
    while (out.length < limit) {
      const rows = await this.#db
        .selectFrom("check_samples")
        .select(["hour", "data"])
        .where("check_id", "=", checkId)
        .where("hour", "<", cursor)
        .orderBy("hour", "desc")
        .limit(24)
        .execute();
      for (const row of rows) {
        const hour = Number(row.hour);
        if (!pendingHours.has(hour)) take(decodeSamples(hour, row.data));
      }
      if (rows.length < 24) break;
      cursor = Number(rows[rows.length - 1]?.hour);
    }
    await this.#attachMessages(checkId, out);
    return out;
  }

  async #attachMessages(checkId: string, results: ResultView[]): Promise<void> {
    const failed = results.filter((r) => r.outcome !== "ok");
    if (failed.length === 0) return;
    const times = failed.map((r) => r.at);
    const rows = await this.#db
      .selectFrom("check_failures")
      .select(["at", "message"])
      .where("check_id", "=", checkId)
      .where("at", ">=", Math.min(...times))
      .where("at", "<=", Math.max(...times))
      .execute();
    const byTime = new Map(rows.map((r) => [Number(r.at), r.message]));
    for (const f of this.#history.pendingFailures(checkId)) byTime.set(f.at, f.message);
    for (const r of failed) r.message = byTime.get(r.at) ?? null;
  }

  /** Buckets of 1m (raw window), 1h or 1d over [from, to), for charts. */
  timeline(
    checkId: string,
    range: { from: number; to: number; resolution: Resolution },
  ): Promise<Bucket[]> {
    return timeline(this.#db, this.#history, checkId, range);
  }

  /** Summary of one check over [from, to): rollups for whole hours/days, memory for the rest. */
  async summary(checkId: string, from: number, to = this.#clock.now()): Promise<RollupSummary> {
    return summarise(await this.#rollupOver(checkId, from, to));
  }

  /** 24 h, 7 d and 30 d summaries of many checks at once (cached for 30 s: list views). */
  async summaries(
    checkIds: readonly string[],
  ): Promise<Map<string, Record<WindowName, RollupSummary>>> {
    const now = this.#clock.now();
    if (!this.#cache || now - this.#cache.at > 30_000) {
      this.#cache = { at: now, value: await this.#computeSummaries(now) };
    }
    const out = new Map<string, Record<WindowName, RollupSummary>>();
    for (const id of checkIds)
      out.set(id, this.#cache.value.get(id) ?? withPending(this.#history, id));
    return out;
  }

  async #computeSummaries(now: number): Promise<Map<string, Record<WindowName, RollupSummary>>> {
    // 24 h: the last 23 closed hours + the open one. 7 d / 30 d: the whole days before today
    // from daily rows, today so far from hourly rows, and the open hour.
    const today = dayOf(now);
    const last24 = hourOf(now) - 23 * HOUR_MS;
    const dayFrom = (days: number) => today - (days - 1) * DAY_MS;
    const [hourly, daily] = await Promise.all([
      this.#db
        .selectFrom("check_rollups")
        .selectAll()
        .where("resolution", "=", "h")
        .where("bucket", ">=", Math.min(last24, today))
        .execute(),
      this.#db
        .selectFrom("check_rollups")
        .selectAll()
        .where("resolution", "=", "d")
        .where("bucket", ">=", dayFrom(30))
        .where("bucket", "<", today)
        .execute(),
    ]);
    const acc = new Map<string, Record<WindowName, Rollup>>();
    const get = (id: string) => {
      let r = acc.get(id);
      if (!r) {
        r = { "24h": emptyRollup(), "7d": emptyRollup(), "30d": emptyRollup() };
        acc.set(id, r);
      }
      return r;
    };
    for (const row of hourly) {
      const r = rollupOf(row);
      const windows = get(row.check_id);
      if (Number(row.bucket) >= last24) mergeRollup(windows["24h"], r);
      if (Number(row.bucket) >= today) {
        mergeRollup(windows["7d"], r);
        mergeRollup(windows["30d"], r);
      }
    }
    for (const row of daily) {
      const r = rollupOf(row);
      const windows = get(row.check_id);
      mergeRollup(windows["30d"], r);
      if (Number(row.bucket) >= dayFrom(7)) mergeRollup(windows["7d"], r);
    }
    const out = new Map<string, Record<WindowName, RollupSummary>>();
    for (const [id, windows] of acc) {
      for (const buffer of this.#history.pending(id)) {
        const r = emptyRollup();
        for (const s of decodeSamples(buffer.hour, buffer.bytes())) addSample(r, s);
        for (const name of Object.keys(WINDOWS) as WindowName[]) mergeRollup(windows[name], r);
      }
      out.set(id, {
        "24h": summarise(windows["24h"]),
        "7d": summarise(windows["7d"]),
        "30d": summarise(windows["30d"]),
      });
    }
    return out;
  }

  async #rollupOver(checkId: string, from: number, to: number): Promise<Rollup> {
    const total = emptyRollup();
    const firstHour = hourOf(from) === from ? from : hourOf(from) + HOUR_MS;
    // Edges that are not whole hours come from the raw samples.
    const edge = async (a: number, b: number) => {
      for (const s of await this.#samples(checkId, a, b))
        if (s.at >= a && s.at < b) addSample(total, s);
    };
    if (firstHour >= to) {
      await edge(from, to);
      return total;
    }
    await edge(from, firstHour);
    const lastHour = hourOf(to);
    const rows = await this.#db
      .selectFrom("check_rollups")
      .selectAll()
      .where("resolution", "=", "h")
      .where("check_id", "=", checkId)
      .where("bucket", ">=", firstHour)
      .where("bucket", "<", lastHour)
      .execute();
    const covered = new Set(rows.map((r) => Number(r.bucket)));
    for (const row of rows) mergeRollup(total, rollupOf(row));
    // Whole hours still in memory (ended but not closed yet, or the open one) have no rollup.
    for (const buffer of this.#history.pending(checkId)) {
      if (buffer.hour < firstHour || buffer.hour >= lastHour || covered.has(buffer.hour)) continue;
      for (const s of await this.#samples(checkId, buffer.hour, buffer.hour + HOUR_MS))
        addSample(total, s);
      covered.add(buffer.hour);
    }
    // Hours past hourly retention: take the days instead (whole days only).
    if (!covered.has(firstHour) && firstHour < lastHour) {
      const oldestHour = rows.length > 0 ? Math.min(...covered) : lastHour;
      const days = await this.#db
        .selectFrom("check_rollups")
        .selectAll()
        .where("resolution", "=", "d")
        .where("check_id", "=", checkId)
        // Whole days only: a day that began before `from` would count results outside it.
        .where(
          "bucket",
          ">=",
          dayOf(firstHour) === firstHour ? firstHour : dayOf(firstHour) + DAY_MS,
        )
        .where("bucket", "<", dayOf(oldestHour))
        .execute();
      for (const row of days) mergeRollup(total, rollupOf(row));
    }
    await edge(lastHour, to);
    return total;
  }

  #samples(checkId: string, from: number, to: number) {
    return samplesBetween(this.#db, this.#history, checkId, from, to);
  }
}

function withPending(history: CheckHistory, id: string): Record<WindowName, RollupSummary> {
  const r = emptyRollup();
  for (const buffer of history.pending(id))
    for (const s of decodeSamples(buffer.hour, buffer.bytes())) addSample(r, s);
  const s = summarise(r);
  return { "24h": s, "7d": s, "30d": s };
}
