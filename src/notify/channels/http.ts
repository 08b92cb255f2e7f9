/**
 * One JSON POST for the HTTP channels (webhook, Slack, and later Teams, Discord, PagerDuty),
 * turned into a SendResult with the retry decision every HTTP receiver shares:
 * 2xx delivered; 429 and 5xx, resets, refusals and timeouts worth retrying; any other 4xx
 * (and redirects, which would turn the POST into a GET) a configuration problem that no
 * retry fixes. Only the start of a reply is read, so a misbehaving endpoint cannot make
 * Unyo buffer megabytes per attempt.
 */
import type { ClientRequest, IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { VERSION } from "../../version.ts";
import { excerpt, type SendResult } from "../channel.ts";

// Not `import … from "node:http"`: its ES module namespace reads Node 24's lazy WebSocket
// getters, which load undici (~3 MB) for nothing (see src/metrics/scrape/fetch-body.ts).
const { request: httpRequest } = process.getBuiltinModule("node:http");

/** Most of a reply body read for the delivery log. */
const MAX_REPLY_BYTES = 4096;

export interface PostOptions {
  url: string;
  body: string;
  headers?: Record<string, string>;
  /** This channel's own deadline; the outbox's signal may end the attempt sooner. */
  timeoutMs: number;
  signal: AbortSignal;
}

export interface PostReply extends SendResult {
  /** The start of the reply body (for receivers that explain errors in it, like Slack). */
  reply?: string;
}

/** A URL a channel may POST to, or the reason it may not. */
export function checkHttpUrl(raw: string): { url: URL } | { error: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { error: "is not a valid URL" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return { error: `must be an http:// or https:// URL, not ${url.protocol}` };
  return { url };
}

/** Where the URL points, without path or query (which may hold a token, as Slack's does). */
export function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

/**
 * node:http rather than fetch: with keep-alive sockets (Node's default agents) it does several
 * times the requests per second on the same CPU, which the outbox's throughput target needs.
 */
export function postJson(options: PostOptions): Promise<PostReply> {
  const url = new URL(options.url);
  const where = describeUrl(url);
  const body = Buffer.from(options.body, "utf8");
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<PostReply>((resolve) => {
    let settled = false;
    let req: ClientRequest | undefined;
    const finish = (result: PostReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal.removeEventListener("abort", onAbort);
      resolve(result);
    };
    const timer = setTimeout(() => {
      finish({
        ok: false,
        retryable: true,
        error: `${where} did not answer within ${options.timeoutMs} ms`,
      });
      req?.destroy();
    }, options.timeoutMs);
    const onAbort = () => {
      finish({ ok: false, retryable: true, error: "attempt cut short" });
      req?.destroy();
    };
    if (options.signal.aborted) return onAbort();
    options.signal.addEventListener("abort", onAbort, { once: true });

    try {
      req = send(url, requestOptions(body.length, options.headers), onResponse);
    } catch (error) {
      // Refused before sending, e.g. a configured header value with a line break in it.
      const reason = error instanceof Error ? error.message : String(error);
      return finish({ ok: false, retryable: false, error: `cannot send to ${where}: ${reason}` });
    }
    req.on("error", (error) => {
      finish({ ok: false, retryable: true, error: `${where}: ${networkReason(error)}` });
    });
    req.end(body);

    function onResponse(res: IncomingMessage): void {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        const reply = Buffer.concat(chunks).subarray(0, MAX_REPLY_BYTES).toString("utf8");
        finish(classify(res, reply, where));
      };
      res.on("data", (chunk: Buffer) => {
        if (size >= MAX_REPLY_BYTES) return;
        chunks.push(chunk);
        size += chunk.length;
        // Enough for the log: stop reading (the socket is not reused).
        if (size >= MAX_REPLY_BYTES) {
          done();
          res.destroy();
        }
      });
      res.on("end", done);
      // The body broke off after the status line: the status is what counts.
      res.on("error", done);
      res.on("close", done);
    }
  });
}

function requestOptions(length: number, headers: Record<string, string> | undefined) {
  return {
    method: "POST",
    headers: {
      "content-type": "application/json; charset=utf-8",
      "content-length": String(length),
      "user-agent": `Unyo/${VERSION}`,
      ...headers,
    },
  };
}

function classify(response: IncomingMessage, reply: string, where: string): PostReply {
  const status = response.statusCode ?? 0;
  if (status >= 200 && status < 300) return { ok: true, status, reply };
  const said = reply.trim() === "" ? "" : `: ${excerpt(reply)}`;
  if (status >= 300 && status < 400) {
    const location = response.headers.location ?? "elsewhere";
    return {
      ok: false,
      status,
      retryable: false,
      reply,
      error: `${where} answered ${status}, redirecting to ${location}; configure the final URL`,
    };
  }
  const retryable = status === 429 || status >= 500;
  const reason = response.statusMessage ?? "";
  const result: PostReply = {
    ok: false,
    status,
    retryable,
    reply,
    error: `${`${where} answered ${status} ${reason}`.trimEnd()}${said}`,
  };
  const retryAfter = parseRetryAfter(headerText(response.headers["retry-after"]));
  if (retryable && retryAfter !== undefined) result.retryAfterMs = retryAfter;
  return result;
}

function headerText(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

/** Retry-After as seconds or an HTTP date, in milliseconds from now. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNRESET: "the connection was reset",
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host name not found (DNS)",
  EAI_AGAIN: "host name lookup failed temporarily (DNS)",
  ETIMEDOUT: "the connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
};

/** The error code in words (looking through `cause` for wrapped errors). */
function networkReason(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === "string") {
      const known = NETWORK_REASONS[code];
      return known ? `${known} (${code})` : `${current.message} (${code})`;
    }
    current = current.cause;
  }
  return error instanceof Error ? error.message : String(error);
}
