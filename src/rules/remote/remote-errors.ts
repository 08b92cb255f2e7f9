/**
 * Why a remote query failed (RemoteQueryError and its kinds), and how failure messages are
 * kept free of credentials.
 *
 * A file of its own because code that only reports failures (the API's metrics routes) needs
 * RemoteQueryError and isRemoteQueryError without the HTTP client, and because every message
 * of the client (prometheus-api.ts), of the answer checks (prometheus-answer.ts), of the
 * transport (prometheus-http.ts) and of the decoder (prometheus-decode.ts) is built and
 * redacted here the same way: messages never contain the bearer token, the basic-auth
 * password or the values of credential-looking headers.
 */

/**
 * Why a remote query failed:
 * - `timeout`: no complete answer within the remote's `timeout`, or Prometheus' own query
 *   timeout (errorType "timeout");
 * - `connect`: the server could not be reached (refused, DNS, TLS, reset);
 * - `http`: an HTTP error status without a Prometheus error body (a proxy's 502, a 404 for a
 *   wrong base URL, 429, ...);
 * - `bad_data`: Prometheus refused the query (a PromQL parse error, a bad parameter), or its
 *   result is a string, which a rule cannot use;
 * - `execution`: the query is valid but failed to run (many-to-many matching, too many samples,
 *   the server is unavailable);
 * - `auth`: 401 or 403;
 * - `response`: a 2xx answer that is not a usable Prometheus response (not JSON, a wrong shape,
 *   larger than the size or series limits).
 */
export type RemoteQueryErrorKind =
  | "timeout"
  | "connect"
  | "http"
  | "bad_data"
  | "execution"
  | "auth"
  | "response";

export interface RemoteQueryErrorDetails {
  /** The `metrics.remote[].id`. */
  remote: string;
  /** The endpoint URL (without credentials). */
  url?: string;
  /** The HTTP status, when an answer arrived. */
  status?: number;
  /** Prometheus' `errorType` (bad_data, execution, timeout, ...), when it sent one. */
  errorType?: string;
  cause?: unknown;
}

/** A remote query that failed; `message` is meant for people, `kind` for code. */
export class RemoteQueryError extends Error {
  readonly kind: RemoteQueryErrorKind;
  readonly remote: string;
  readonly url: string | undefined;
  readonly status: number | undefined;
  readonly errorType: string | undefined;
  /**
   * True when the query is at fault (bad_data, execution): fix the expression. False when
   * the back-end or the way to it is (timeout, connect, http, auth, response). An API can
   * answer 422 for the first and 502 for the second.
   */
  readonly queryFault: boolean;

  constructor(kind: RemoteQueryErrorKind, message: string, details: RemoteQueryErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "RemoteQueryError";
    this.kind = kind;
    this.remote = details.remote;
    this.url = details.url;
    this.status = details.status;
    this.errorType = details.errorType;
    this.queryFault = kind === "bad_data" || kind === "execution";
  }
}

export function isRemoteQueryError(value: unknown): value is RemoteQueryError {
  return value instanceof RemoteQueryError;
}

/**
 * Builds the RemoteQueryError of one remote: the message is prefixed with the remote's id,
 * suffixed with the (truncated) query when there is one, and redacted.
 */
export type MakeRemoteError = (
  kind: RemoteQueryErrorKind,
  text: string,
  details: Omit<RemoteQueryErrorDetails, "remote">,
  promql?: string,
) => RemoteQueryError;

/** The MakeRemoteError of the remote `remote`, redacting messages with `redact`. */
export function makeRemoteError(remote: string, redact: (text: string) => string): MakeRemoteError {
  return (kind, text, details, promql) => {
    const query = promql ? ` [query: ${truncate(promql, 300)}]` : "";
    const message = redact(`metrics.remote "${remote}": ${text}${query}`);
    return new RemoteQueryError(kind, message, { remote, ...details });
  };
}

/** Headers whose values are kept out of error messages. */
const SENSITIVE_HEADER = /auth|token|key|secret|cookie|pass|session|signature/i;

/**
 * What of the header `name: value` to keep out of messages: nothing for an ordinary header;
 * for a credential-looking one the whole value and its long words ("Token abc…" leaks "abc…"
 * alone too).
 */
export function headerSecrets(name: string, value: string): string[] {
  if (!SENSITIVE_HEADER.test(name)) return [];
  return [value, ...value.split(/\s+/).filter((word) => word.length >= 8)];
}

/** Replaces every one of a set of credentials in a text by "<redacted>". */
export class Redactor {
  readonly #secrets: string[];

  constructor(secrets: string[]) {
    // Longest first, so a secret containing another is removed whole. Values shorter than 4
    // characters are not searched for: they would blank out ordinary words of the message.
    this.#secrets = [...new Set(secrets.filter((s) => s.length >= 4))].sort(
      (a, b) => b.length - a.length,
    );
  }

  /** `text` with every secret replaced by "<redacted>". */
  redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.split(secret).join("<redacted>");
    return out;
  }
}

/** ": <the start of the body as text>" for messages, or "" for an empty body. */
export function excerptOf(text: string, redact: (text: string) => string): string {
  const plain = text
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, " ")
    .replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return plain ? `: ${truncate(redact(plain), 200)}` : "";
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
