/**
 * The contract between the outbox and a way of reaching people (Slack, e-mail, a webhook, a
 * command, …). A channel makes ONE delivery attempt and says how it went; retrying, backoff,
 * timeouts and bookkeeping belong to the outbox, so every channel gets them the same way.
 *
 * A channel never throws for a failing receiver; it returns `ok: false` with a reason a person
 * can act on, and whether trying again could help (`retryable: false` for a wrong URL, a
 * refused password, a 4xx — retrying those only delays the "this channel is broken" alert).
 */
import type { NotificationMessage } from "./render.ts";

export interface SendContext {
  /** Aborted at the attempt's deadline or on shutdown; stop and return promptly. */
  signal: AbortSignal;
  /** Identifies the notification across retries; pass it on so receivers can dedup. */
  idempotencyKey: string;
}

export interface SendResult {
  ok: boolean;
  /** HTTP status, SMTP reply code or exit code, when the receiver gave one. */
  status?: number;
  /** Why it failed, phrased for the delivery log (no secrets). */
  error?: string;
  /** Whether another attempt could succeed. Defaults to true when not ok. */
  retryable?: boolean;
  /** The receiver asked to wait this long before retrying (HTTP Retry-After). */
  retryAfterMs?: number;
}

export interface Channel {
  readonly id: string;
  send(message: NotificationMessage, ctx: SendContext): Promise<SendResult>;
}

/** Cuts a receiver's reply down to something that fits in one log line. */
export function excerpt(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
