/**
 * One delivery attempt and what it means for the row — the parts of the outbox that need no
 * database, kept apart so they read (and test) on their own.
 *
 * `runAttempt` bounds a channel's send by the attempt timeout and by shutdown, even when the
 * channel ignores its AbortSignal: the outbox stops waiting and frees the slot, so one stuck
 * receiver cannot hold a worker forever. `decide` turns the result into the row's next state:
 * sent; pending again after an exponential backoff with jitter (or the receiver's Retry-After,
 * if longer); or failed, when no retry can help or the attempts are used up.
 */
import { redactText } from "../log/logger.ts";
import type { Channel, SendResult } from "./channel.ts";
import type { BackoffOptions, Outcome } from "./outbox-types.ts";
import type { NotificationMessage } from "./render.ts";

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 2000, maxMs: 5 * 60_000, jitter: 0.2 };

/** The wait after failed attempt number `attempt` (1-based); `random` in [0, 1). */
export function backoffDelay(attempt: number, options: BackoffOptions, random: number): number {
  const exponential = options.initialMs * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(options.maxMs, exponential);
  return Math.round(capped * (1 - options.jitter * random));
}

export interface AttemptReport {
  result: SendResult;
  /** Cut short by shutdown: not the receiver's fault, so it does not count as a failure. */
  interrupted: boolean;
}

export const INTERRUPTED = "interrupted by shutdown";

/** A stored message that cannot be read: a failure no retry can fix. */
export const UNREADABLE: AttemptReport = {
  result: { ok: false, retryable: false, error: "the stored message is not valid JSON" },
  interrupted: false,
};

export function parsePayload(payload: string): NotificationMessage | null {
  try {
    return JSON.parse(payload) as NotificationMessage;
  } catch {
    return null;
  }
}

export async function runAttempt(
  channel: Channel,
  message: NotificationMessage,
  idempotencyKey: string,
  timeoutMs: number,
  shutdown: AbortSignal,
): Promise<AttemptReport> {
  const controller = new AbortController();
  let interrupted = false;
  let cut: (result: SendResult) => void = () => {};
  const cutShort = new Promise<SendResult>((resolve) => {
    cut = resolve;
  });
  const timer = setTimeout(() => {
    controller.abort(new DOMException("the attempt timed out", "TimeoutError"));
    cut({ ok: false, retryable: true, error: `no result within ${timeoutMs} ms` });
  }, timeoutMs);
  const onShutdown = () => {
    interrupted = true;
    controller.abort(shutdown.reason);
    cut({ ok: false, retryable: true, error: INTERRUPTED });
  };
  if (shutdown.aborted) onShutdown();
  else shutdown.addEventListener("abort", onShutdown, { once: true });
  try {
    const sent = Promise.resolve()
      .then(() => channel.send(message, { signal: controller.signal, idempotencyKey }))
      .catch(
        (error: unknown): SendResult => ({
          ok: false,
          retryable: true,
          error: `channel error: ${error instanceof Error ? error.message : String(error)}`,
        }),
      );
    const result = await Promise.race([sent, cutShort]);
    return { result, interrupted };
  } finally {
    clearTimeout(timer);
    shutdown.removeEventListener("abort", onShutdown);
  }
}

export interface DecideOptions {
  maxAttempts: number;
  backoff: BackoffOptions;
  random: () => number;
}

/** The row's next state after attempt number `attempt` ended with `report`, at `now`. */
export function decide(
  report: AttemptReport,
  attempt: number,
  now: number,
  options: DecideOptions,
): Outcome {
  const { result } = report;
  if (result.ok) return { state: "sent" };
  const error = cleanError(result.error ?? "failed without a reason");
  if (report.interrupted) return { state: "pending", nextAttemptAt: now, error };
  if (result.retryable === false || attempt >= options.maxAttempts)
    return { state: "failed", error };
  const wait = backoffDelay(attempt, options.backoff, options.random());
  const asked = Math.min(result.retryAfterMs ?? 0, options.backoff.maxMs);
  return { state: "pending", nextAttemptAt: now + Math.max(wait, asked), error };
}

const MAX_ERROR_LENGTH = 1000;

/** Errors are stored and shown: no credentials in them, and not unbounded. */
export function cleanError(text: string): string {
  const safe = redactText(text);
  return safe.length > MAX_ERROR_LENGTH ? `${safe.slice(0, MAX_ERROR_LENGTH)}…` : safe;
}
