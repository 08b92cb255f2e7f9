/**
 * One HTTP GET of a scrape target, bounded in time and size so that no target can stall Unyo or
 * fill its memory: the whole exchange (connect, headers, body) has one deadline, and the body is
 * read as a stream and given up as soon as it passes `maxBytes` (nothing beyond it is buffered;
 * a Content-Length over the bound fails before the body is read). The bound applies to the
 * decoded body, so a small gzip bomb is cut like a large plain body.
 *
 * Built on node:http / node:https rather than the global fetch, which would load undici (a few
 * MB of resident memory) into a server that otherwise speaks HTTP through node:http only. It
 * keeps what fetch did: redirects are followed (up to 20, credentials dropped on a change of
 * origin) and a compressed body (gzip, deflate, br, zstd) is decoded.
 *
 * Every failure is a ScrapeError whose message says what happened in words an operator can act
 * on ("connection refused: …", "HTTP 503 Service Unavailable", "timed out after 10000 ms waiting
 * for the response headers"); credentials never appear in it.
 */
import type { IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import {
  addAbortSignal,
  pipeline,
  type Readable,
  Transform,
  type TransformCallback,
} from "node:stream";
import zlib from "node:zlib";
import { redactText } from "../../log/logger.ts";
import { VERSION } from "../../version.ts";

// Not `import … from "node:http"`: an ES module namespace of node:http reads all its exports,
// among them the lazy WebSocket getters, and that loads undici all the same.
const {
  request: httpRequest,
  validateHeaderName,
  validateHeaderValue,
} = process.getBuiltinModule("node:http");

export const SCRAPE_ACCEPT =
  "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3,*/*;q=0.1";
export const USER_AGENT = `unyo/${VERSION}`;

/** Redirects followed before giving up, as fetch does. */
const MAX_REDIRECTS = 20;

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
}

export interface FetchedBody {
  text: string;
  contentType: string;
  bytes: number;
}

type RequestHeaders = Record<string, string>;

/** Header values lose their leading and trailing whitespace, as the Headers class does. */
const trimValue = (value: string) => value.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");

/**
 * Builds the request headers (names in lower case, so a custom header replaces a default one
 * whatever its case); user info in the url becomes Basic authentication.
 */
function requestOf(request: FetchRequest): { url: URL; headers: RequestHeaders } {
  const url = new URL(request.url);
  const headers: RequestHeaders = {
    accept: SCRAPE_ACCEPT,
    "user-agent": USER_AGENT,
    "x-prometheus-scrape-timeout-seconds": String(request.timeoutMs / 1000),
    "accept-encoding": "gzip",
  };
  if (url.username !== "" || url.password !== "") {
    const user = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.authorization = `Basic ${Buffer.from(user).toString("base64")}`;
    url.username = "";
    url.password = "";
  }
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    headers[name.toLowerCase()] = trimValue(value);
  }
  if (request.bearerToken) headers.authorization = `Bearer ${request.bearerToken}`;
  // The Host header follows the url (fetch ignored a configured one too).
  delete headers.host;
  return { url, headers };
}

/** A header node:http would refuse fails the scrape as fetch did, naming it (not its value). */
function checkHeaders(headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) {
    try {
      validateHeaderName(name);
      validateHeaderValue(name, trimValue(value));
    } catch {
      throw new Error(`invalid ${name} header`);
    }
  }
}

const CONNECT_ERRORS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
};

/** The low-level reason of a failed request. */
function describeFailure(error: unknown): string {
  let cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  let code = (cause as NodeJS.ErrnoException | undefined)?.code;
  // Several addresses tried (IPv6 and IPv4): report the first attempt's error.
  if (cause instanceof AggregateError && cause.errors[0] instanceof Error) {
    cause = cause.errors[0];
    code ??= (cause as NodeJS.ErrnoException).code;
  }
  if (!(cause instanceof Error)) return `request failed: ${String(cause)}`;
  // node:http's own words for the server closing the connection before the response ended.
  if (
    code === "ECONNRESET" &&
    (cause.message === "socket hang up" || cause.message === "aborted")
  ) {
    return "connection closed: other side closed";
  }
  if (code?.startsWith("HPE_")) {
    const reason = cause.message.replace(/^Parse Error: /, "");
    return `request failed: Response does not match the HTTP/1.1 protocol (${reason})`;
  }
  const what = (code !== undefined && CONNECT_ERRORS[code]) || "request failed";
  return `${what}: ${cause.message || code || cause.name}`;
}

/**
 * Sends a GET and resolves with the response once its headers are in; rejects when the
 * connection fails or `signal` aborts first.
 */
function get(url: URL, headers: RequestHeaders, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onResponse = (response: IncomingMessage) => {
      signal.removeEventListener("abort", stop);
      // Errors while the body is read reach its reader; this keeps one between the two stages
      // from being an unhandled 'error' event.
      response.on("error", () => {});
      resolve(response);
    };
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(url, { headers }, onResponse);
    const stop = () => {
      req.destroy();
      reject(signal.reason);
    };
    signal.addEventListener("abort", stop, { once: true });
    // Kept for the whole exchange: the request may still report a socket error later.
    req.on("error", (error) => {
      signal.removeEventListener("abort", stop);
      reject(error);
    });
    req.end();
  });
}

const isRedirect = (status: number) =>
  status === 301 || status === 302 || status === 303 || status === 307 || status === 308;

/** The request after a redirect to `next`, as fetch builds it (or throws as fetch failed). */
function redirected(current: URL, location: string, headers: RequestHeaders, count: number) {
  const next = new URL(location, current);
  if (next.protocol !== "http:" && next.protocol !== "https:") {
    throw new Error("URL scheme must be a HTTP(S) scheme");
  }
  if (count >= MAX_REDIRECTS) throw new Error("redirect count exceeded");
  if (next.username !== "" || next.password !== "") {
    throw new Error('cross origin not allowed for request mode "cors"');
  }
  if (next.origin === current.origin) return { url: next, headers };
  const kept = Object.entries(headers).filter(([name]) => !CREDENTIAL_HEADERS.has(name));
  return { url: next, headers: Object.fromEntries(kept) };
}

/** Not sent to another origin after a redirect. */
const CREDENTIAL_HEADERS = new Set(["authorization", "proxy-authorization", "cookie"]);

const LENIENT = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };

/**
 * "deflate" is meant to be zlib-wrapped but some servers send it raw: the first byte tells
 * which (as fetch does).
 */
class Inflate extends Transform {
  #inner: zlib.Inflate | zlib.InflateRaw | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
    if (this.#inner === undefined) {
      if (chunk.length === 0) {
        callback();
        return;
      }
      const zlibWrapped = ((chunk[0] ?? 0) & 0x0f) === 8;
      const inner = zlibWrapped ? zlib.createInflate(LENIENT) : zlib.createInflateRaw(LENIENT);
      inner.on("data", (data: Buffer) => this.push(data));
      inner.on("end", () => this.push(null));
      inner.on("error", (error) => this.destroy(error));
      this.#inner = inner;
    }
    this.#inner.write(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void) {
    if (this.#inner === undefined) this.push(null);
    else this.#inner.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void) {
    this.#inner?.destroy();
    callback(error);
  }
}

const DECODERS = new Map<string, () => Transform>(
  Object.entries({
    gzip: () => zlib.createGunzip(LENIENT),
    "x-gzip": () => zlib.createGunzip(LENIENT),
    deflate: () => new Inflate(),
    br: () =>
      zlib.createBrotliDecompress({
        flush: zlib.constants.BROTLI_OPERATION_FLUSH,
        finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
      }),
    zstd: () =>
      zlib.createZstdDecompress({
        flush: zlib.constants.ZSTD_e_continue,
        finishFlush: zlib.constants.ZSTD_e_end,
      }),
  }),
);

/**
 * The decoders for a Content-Encoding, in the order they apply (the last coding listed first);
 * none when a coding is unknown: the body is then read as it came, as fetch does.
 */
function decodersOf(contentEncoding: string | undefined): Transform[] {
  const codings = contentEncoding ? contentEncoding.toLowerCase().split(",") : [];
  if (codings.length > 5) {
    throw new Error(
      `too many content-encodings in response: ${codings.length}, maximum allowed is 5`,
    );
  }
  const makers = codings.map((coding) => DECODERS.get(coding.trim())).reverse();
  return makers.every((make) => make !== undefined) ? makers.map((make) => make()) : [];
}

/** The decoded body as a stream: the response itself, or the end of its decoders. */
function decodedBody(response: IncomingMessage): Readable {
  const decoders = decodersOf(response.headers["content-encoding"]);
  if (decoders.length === 0) return response;
  // An error anywhere (a corrupt gzip stream, the connection lost) destroys every stream and
  // reaches the last one, where the reader sees it.
  return pipeline([response, ...decoders], () => {}) as unknown as Readable;
}

/**
 * GETs the url and returns its body as text. Throws a ScrapeError for a timeout, a body over
 * `maxBytes`, a non-2xx status, a connection failure or an abort through `signal`.
 */
export async function fetchBody(request: FetchRequest): Promise<FetchedBody> {
  const first = requestOf(request);
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
    checkHeaders(request.headers ?? {});
    let { url, headers } = first;
    let response = await get(url, headers, signal);
    for (let count = 0; ; count++) {
      const location = response.headers.location;
      if (location === undefined || !isRedirect(response.statusCode ?? 0)) break;
      response.destroy();
      ({ url, headers } = redirected(url, location, headers, count));
      response = await get(url, headers, signal);
    }
    const status = response.statusCode ?? 0;
    if (status < 200 || status > 299) {
      response.destroy();
      const text = `${status} ${response.statusMessage ?? ""}`.trim();
      throw new ScrapeError(`HTTP ${text} (expected a 2xx status)`);
    }
    const tooLarge = () =>
      new ScrapeError(
        `the response body is larger than max_bytes (${request.maxBytes} bytes): scrape given up`,
      );
    const declared = Number(response.headers["content-length"] ?? Number.NaN);
    if (declared > request.maxBytes) {
      response.destroy();
      throw tooLarge();
    }
    phase = "reading the body";
    let body: Readable;
    try {
      body = addAbortSignal(signal, decodedBody(response));
    } catch (error) {
      response.destroy();
      throw error;
    }
    const chunks: Buffer[] = [];
    let bytes = 0;
    // Leaving the loop early (too large) destroys the body, its decoders and the connection.
    for await (const chunk of body) {
      const buffer = chunk as Buffer;
      bytes += buffer.byteLength;
      if (bytes > request.maxBytes) throw tooLarge();
      chunks.push(buffer);
    }
    const text = new TextDecoder().decode(Buffer.concat(chunks, bytes));
    return { text, contentType: response.headers["content-type"] ?? "", bytes };
  } catch (error) {
    throw fail(error);
  } finally {
    clearTimeout(timer);
  }
}
