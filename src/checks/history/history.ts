/**
 * Check history that stays small and costs little I/O (docs/checks.md#history).
 *
 * Results are kept in memory per check for the current hour (SampleBuffer) and written
 * every `flushIntervalMs` as one packed row per check per hour; the rows of one hour sit
 * together on disk, so a flush rewrites a few pages. When an hour ends its hourly rollup is
 * written; when a day ends its rollup is derived from that day's hourly rows (idempotent,
 * so a restart cannot count anything twice). Windows that include today read today's
 * hourly rows. Failure messages go to their own table.
 * A crash loses at most the last flush interval of raw samples — never a state change,
 * which the check service writes at once.
 */
import type { Kysely } from "kysely";
import type { Clock } from "../../core/clock.ts";
import type { Log } from "../../log/logger.ts";
import type { Database } from "../../store/schema.ts";
import {
  closeHour,
  DAY_MS,
  dayOf,
  deriveDay,
  deriveMissingDays,
  rollupOf,
  storedHoursWithoutRollup,
} from "./rollup-store.ts";
import { decodeSamples, HOUR_MS, type Outcome, type Sample, SampleBuffer } from "./sample-codec.ts";

export { DAY_MS, dayOf, rollupOf };

export interface HistoryOptions {
  flushIntervalMs: number;
  rawRetentionMs: number;
  hourlyRetentionMs: number;
  dailyRetentionMs: number;
}

export interface RecordedResult extends Sample {
  checkId: string;
  /** For failed and degraded results: what went wrong. */
  message: string | null;
}

interface PendingFailure {
  check_id: string;
  at: number;
  kind: string;
  message: string;
}

export const hourOf = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;

export class CheckHistory {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;
  readonly #log: Log;
  opts: HistoryOptions;
  /** The open hour of each check. */
  readonly #current = new Map<string, SampleBuffer>();
  readonly #dirty = new Set<string>();
  /** Hours that ended and still need their final row and rollups written. */
  readonly #closing: { checkId: string; buffer: SampleBuffer }[] = [];
  #failures: PendingFailure[] = [];
  /** Hours closed while Unyo was stopped are rolled up once, at the first flush. */
  #recovered = false;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #lastPrune = 0;

  constructor(db: Kysely<Database>, clock: Clock, log: Log, opts: HistoryOptions) {
    this.#db = db;
    this.#clock = clock;
    this.#log = log;
    this.opts = opts;
  }

  record(result: RecordedResult): void {
    const hour = hourOf(result.at);
    let buffer = this.#current.get(result.checkId);
    if (buffer && buffer.hour !== hour) {
      if (hour < buffer.hour) return; // a result from a past hour (clock went back): dropped
      this.#closing.push({ checkId: result.checkId, buffer });
      buffer = undefined;
    }
    if (!buffer) {
      buffer = new SampleBuffer(hour);
      this.#current.set(result.checkId, buffer);
    }
    buffer.add(result);
    this.#dirty.add(result.checkId);
    if (result.outcome !== "ok" && result.message) {
      this.#failures.push({
        check_id: result.checkId,
        at: result.at,
        kind: result.outcome,
        message: result.message.slice(0, 2000),
      });
    }
  }

  /** Failure messages not yet in the store, for readers. */
  pendingFailures(checkId: string): { at: number; message: string }[] {
    return this.#failures.filter((f) => f.check_id === checkId);
  }

  /** Samples not yet in the store, for readers: the open hour and hours being closed. */
  pending(checkId: string): SampleBuffer[] {
    const out = this.#closing.filter((c) => c.checkId === checkId).map((c) => c.buffer);
    const current = this.#current.get(checkId);
    return current ? [...out, current] : out;
  }

  /** Forgets a removed check's open hour (its stored history stays until retention). */
  forget(checkId: string): void {
    const buffer = this.#current.get(checkId);
    if (buffer) this.#closing.push({ checkId, buffer });
    this.#current.delete(checkId);
  }

  start(): void {
    this.#timer = setInterval(() => void this.flush(), this.opts.flushIntervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }

  /** Writes what is in memory. Flushes never overlap; a failed one is retried next time. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(() =>
      this.#flushOnce().catch((error: unknown) => {
        this.#log.error({ error }, "writing check history failed; will retry");
      }),
    );
    return this.#flushing;
  }

  async #flushOnce(): Promise<void> {
    const now = this.#clock.now();
    // Close hours that ended even for checks that stopped reporting.
    for (const [checkId, buffer] of this.#current) {
      if (buffer.hour + HOUR_MS <= now) {
        this.#closing.push({ checkId, buffer });
        this.#current.delete(checkId);
        this.#dirty.delete(checkId);
      }
    }
    await this.#mergeStoredHours();
    if (!this.#recovered) {
      await this.#rollUpStoppedHours(now);
      this.#recovered = true;
    }
    const rows = [...this.#dirty].flatMap((id) => {
      const b = this.#current.get(id);
      return b ? [sampleRow(id, b)] : [];
    });
    const closing = this.#closing.splice(0);
    const failures = this.#failures;
    this.#failures = [];
    this.#dirty.clear();
    try {
      await this.#db.transaction().execute(async (tx) => {
        for (const row of [...closing.map((c) => sampleRow(c.checkId, c.buffer)), ...rows]) {
          await tx
            .insertInto("check_samples")
            .values(row)
            .onConflict((oc) =>
              oc.columns(["hour", "check_id"]).doUpdateSet({
                count: row.count,
                failures: row.failures,
                data: row.data,
              }),
            )
            .execute();
        }
        for (let i = 0; i < failures.length; i += 500) {
          await tx
            .insertInto("check_failures")
            .values(failures.slice(i, i + 500))
            .execute();
        }
        for (const { checkId, buffer } of closing) await closeHour(tx, checkId, buffer);
      });
    } catch (error) {
      // Keep everything for the next attempt.
      this.#closing.unshift(...closing);
      this.#failures = [...failures, ...this.#failures];
      for (const row of rows) this.#dirty.add(row.check_id);
      throw error;
    }
    if (closing.length > 0 && now - this.#lastPrune >= HOUR_MS) {
      this.#lastPrune = now;
      await this.prune();
    }
  }

  /**
   * A buffer begun in this process may continue a row stored before a restart: merge that
   * row in before the buffer's first write, so nothing is replaced. One query per hour.
   */
  async #mergeStoredHours(): Promise<void> {
    const open = [...this.#dirty].flatMap((id) => {
      const buffer = this.#current.get(id);
      return buffer ? [{ checkId: id, buffer }] : [];
    });
    const candidates = [...this.#closing, ...open].filter((c) => !c.buffer.complete);
    for (const hour of new Set(candidates.map((c) => c.buffer.hour))) {
      const ids = candidates.filter((c) => c.buffer.hour === hour).map((c) => c.checkId);
      const stored = new Map<string, Uint8Array>();
      for (let i = 0; i < ids.length; i += 500) {
        const rows = await this.#db
          .selectFrom("check_samples")
          .select(["check_id", "data"])
          .where("hour", "=", hour)
          .where("check_id", "in", ids.slice(i, i + 500))
          .execute();
        for (const row of rows) stored.set(row.check_id, row.data);
      }
      for (const c of candidates.filter((x) => x.buffer.hour === hour)) {
        const data = stored.get(c.checkId);
        if (!data) {
          c.buffer.complete = true;
          continue;
        }
        const merged = SampleBuffer.from(hour, data);
        for (const sample of decodeSamples(hour, c.buffer.bytes())) merged.add(sample);
        this.#replace(c.checkId, c.buffer, merged);
      }
    }
  }

  #replace(checkId: string, old: SampleBuffer, merged: SampleBuffer): void {
    if (this.#current.get(checkId) === old) this.#current.set(checkId, merged);
    const closing = this.#closing.find((c) => c.buffer === old);
    if (closing) closing.buffer = merged;
  }

  /**
   * The hour that was open when Unyo stopped was stored but never closed: roll up every
   * stored hour before the current one that has no hourly rollup (and its day, if over).
   */
  async #rollUpStoppedHours(now: number): Promise<void> {
    const rows = await storedHoursWithoutRollup(
      this.#db,
      hourOf(now - this.opts.rawRetentionMs),
      hourOf(now),
    );
    if (rows.length === 0) return;
    await this.#db.transaction().execute(async (tx) => {
      for (const row of rows) {
        if (this.pending(row.checkId).some((b) => b.hour === row.hour)) continue; // closed later
        await closeHour(tx, row.checkId, SampleBuffer.from(row.hour, row.data));
        if (dayOf(row.hour) < dayOf(now)) await deriveDay(tx, row.checkId, dayOf(row.hour));
      }
    });
  }

  /** Deletes what is past its retention (and fills in missed daily rollups). Returns rows removed. */
  async prune(): Promise<number> {
    await deriveMissingDays(this.#db, dayOf(this.#clock.now()));
    const now = this.#clock.now();
    const { rawRetentionMs, hourlyRetentionMs, dailyRetentionMs } = this.opts;
    const results = await Promise.all([
      this.#db
        .deleteFrom("check_samples")
        .where("hour", "<", hourOf(now - rawRetentionMs))
        .executeTakeFirst(),
      this.#db
        .deleteFrom("check_failures")
        .where("at", "<", now - rawRetentionMs)
        .executeTakeFirst(),
      this.#db
        .deleteFrom("check_rollups")
        .where("resolution", "=", "h")
        .where("bucket", "<", hourOf(now - hourlyRetentionMs))
        .executeTakeFirst(),
      this.#db
        .deleteFrom("check_rollups")
        .where("resolution", "=", "d")
        .where("bucket", "<", dayOf(now - dailyRetentionMs))
        .executeTakeFirst(),
      this.#db
        .deleteFrom("check_events")
        .where("at", "<", now - dailyRetentionMs)
        .executeTakeFirst(),
    ]);
    return results.reduce((n, r) => n + Number(r.numDeletedRows), 0);
  }
}

function sampleRow(checkId: string, b: SampleBuffer) {
  return { hour: b.hour, check_id: checkId, count: b.count, failures: b.failures, data: b.bytes() };
}

export type { Outcome };
