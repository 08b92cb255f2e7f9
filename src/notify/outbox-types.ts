/**
 * The shapes the outbox, its SQL and its callers share (src/notify/outbox.ts,
 * src/notify/outbox-store.ts, src/notify/attempt.ts), kept apart from the code that uses them.
 */
import type { Kysely } from "kysely";
import type { Clock } from "../core/clock.ts";
import type { Database, EpochMs, OutboxState } from "../store/schema.ts";
import type { Channel } from "./channel.ts";
import type { NotificationMessage } from "./render.ts";

/** A notification as the API shows it. */
export interface OutboxEntry {
  id: number;
  key: string;
  channel: string;
  message: NotificationMessage;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: EpochMs;
  createdAt: EpochMs;
  sentAt: EpochMs | null;
  lastError: string | null;
}

/** One try at delivering (or the note that an earlier try never reported back). */
export interface DeliveryAttempt {
  at: EpochMs;
  durationMs: number;
  ok: boolean;
  status: number | null;
  error: string | null;
}

/** A row this process now holds, with the attempt number that fences its result. */
export interface ClaimedRow {
  id: number;
  key: string;
  payload: string;
  attempt: number;
  /** The row was `sending` when claimed: an earlier claimer never reported back. */
  leaseLapsed: boolean;
}

/** How an attempt ends the row: sent, back to pending at `nextAttemptAt`, or failed. */
export type Outcome =
  | { state: "sent" }
  | { state: "pending"; nextAttemptAt: EpochMs; error: string }
  | { state: "failed"; error: string };

/** What one attempt did to its row, for `record`. */
export interface AttemptRecord {
  id: number;
  /** The attempt number the claim gave: the fencing token. */
  attempt: number;
  outcome: Outcome;
  /** Rows for notification_attempts, oldest first (the attempt itself last). */
  log: DeliveryAttempt[];
}

/** A notification to persist for one channel. */
export interface NewNotification {
  /**
   * Identifies this notification for this channel across retries, restarts and repeated
   * enqueues (e.g. `<group key>:<channel>:<sequence>`); unique across the whole outbox.
   */
  key: string;
  /** The id of a channel given to the Outbox. */
  channel: string;
  message: NotificationMessage;
}

/** The row of an enqueued notification; `created` false when its key was already there. */
export interface Enqueued {
  id: number;
  created: boolean;
}

export interface BackoffOptions {
  /** The delay after the first failure; doubled after each further one. */
  initialMs: number;
  /** The longest delay. */
  maxMs: number;
  /** Each delay is shortened by a random share of up to this fraction (0 = none). */
  jitter: number;
}

export interface FailedNotification {
  id: number;
  key: string;
  channel: string;
  /** Null when the stored message could not be read. */
  message: NotificationMessage | null;
  attempts: number;
  error: string;
}

export interface OutboxLog {
  warn(obj: object, msg: string): void;
}

export interface OutboxOptions {
  db: Kysely<Database>;
  clock: Clock;
  channels: Iterable<Channel>;
  /** Attempts before a row is `failed` (default 10). */
  maxAttempts?: number;
  backoff?: Partial<BackoffOptions>;
  /** Deadline of one attempt, in real milliseconds (default 30 s). */
  attemptTimeoutMs?: number;
  /** How long a claim holds a row before another worker may take it (default timeout + 60 s). */
  leaseMs?: number;
  /** Attempts in flight per channel (default 16). */
  concurrencyPerChannel?: number;
  /** Longest sleep between looks at the table when nothing wakes the worker (default 5 s). */
  pollMs?: number;
  /** For jitter; [0, 1). */
  random?: () => number;
  /** A row gave up: out of attempts, or a failure no retry can fix. */
  onFailed?: (failed: FailedNotification) => void | Promise<void>;
  log?: OutboxLog;
}
