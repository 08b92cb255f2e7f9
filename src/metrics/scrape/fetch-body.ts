/**
 * One HTTP GET of a scrape target, bounded in time and size so that no target can stall Unyo or
 * fill its memory: the whole exchange (connect, headers, body) has one deadline, and the body is
 * read as a stream and given up as soon as it passes `maxBytes` (nothing beyond it is buffered;
 * a Content-Length over the bound fails before the body is read). The bound applies to the
 * decoded body, so a small gzip bomb is cut like a large plain body.
 *
 * Every failure is a ScrapeError whose message says what happened in words an operator can act
 * on ("connection refused: …", "HTTP 503 Service Unavailable", "timed out after 10000 ms waiting
 * for the response headers"); credentials never appear in it.
 */
import { redactText } from "../../log/logger.ts";
import { VERSION } from "../../version.ts";

export const SCRAPE_ACCEPT =
  "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3,*/*;q=0.1";
export const USER_AGENT = `unyo/${VERSION}`;

export class ScrapeError extends Error {
  override name = "ScrapeError";
}

export interface FetchRequest {
  url: string;
  timeoutMs: number;
  maxBytes: number;
  headers?: Record<string, string>;
  bearerToken?: string | undefined;
  /** Aborts the request from outside (target removed, shutdown). */
  signal?: AbortSignal | undefined;
  fetchImpl?: typeof fetch | undefined;
}

export interface FetchedBody {
  text: string;
  contentType: string;
  bytes: number;
}

/** Builds the request headers; user info in the url becomes Basic authentication. */
function requestOf(request: FetchRequest): { url: string; headers: Headers } {
  const url = new URL(request.url);
  const headers = new Headers({
    Accept: SCRAPE_ACCEPT,
    "User-Agent": USER_AGENT,
    "X-Prometheus-Scrape-Timeout-Seconds": String(request.timeoutMs / 1000),
  });
  if (url.username !== "" || url.password !== "") {
    const user = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.set("Authorization", `Basic ${Buffer.from(user).toString("base64")}`);
    url.username = "";
    url.password = "";
  }
  for (const [name, value] of Object.entries(request.headers ?? {})) headers.set(name, value);
  if (request.bearerToken) headers.set("Authorization", `Bearer ${request.bearerToken}`);
  return { url: url.href, headers };
}

const CONNECT_ERRORS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  UND_ERR_SOCKET: "connection closed",
};

/** The low-level reason of a failed fetch (undici wraps it as `cause`). */
function describeFailure(error: unknown): string {
  let cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  let code = (cause as NodeJS.ErrnoException | undefined)?.code;
  // Several addresses tried (IPv6 and IPv4): report the first attempt's error.
  if (cause instanceof AggregateError && cause.errors[0] instanceof Error) {
    cause = cause.errors[0];
    code ??= (cause as NodeJS.ErrnoException).code;
  }
  if (!(cause instanceof Error)) return `request failed: ${String(cause)}`;
  const what = (code !== undefined && CONNECT_ERRORS[code]) || "request failed";
  return `${what}: ${cause.message || code || cause.name}`;
}

/**
 * GETs the url and returns its body as text. Throws a ScrapeError for a timeout, a body over
 * `maxBytes`, a non-2xx status, a connection failure or an abort through `signal`.
 */
export async function fetchBody(request: FetchRequest): Promise<FetchedBody> {
  const { url, headers } = requestOf(request);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), request.timeoutMs);
  const signals = request.signal ? [deadline.signal, request.signal] : [deadline.signal];
  const signal = AbortSignal.any(signals);
  let phase = "waiting for the response headers";
  const fail = (error: unknown): ScrapeError => {
    if (error instanceof ScrapeError) return error;
    if (deadline.signal.aborted) {
      return new ScrapeError(`timed out after ${request.timeoutMs} ms ${phase}`);
    }
    if (request.signal?.aborted) {
      const reason = request.signal.reason;
      return new ScrapeError(`aborted: ${reason instanceof Error ? reason.message : "stopped"}`);
    }
    return new ScrapeError(redactText(describeFailure(error)));
  };
  try {
    const response = await (request.fetchImpl ?? fetch)(url, { headers, signal });
    const body = response.body;
    if (!response.ok) {
      void body?.cancel().catch(() => {});
      const text = `${response.status} ${response.statusText}`.trim();
      throw new ScrapeError(`HTTP ${text} (expected a 2xx status)`);
    }
    const tooLarge = () =>
      new ScrapeError(
        `the response body is larger than max_bytes (${request.maxBytes} bytes): scrape given up`,
      );
    const declared = Number(response.headers.get("content-length") ?? Number.NaN);
    if (declared > request.maxBytes) {
      void body?.cancel().catch(() => {});
      throw tooLarge();
    }
    phase = "reading the body";
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    if (body) {
      const reader = body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.byteLength;
        if (bytes > request.maxBytes) {
          void reader.cancel().catch(() => {});
          throw tooLarge();
        }
        chunks.push(value);
      }
    }
    const text = new TextDecoder().decode(Buffer.concat(chunks, bytes));
    return { text, contentType: response.headers.get("content-type") ?? "", bytes };
  } catch (error) {
    throw fail(error);
  } finally {
    clearTimeout(timer);
  }
}
