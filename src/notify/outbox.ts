/**
 * The notification outbox: a notification is persisted first and delivered after, so nothing
 * is lost to a crash, a restart or a channel that is down (DESIGN.md §4, issue 6 item 4).
 *
 * - `enqueue` is idempotent on its key: enqueueing again (say, after a crash) adds no row.
 * - The worker claims due rows per channel, at most `concurrencyPerChannel` in flight each, so
 *   a channel that hangs fills only its own slots and every other channel keeps delivering.
 * - Each attempt has its own timeout (real time: it bounds a network wait). A failed attempt
 *   is retried with exponential backoff and jitter (on the injected Clock) until
 *   `maxAttempts`; then the row is `failed` and `onFailed` fires, so a broken channel can
 *   raise an alert through another one.
 * - A claim is a lease: a process killed mid-delivery leaves `sending` rows whose lease runs
 *   out, and whoever runs next delivers them again. Delivery is therefore at-least-once;
 *   channels pass the idempotency key on so receivers can drop the rare duplicate.
 * - Enqueues and results are written in batches (src/notify/batcher.ts): on PostgreSQL a
 *   commit per notification would cap throughput well below the 500/s the issue asks for.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import type { Clock } from "../core/clock.ts";
import {
  cleanError,
  DEFAULT_BACKOFF,
  type DecideOptions,
  decide,
  parsePayload,
  runAttempt,
  UNREADABLE,
} from "./attempt.ts";
import { Batcher } from "./batcher.ts";
import type { Channel } from "./channel.ts";
import { LEASE_LAPSED, OutboxRepository } from "./outbox-store.ts";
import type {
  AttemptRecord,
  ClaimedRow,
  DeliveryAttempt,
  Enqueued,
  NewNotification,
  OutboxEntry,
  OutboxLog,
  OutboxOptions,
} from "./outbox-types.ts";

export { backoffDelay, DEFAULT_BACKOFF } from "./attempt.ts";
export type {
  BackoffOptions,
  DeliveryAttempt,
  Enqueued,
  FailedNotification,
  NewNotification,
  OutboxEntry,
  OutboxLog,
  OutboxOptions,
} from "./outbox-types.ts";

export class Outbox {
  readonly #repo: OutboxRepository;
  readonly #clock: Clock;
  readonly #channels: Map<string, Channel>;
  /** Per channel: attempts under way, and ended attempts whose result is not written yet. */
  readonly #inFlight = new Map<string, number>();
  readonly #unwritten = new Map<string, number>();
  readonly #decide: DecideOptions;
  readonly #timeoutMs: number;
  readonly #leaseMs: number;
  readonly #concurrency: number;
  readonly #pollMs: number;
  readonly #onFailed: OutboxOptions["onFailed"];
  readonly #log: OutboxLog | undefined;
  /** Running looks at the table, deliveries and writes, for idle() and stop(). */
  readonly #tasks = new Set<Promise<unknown>>();
  readonly #inserts: Batcher<NewNotification, Enqueued>;
  readonly #writes: Batcher<AttemptRecord, boolean>;
  #shutdown = new AbortController();
  #running = false;
  #ticking = false;
  #tickAgain = false;
  #kickPending = false;
  #cancelTimer: (() => void) | undefined;

  constructor(options: OutboxOptions) {
    this.#repo = new OutboxRepository(options.db);
    this.#clock = options.clock;
    this.#channels = new Map([...options.channels].map((c) => [c.id, c]));
    this.#decide = {
      maxAttempts: options.maxAttempts ?? 10,
      backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
      random: options.random ?? Math.random,
    };
    this.#timeoutMs = options.attemptTimeoutMs ?? 30_000;
    this.#leaseMs = options.leaseMs ?? this.#timeoutMs + 60_000;
    if (this.#leaseMs <= this.#timeoutMs)
      throw new RangeError("leaseMs must be longer than attemptTimeoutMs");
    this.#concurrency = options.concurrencyPerChannel ?? 16;
    this.#pollMs = options.pollMs ?? 5000;
    this.#onFailed = options.onFailed;
    this.#log = options.log;
    const track = (task: Promise<unknown>) => this.#track(task);
    this.#inserts = new Batcher((items) => this.#repo.enqueue(items, this.#clock.now()), track);
    this.#writes = new Batcher((records) => this.#record(records), track);
  }

  /**
   * Persists a notification for `channel`; the same key again changes nothing. Resolves once
   * the row is committed. Calls made in the same event-loop turn share one INSERT (and one
   * commit), so a burst of single enqueues costs about what one enqueueMany does.
   */
  async enqueue(input: NewNotification): Promise<Enqueued> {
    this.#checkChannels([input]);
    const result = await this.#inserts.add(input);
    if (result.created) this.#kick();
    return result;
  }

  /**
   * Persists several notifications in one statement — all or none, with one commit: what a
   * pipeline round that notifies many receivers at once should use.
   */
  async enqueueMany(items: readonly NewNotification[]): Promise<Enqueued[]> {
    this.#checkChannels(items);
    const results = await this.#repo.enqueue(items, this.#clock.now());
    if (results.some((r) => r.created)) this.#kick();
    return results;
  }

  /** A row for a channel this outbox does not know would wait forever: refuse it up front. */
  #checkChannels(items: readonly NewNotification[]): void {
    const unknown = items.find((item) => !this.#channels.has(item.channel));
    if (unknown) throw new RangeError(`unknown notification channel "${unknown.channel}"`);
  }

  get(id: number): Promise<OutboxEntry | undefined> {
    return this.#repo.get(id);
  }

  /** Every delivery attempt of a notification, oldest first. */
  attempts(id: number): Promise<DeliveryAttempt[]> {
    return this.#repo.attempts(id);
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#shutdown = new AbortController();
    this.#kick();
  }

  /** Stops claiming and interrupts attempts in flight (their rows are due again at once). */
  async stop(): Promise<void> {
    this.#running = false;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#shutdown.abort(new Error("shutdown"));
    await this.idle();
  }

  /** Resolves once nothing is being claimed, delivered or written (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
  }

  /** Looks at the table after this event-loop turn, coalescing many wake-ups into one. */
  #kick(): void {
    if (!this.#running || this.#kickPending) return;
    this.#kickPending = true;
    this.#track(nextTurn().then(() => this.#tick()));
  }

  #track(task: Promise<unknown>): void {
    this.#tasks.add(task);
    void task.finally(() => this.#tasks.delete(task));
  }

  async #tick(): Promise<void> {
    this.#kickPending = false;
    if (!this.#running) return;
    if (this.#ticking) {
      this.#tickAgain = true;
      return;
    }
    this.#ticking = true;
    try {
      let drained: string[] = [];
      do {
        this.#tickAgain = false;
        drained = await this.#claimAndDispatch();
      } while (this.#tickAgain && this.#running);
      // Channels still busy are woken by their own completions; the others by the clock.
      const next = await this.#repo.nextDue(drained);
      const now = this.#clock.now();
      this.#setTimer(next === undefined ? this.#pollMs : Math.min(this.#pollMs, next - now));
    } catch (error) {
      this.#log?.warn({ error }, "notification outbox: cannot read the outbox; retrying");
      this.#setTimer(this.#pollMs);
    } finally {
      this.#ticking = false;
    }
  }

  /** Fills every channel's free slots; returns the channels left with slots but no due rows. */
  async #claimAndDispatch(): Promise<string[]> {
    const now = this.#clock.now();
    const drained: string[] = [];
    for (const channel of this.#channels.values()) {
      const free = this.#free(channel.id);
      if (free <= 0 || !this.#running) continue;
      const rows = await this.#repo.claim(channel.id, free, now, this.#leaseMs);
      if (rows.length < free) drained.push(channel.id);
      for (const row of rows) {
        this.#count(this.#inFlight, channel.id, +1);
        // The slot frees once the attempt has ended, before its result is written: the next
        // claim then overlaps the write instead of waiting for it.
        let sending = true;
        const release = () => {
          if (!sending) return;
          sending = false;
          this.#count(this.#inFlight, channel.id, -1);
          this.#count(this.#unwritten, channel.id, +1);
          this.#kick();
        };
        this.#track(
          this.#deliver(channel, row, release).finally(() => {
            release();
            this.#count(this.#unwritten, channel.id, -1);
          }),
        );
      }
    }
    return drained;
  }

  /** Slots to fill: free attempt slots, less results waiting beyond one slot-full to be written. */
  #free(channel: string): number {
    const waiting = Math.max(0, (this.#unwritten.get(channel) ?? 0) - this.#concurrency);
    return this.#concurrency - (this.#inFlight.get(channel) ?? 0) - waiting;
  }

  #count(counts: Map<string, number>, channel: string, delta: number): void {
    counts.set(channel, (counts.get(channel) ?? 0) + delta);
  }

  #setTimer(ms: number): void {
    if (!this.#running) return;
    this.#cancelTimer?.();
    this.#cancelTimer = this.#clock.setTimer(Math.max(0, ms), () => {
      this.#cancelTimer = undefined;
      this.#kick();
    });
  }

  async #deliver(channel: Channel, row: ClaimedRow, release: () => void): Promise<void> {
    const at = this.#clock.now();
    const log: DeliveryAttempt[] = [];
    if (row.leaseLapsed) {
      log.push({ at, durationMs: 0, ok: false, status: null, error: LEASE_LAPSED });
    }
    const message = parsePayload(row.payload);
    const began = performance.now();
    const report = message
      ? await runAttempt(channel, message, row.key, this.#timeoutMs, this.#shutdown.signal)
      : UNREADABLE;
    release();
    const outcome = decide(report, row.attempt, this.#clock.now(), this.#decide);
    const { result } = report;
    log.push({
      at,
      durationMs: performance.now() - began,
      ok: result.ok,
      status: result.status ?? null,
      error: result.ok ? null : cleanError(result.error ?? "failed without a reason"),
    });
    const applied = await this.#writes.add({ id: row.id, attempt: row.attempt, outcome, log });
    if (!applied || outcome.state !== "failed" || !this.#onFailed) return;
    try {
      await this.#onFailed({
        id: row.id,
        key: row.key,
        channel: channel.id,
        message,
        attempts: row.attempt,
        error: outcome.error,
      });
    } catch (error) {
      this.#log?.warn({ error }, "notification outbox: onFailed threw");
    }
  }

  /** Writes a batch of results; on failure none applied (their leases lapse: sent again). */
  async #record(records: AttemptRecord[]): Promise<boolean[]> {
    try {
      return await this.#repo.record(records, this.#clock.now());
    } catch (error) {
      this.#log?.warn({ error }, "notification outbox: cannot record delivery results");
      return records.map(() => false);
    } finally {
      // A retry time may just have been written: let the worker set its timer for it.
      this.#kick();
    }
  }
}
