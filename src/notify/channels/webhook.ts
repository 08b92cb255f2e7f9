/**
 * The generic webhook channel: POSTs the message as JSON (src/notify/render.ts
 * messageDocument) to a URL of the user's choosing.
 *
 * Receivers can trust and dedup what they get:
 *   X-Unyo-Signature: sha256=<hex HMAC-SHA256 of the exact body, keyed with the secret>
 *   X-Unyo-Idempotency-Key: <the same value on every retry of one notification>
 * The body is signed as sent (bytes, not re-serialised), so a receiver verifies it before
 * parsing — the usual GitHub/Stripe scheme.
 */
import { createHmac } from "node:crypto";
import type { Channel, SendContext, SendResult } from "../channel.ts";
import { messageDocument, type NotificationMessage } from "../render.ts";
import { checkHttpUrl, postJson } from "./http.ts";

export interface WebhookChannelConfig {
  id: string;
  url: string;
  /** Signs each body; without one no signature header is sent. */
  secret?: string;
  /** Extra headers (e.g. an Authorization the receiver wants). */
  headers?: Record<string, string>;
  /** Per request, in ms (default 10 s). */
  timeoutMs?: number;
}

export const SIGNATURE_HEADER = "x-unyo-signature";
export const IDEMPOTENCY_HEADER = "x-unyo-idempotency-key";

/** `sha256=<hex>` over `body` with `secret`: what a receiver recomputes to verify. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}

export function webhookChannel(config: WebhookChannelConfig): Channel {
  const checked = checkHttpUrl(config.url);
  const timeoutMs = config.timeoutMs ?? 10_000;
  return {
    id: config.id,
    async send(message: NotificationMessage, ctx: SendContext): Promise<SendResult> {
      if ("error" in checked)
        return { ok: false, retryable: false, error: `webhook url ${checked.error}` };
      const body = JSON.stringify(messageDocument(message, ctx.idempotencyKey));
      const headers: Record<string, string> = {
        ...config.headers,
        [IDEMPOTENCY_HEADER]: ctx.idempotencyKey,
      };
      if (config.secret) headers[SIGNATURE_HEADER] = signBody(body, config.secret);
      const { reply: _reply, ...result } = await postJson({
        url: checked.url.href,
        body,
        headers,
        timeoutMs,
        signal: ctx.signal,
      });
      return result;
    },
  };
}
