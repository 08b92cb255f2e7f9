/**
 * Sending one HTTP request to a remote: the remote's timeout combined with the caller's
 * abort signal, its headers (credentials included), a bounded read of the body, and the
 * RemoteQueryError of a request that got no complete answer (kinds "timeout", "connect",
 * "response" for a body over the size limit), with a readable reason for socket errors.
 *
 * A file of its own because it is the only part that touches the network; what the answer
 * means is prometheus-answer.ts' concern and which request to send (POST or GET, which
 * endpoint) the client's (prometheus-api.ts).
 */
import type { Answer } from "./prometheus-answer.ts";
import { type MakeRemoteError, RemoteQueryError } from "./remote-errors.ts";

/** A response body larger than this is refused (kind "response"). */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** What the transport needs of its remote. */
export interface TransportOptions {
  fetch: typeof fetch;
  /** Sent with every request (user-agent, accept, credentials, configured headers). */
  headers: Record<string, string>;
  timeoutMs: number;
  /** Refuse response bodies larger than this. */
  maxBytes: number;
  error: MakeRemoteError;
}

export interface SendInit {
  method: string;
  body?: string;
  headers?: Record<string, string>;
}

/** Sends the requests of one remote. */
export class PrometheusTransport {
  readonly #fetch: typeof fetch;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #error: MakeRemoteError;

  constructor(options: TransportOptions) {
    this.#fetch = options.fetch;
    this.#headers = options.headers;
    this.#timeoutMs = options.timeoutMs;
    this.#maxBytes = options.maxBytes;
    this.#error = options.error;
  }

  /** Sends one request with the remote's timeout and headers, and reads the body (bounded). */
  async send(url: string, init: SendInit, signal: AbortSignal | undefined): Promise<Answer> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      const response = await this.#fetch(url, {
        method: init.method,
        headers: { ...this.#headers, ...init.headers },
        ...(init.body === undefined ? {} : { body: init.body }),
        signal: combined,
        redirect: "follow",
      });
      const text = await this.#readBody(response, url);
      return {
        status: response.status,
        statusText: response.statusText,
        contentType: response.headers.get("content-type") ?? "",
        text,
      };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (error instanceof RemoteQueryError) throw error;
      if (timeout.aborted) {
        throw this.#error(
          "timeout",
          `no complete answer from ${url} within ${this.#timeoutMs} ms; the server may be overloaded or the query too expensive (raise metrics.remote[].timeout or simplify the query)`,
          { url, cause: error },
        );
      }
      throw this.#error("connect", `cannot reach ${url}: ${describeNetworkError(error)}`, {
        url,
        cause: error,
      });
    }
  }

  async #readBody(response: Response, url: string): Promise<string> {
    const tooLarge = (size: string) =>
      this.#error(
        "response",
        `the answer from ${url} is larger than ${formatBytes(this.#maxBytes)} (${size}); narrow the query with label matchers or aggregate it (sum by (...))`,
        { url, status: response.status },
      );
    const declared = Number(response.headers.get("content-length") ?? Number.NaN);
    if (declared > this.#maxBytes) {
      await response.body?.cancel().catch(() => {});
      throw tooLarge(`its Content-Length is ${formatBytes(declared)}`);
    }
    if (!response.body) return "";
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > this.#maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge("reading stopped there");
      }
      chunks.push(value);
    }
    return Buffer.concat(chunks, size).toString("utf8");
  }
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;
  if (bytes >= 1024) return `${Math.round((bytes / 1024) * 10) / 10} KiB`;
  return `${bytes} bytes`;
}

function describeNetworkError(error: unknown): string {
  let e: unknown = error;
  // fetch wraps the socket error: TypeError("fetch failed", { cause }), sometimes twice.
  for (let i = 0; i < 3 && e instanceof Error && e.cause !== undefined; i++) e = e.cause;
  const err = e as NodeJS.ErrnoException & { errors?: unknown[] };
  const code =
    err?.code ?? (Array.isArray(err?.errors) ? (err.errors[0] as NodeJS.ErrnoException)?.code : "");
  const what: Record<string, string> = {
    ECONNREFUSED: "connection refused (is the server running and listening on that port?)",
    ENOTFOUND: "the host name does not resolve",
    EAI_AGAIN: "DNS lookup failed temporarily",
    ECONNRESET: "the connection was reset",
    EHOSTUNREACH: "the host is unreachable",
    ENETUNREACH: "the network is unreachable",
    ETIMEDOUT: "the connection attempt timed out",
    UND_ERR_SOCKET: "the connection closed unexpectedly",
  };
  const known = code ? what[code] : undefined;
  if (known) return `${code}, ${known}`;
  const message = err instanceof Error ? err.message : String(err);
  if (message === "bad port") {
    // fetch refuses the ports of its "bad ports" list (1, 25, 6000, 10080, ...) outright.
    return "the port is one that HTTP clients refuse to use (the fetch standard's blocked ports); serve the API on another port";
  }
  if (/certificate|CERT|SSL|TLS/i.test(`${code} ${message}`)) {
    return `TLS failed: ${message}${code ? ` (${code})` : ""}`;
  }
  return code ? `${message} (${code})` : message;
}
