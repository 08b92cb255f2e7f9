/**
 * E-mail over SMTP (nodemailer): a multipart message with the plain-text and HTML renderings
 * of src/notify/render.ts.
 *
 * Each attempt opens its own connection (no pool): alert mail is rare, and a fresh connection
 * per attempt means a dropped or half-authenticated session never poisons the next one.
 * The Message-ID is derived from the idempotency key, so a retry after an uncertain attempt
 * carries the same Message-ID and mail clients and archives can fold the duplicate.
 *
 * Failures are sorted by what fixes them: a refused login ("535 authentication failed") or a
 * recipient the server rejects for good (5xx) is a configuration problem, reported plainly and
 * not retried; connection trouble and temporary (4xx) replies are retried.
 */
import { createHash } from "node:crypto";
import { createTransport } from "nodemailer";
import type { Channel, SendContext, SendResult } from "../channel.ts";
import { excerpt } from "../channel.ts";
import type { NotificationMessage } from "../render.ts";
import { renderMessage } from "../render.ts";

export interface EmailChannelConfig {
  id: string;
  host: string;
  port: number;
  /** Implicit TLS from the first byte (port 465). Otherwise STARTTLS when offered. */
  secure?: boolean;
  /** Refuse to send unless the server upgrades with STARTTLS. */
  requireTls?: boolean;
  /** Verify the server's certificate (default true). */
  rejectUnauthorized?: boolean;
  user?: string;
  password?: string;
  from: string;
  to: string[];
  /** Connection, greeting and socket inactivity timeout, in ms (default 10 s). */
  timeoutMs?: number;
}

export function emailChannel(config: EmailChannelConfig): Channel {
  const timeoutMs = config.timeoutMs ?? 10_000;
  const where = `${config.host}:${config.port}`;
  const transport = createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure ?? false,
    requireTLS: config.requireTls ?? false,
    tls: { rejectUnauthorized: config.rejectUnauthorized ?? true },
    ...(config.user === undefined
      ? {}
      : { auth: { user: config.user, pass: config.password ?? "" } }),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  const domain = config.from.match(/@([^>\s]+)/)?.[1] ?? "unyo.invalid";

  return {
    id: config.id,
    async send(message: NotificationMessage, ctx: SendContext): Promise<SendResult> {
      const { subject, text, html } = renderMessage(message);
      const hash = createHash("sha256").update(ctx.idempotencyKey).digest("hex").slice(0, 32);
      try {
        const info = await transport.sendMail({
          from: config.from,
          to: config.to,
          subject,
          text,
          html,
          messageId: `<unyo.${hash}@${domain}>`,
          headers: { "X-Unyo-Idempotency-Key": ctx.idempotencyKey },
          signal: ctx.signal,
        });
        const rejected = (info.rejected ?? []).map(String);
        if (rejected.length > 0 && rejected.length === config.to.length)
          return { ok: false, retryable: false, error: `${where} rejected every recipient` };
        return { ok: true, status: replyCode(info.response) };
      } catch (error) {
        return describeFailure(error, config, where);
      }
    },
  };
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

function describeFailure(error: unknown, config: EmailChannelConfig, where: string): SendResult {
  const e = (typeof error === "object" && error !== null ? error : {}) as SmtpError;
  const code = e.code ?? "";
  const status = e.responseCode;
  const reply = e.response ? excerpt(e.response, 200) : (e.message ?? String(error));
  const result = (retryable: boolean, text: string): SendResult => ({
    ok: false,
    retryable,
    error: text,
    ...(status === undefined ? {} : { status }),
  });
  switch (code) {
    case "EAUTH":
      return result(
        false,
        `SMTP authentication failed for user ${JSON.stringify(config.user ?? "")} at ${where}: ${reply} — check the user name and password`,
      );
    case "ENOAUTH":
      return result(false, `${where} requires a login: set user and password for this channel`);
    case "ETLS":
    case "EREQUIRETLS":
      return result(false, `TLS with ${where} failed: ${reply}`);
    case "EENVELOPE":
    case "EMESSAGE": {
      const permanent = status !== undefined && status >= 500;
      return result(!permanent, `${where} refused the message: ${reply}`);
    }
    case "EABORT":
      return result(true, "attempt cut short");
    case "ETIMEDOUT":
      return result(true, `${where} did not answer in time: ${reply}`);
    case "EDNS":
      return result(true, `host name ${config.host} not found: ${reply}`);
    default: {
      // A refused certificate arrives as a socket error; it is configuration, not bad luck.
      if (/certificate|self[- ]signed|ssl|tls/i.test(reply))
        return result(false, `TLS with ${where} failed: ${reply}`);
      if (code === "ECONNECTION" || code === "ESOCKET" || code === "EPROTOCOL" || code === "")
        return result(true, `cannot talk to ${where}: ${reply}${code ? ` (${code})` : ""}`);
      return result(true, `${where}: ${reply} (${code})`);
    }
  }
}

function replyCode(response: unknown): number | undefined {
  const match = typeof response === "string" ? /^(\d{3})/.exec(response) : null;
  return match ? Number(match[1]) : undefined;
}
