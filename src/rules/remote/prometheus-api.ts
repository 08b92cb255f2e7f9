/**
 * A client for the Prometheus HTTP query API (`/api/v1/query`, `/api/v1/query_range`), as
 * spoken by Prometheus, VictoriaMetrics, Grafana Mimir (under `/prometheus`) and the Thanos
 * querier, so a rule can evaluate PromQL on a back-end a team already runs (docs/metrics-remote.md).
 *
 * Requests are POSTed form-encoded, as Grafana does (long expressions do not hit URL length
 * limits); a server or proxy that answers 405 gets GET from then on. Results are decoded into
 * the same types the embedded evaluator returns (src/metrics/series.ts).
 *
 * Every failure is a RemoteQueryError with a `kind` a caller can branch on and a message that
 * says what went wrong and what to do, with Prometheus' own error text. Messages never contain
 * the bearer token, the basic-auth password or the values of credential-looking headers.
 */
import type { RemoteConfig } from "../../config/metrics-schema.ts";
import type { InstantSample, InstantValue, Labels, RangeSeries } from "../../metrics/series.ts";
import { VERSION } from "../../version.ts";

/** A response body larger than this is refused (kind "response"). */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
/** A result with more series than this is refused (kind "response"). */
export const DEFAULT_MAX_SERIES = 10_000;

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

/** Notes a server attached to a successful answer. */
export interface RemoteWarnings {
  /** The remote's id. */
  remote: string;
  /** The expression the notes are about. */
  promql: string;
  /** Prometheus' `warnings` (e.g. a partial answer from Thanos or a remote-read store). */
  warnings: string[];
  /** Prometheus' `infos` (recent versions; e.g. "metric might not be a counter"). */
  infos: string[];
}

export interface PrometheusApiOptions {
  /** The fetch to use (tests, proxies); the global fetch by default. */
  fetchImpl?: typeof fetch;
  /** Refuse response bodies larger than this; DEFAULT_MAX_RESPONSE_BYTES by default. */
  maxResponseBytes?: number;
  /** Refuse results with more series than this; DEFAULT_MAX_SERIES by default. */
  maxSeries?: number;
  /**
   * Called when a successful answer carries `warnings` or `infos`. The result is still
   * returned: a warning may mean it is partial, so callers should log or show it.
   */
  onWarnings?: (notes: RemoteWarnings) => void;
}

export interface RangeParams {
  startMs: number;
  endMs: number;
  stepMs: number;
}

export interface CheckResult {
  ok: boolean;
  /** The server's version, when it has /api/v1/status/buildinfo. */
  version?: string;
  /** Why it is not ok, or how it was checked. */
  message?: string;
}

/** One Prometheus-compatible back-end of `metrics.remote[]`. */
export class PrometheusApi {
  readonly id: string;
  /** The base URL without credentials and without a trailing slash. */
  readonly baseUrl: string;
  readonly #timeoutMs: number;
  readonly #headers: Record<string, string>;
  readonly #secrets: string[];
  readonly #fetch: typeof fetch;
  readonly #maxBytes: number;
  readonly #maxSeries: number;
  readonly #onWarnings: ((notes: RemoteWarnings) => void) | undefined;
  /** Switched to GET after a 405 answer to a POST. */
  #method: "POST" | "GET" = "POST";

  constructor(config: RemoteConfig, options: PrometheusApiOptions = {}) {
    this.id = config.id;
    const url = new URL(config.url);
    // fetch refuses URLs with credentials: move them to basic auth (unless set explicitly).
    let basic = config.basic_auth;
    if ((url.username || url.password) && !basic) {
      basic = {
        username: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
      };
    }
    url.username = "";
    url.password = "";
    url.search = "";
    url.hash = "";
    this.baseUrl = url.href.replace(/\/+$/, "");
    this.#timeoutMs = config.timeout;
    this.#fetch = options.fetchImpl ?? fetch;
    this.#maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.#maxSeries = options.maxSeries ?? DEFAULT_MAX_SERIES;
    this.#onWarnings = options.onWarnings;

    const headers: Record<string, string> = {
      "user-agent": `unyo/${VERSION}`,
      accept: "application/json",
    };
    const secrets: string[] = [];
    for (const [name, value] of Object.entries(config.headers)) {
      headers[name.toLowerCase()] = value;
      // The whole value and its long words ("Token abc…" leaks "abc…" alone too).
      if (SENSITIVE_HEADER.test(name)) {
        secrets.push(value, ...value.split(/\s+/).filter((word) => word.length >= 8));
      }
    }
    if (config.bearer_token) {
      headers.authorization = `Bearer ${config.bearer_token}`;
      secrets.push(config.bearer_token);
    } else if (basic) {
      const encoded = Buffer.from(`${basic.username}:${basic.password}`).toString("base64");
      headers.authorization = `Basic ${encoded}`;
      secrets.push(basic.password, encoded);
    }
    this.#headers = headers;
    // Longest first, so a secret containing another is removed whole. Values shorter than 4
    // characters are not searched for: they would blank out ordinary words of the message.
    this.#secrets = [...new Set(secrets.filter((s) => s.length >= 4))].sort(
      (a, b) => b.length - a.length,
    );
  }

  /** The value of `promql` at `atMs` (an instant query). */
  async query(promql: string, atMs: number, signal?: AbortSignal): Promise<InstantValue> {
    const data = await this.#call("query", { query: promql, time: seconds(atMs) }, promql, signal);
    return this.#decodeInstant(data, promql);
  }

  /** `promql` evaluated every `stepMs` from `startMs` to `endMs` inclusive (a range query). */
  async queryRange(
    promql: string,
    range: RangeParams,
    signal?: AbortSignal,
  ): Promise<RangeSeries[]> {
    const data = await this.#call(
      "query_range",
      {
        query: promql,
        start: seconds(range.startMs),
        end: seconds(range.endMs),
        step: seconds(range.stepMs),
      },
      promql,
      signal,
    );
    return this.#decodeRange(data, promql);
  }

  /**
   * Whether the back-end answers PromQL: its version from /api/v1/status/buildinfo where that
   * exists (Prometheus; others answer 404 and are tolerated), then a query of `1`, so `ok`
   * means queries work with the configured credentials. Never throws (except with the
   * caller's abort reason).
   */
  async check(signal?: AbortSignal): Promise<CheckResult> {
    try {
      const version = await this.#buildVersion(signal);
      await this.query("1", Date.now(), signal);
      return version === undefined
        ? { ok: true, message: "answers PromQL (no /api/v1/status/buildinfo to tell its version)" }
        : { ok: true, version, message: `answers PromQL; version ${version}` };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      return { ok: false, message: error instanceof Error ? error.message : String(error) };
    }
  }

  /** The version from /api/v1/status/buildinfo, or undefined where it does not exist. */
  async #buildVersion(signal: AbortSignal | undefined): Promise<string | undefined> {
    const url = `${this.baseUrl}/api/v1/status/buildinfo`;
    const answer = await this.#send(url, { method: "GET" }, signal);
    if (answer.status === 401 || answer.status === 403) this.#throwForStatus(answer, url, "");
    // Back-ends without buildinfo answer 404 or 400, a UI may answer its page, a proxy may
    // fail: the query that follows tells whether PromQL works, with its own error.
    if (answer.status !== 200) return undefined;
    try {
      const body = JSON.parse(answer.text) as PromBody;
      const version = isObject(body?.data) ? body.data.version : undefined;
      return typeof version === "string" && version ? version : undefined;
    } catch {
      return undefined; // a UI's catch-all page: the query below tells
    }
  }

  async #call(
    endpoint: "query" | "query_range",
    params: Record<string, string>,
    promql: string,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const form = new URLSearchParams(params).toString();
    const url = `${this.baseUrl}/api/v1/${endpoint}`;
    let answer: Answer | undefined;
    if (this.#method === "POST") {
      answer = await this.#send(
        url,
        {
          method: "POST",
          body: form,
          headers: { "content-type": "application/x-www-form-urlencoded" },
        },
        signal,
      );
      // Some proxies (and read-only gateways) only allow GET: use it from now on.
      if (answer.status === 405) this.#method = "GET";
    }
    if (this.#method === "GET" || answer === undefined) {
      answer = await this.#send(`${url}?${form}`, { method: "GET" }, signal);
    }
    if (answer.status < 200 || answer.status >= 300) {
      const body = this.#errorBody(answer);
      if (body === undefined) this.#throwForStatus(answer, url, promql);
      throw this.#prometheusError(answer, body, url, promql);
    }
    const body = this.#parseBody(answer, url, promql);
    if (body.status === "error") throw this.#prometheusError(answer, body, url, promql);
    if (body.status !== "success") {
      throw this.#error(
        "response",
        `answered ${describeStatus(answer)} with a JSON body whose status is ${JSON.stringify(body.status)} instead of "success"; is ${url} a Prometheus-compatible API?`,
        { url, status: answer.status },
        promql,
      );
    }
    this.#reportWarnings(body, promql);
    return body.data;
  }

  /** Sends one request with the remote's timeout and headers, and reads the body (bounded). */
  async #send(
    url: string,
    init: { method: string; body?: string; headers?: Record<string, string> },
    signal: AbortSignal | undefined,
  ): Promise<Answer> {
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

  /** The Prometheus JSON error body of a non-2xx answer, if it has one. */
  #errorBody(answer: Answer): PromBody | undefined {
    try {
      const body = JSON.parse(answer.text) as unknown;
      if (isObject(body) && body.status === "error") return body as PromBody;
    } catch {
      // not JSON: a proxy's page
    }
    return undefined;
  }

  #throwForStatus(answer: Answer, url: string, promql: string): never {
    if (answer.status === 401 || answer.status === 403) {
      throw this.#error(
        "auth",
        `refused the credentials (${describeStatus(answer)})${excerptOf(answer.text, this)}; check bearer_token, basic_auth or headers of metrics.remote "${this.id}"`,
        { url, status: answer.status },
        promql,
      );
    }
    const hint =
      answer.status === 404
        ? `; check the base URL ${this.baseUrl} (Mimir needs its /prometheus prefix, e.g. http://mimir:8080/prometheus)`
        : answer.status === 429
          ? "; the server is rate-limiting queries"
          : answer.status >= 500
            ? "; the server or a proxy in front of it is failing"
            : "";
    throw this.#error(
      "http",
      `answered ${describeStatus(answer)} at ${url}${excerptOf(answer.text, this)}${hint}`,
      { url, status: answer.status },
      promql,
    );
  }

  #parseBody(answer: Answer, url: string, promql: string): PromBody {
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      throw this.#error(
        "response",
        `answered ${describeStatus(answer)} with ${answer.contentType || "a body"} that is not JSON${excerptOf(answer.text, this)}; is ${url} a Prometheus-compatible API?`,
        { url, status: answer.status },
        promql,
      );
    }
    if (!isObject(body)) {
      throw this.#error(
        "response",
        `answered ${describeStatus(answer)} with JSON that is not an object; is ${url} a Prometheus-compatible API?`,
        { url, status: answer.status },
        promql,
      );
    }
    return body as PromBody;
  }

  #prometheusError(answer: Answer, body: PromBody, url: string, promql: string): RemoteQueryError {
    const errorType = typeof body.errorType === "string" ? body.errorType : "";
    const text = typeof body.error === "string" ? body.error : "(no error text)";
    const status = answer.status;
    if (status === 401 || status === 403) {
      return this.#error(
        "auth",
        `refused the credentials (${describeStatus(answer)}): ${text}; check bearer_token, basic_auth or headers of metrics.remote "${this.id}"`,
        { url, status, errorType },
        promql,
      );
    }
    const kind: RemoteQueryErrorKind =
      errorType === "bad_data" ? "bad_data" : errorType === "timeout" ? "timeout" : "execution";
    const what =
      kind === "bad_data"
        ? "rejected the query"
        : kind === "timeout"
          ? "gave up on the query (its own query timeout)"
          : "could not run the query";
    return this.#error(
      kind,
      `${what} (${errorType || "error"}, ${describeStatus(answer)}): ${text}`,
      { url, status, errorType },
      promql,
    );
  }

  #reportWarnings(body: PromBody, promql: string): void {
    if (!this.#onWarnings) return;
    const warnings = strings(body.warnings).map((w) => this.redact(w));
    const infos = strings(body.infos).map((w) => this.redact(w));
    if (warnings.length || infos.length) {
      this.#onWarnings({ remote: this.id, promql, warnings, infos });
    }
  }

  #decodeInstant(data: unknown, promql: string): InstantValue {
    const { resultType, result } = this.#resultOf(data, promql);
    switch (resultType) {
      case "scalar":
        return { kind: "scalar", value: this.#point(result, promql)[1] };
      case "vector": {
        const items = this.#seriesList(result, promql);
        const samples: InstantSample[] = [];
        for (const item of items) {
          this.#noHistogram(item, "histogram", promql);
          samples.push({
            labels: this.#labels(item.metric, promql),
            value: this.#point(item.value, promql)[1],
          });
        }
        return { kind: "vector", samples };
      }
      case "matrix":
        throw this.#badResult(
          "returns a range vector (matrix) for an instant query; wrap the range selector in a function such as rate(...) or last_over_time(...)",
          promql,
        );
      case "string":
        throw this.#stringResult(promql);
      default:
        throw this.#unknownResult(resultType, promql);
    }
  }

  #decodeRange(data: unknown, promql: string): RangeSeries[] {
    const { resultType, result } = this.#resultOf(data, promql);
    if (resultType === "string") throw this.#stringResult(promql);
    if (resultType !== "matrix") throw this.#unknownResult(resultType, promql);
    const out: RangeSeries[] = [];
    for (const item of this.#seriesList(result, promql)) {
      this.#noHistogram(item, "histograms", promql);
      const values = item.values ?? [];
      if (!Array.isArray(values))
        throw this.#shape("a matrix series without a values list", promql);
      out.push({
        labels: this.#labels(item.metric, promql),
        points: values.map((p) => this.#point(p, promql)),
      });
    }
    return out;
  }

  #resultOf(data: unknown, promql: string): { resultType: unknown; result: unknown } {
    if (!isObject(data) || !("resultType" in data)) {
      throw this.#shape("no data.resultType in the answer", promql);
    }
    return { resultType: data.resultType, result: data.result };
  }

  #seriesList(result: unknown, promql: string): PromSeries[] {
    if (!Array.isArray(result)) throw this.#shape("data.result is not a list", promql);
    if (result.length > this.#maxSeries) {
      throw this.#error(
        "response",
        `returned ${result.length} series, more than the limit of ${this.#maxSeries}; aggregate (sum by (...)), filter with label matchers or use topk(...)`,
        { url: this.baseUrl },
        promql,
      );
    }
    for (const item of result)
      if (!isObject(item)) throw this.#shape("a series is not an object", promql);
    return result as PromSeries[];
  }

  #labels(metric: unknown, promql: string): Labels {
    if (metric === undefined || metric === null) return {};
    if (!isObject(metric)) throw this.#shape("a series' metric is not an object", promql);
    const labels: Labels = {};
    for (const [name, value] of Object.entries(metric)) {
      if (typeof value !== "string") throw this.#shape(`label ${name} is not a string`, promql);
      labels[name] = value;
    }
    return labels;
  }

  #point(point: unknown, promql: string): [number, number] {
    if (!Array.isArray(point) || point.length !== 2) {
      throw this.#shape("a sample is not a [timestamp, value] pair", promql);
    }
    const [t, v] = point as [unknown, unknown];
    const ts = typeof t === "number" ? t : typeof t === "string" ? Number(t) : Number.NaN;
    const value =
      typeof v === "string" ? parseSampleValue(v) : typeof v === "number" ? v : Number.NaN;
    if (!Number.isFinite(ts))
      throw this.#shape(`a sample timestamp ${JSON.stringify(t)} is not a number`, promql);
    if (Number.isNaN(value) && v !== "NaN") {
      throw this.#shape(`a sample value ${JSON.stringify(v)} is not a number`, promql);
    }
    return [Math.round(ts * 1000), value];
  }

  #noHistogram(item: PromSeries, key: "histogram" | "histograms", promql: string): void {
    if (item[key] !== undefined) {
      throw this.#badResult(
        "returns native histograms, which rules cannot compare; use histogram_quantile(...), histogram_count(...) or histogram_sum(...)",
        promql,
      );
    }
  }

  #stringResult(promql: string): RemoteQueryError {
    return this.#badResult("returns a string; a rule needs a number (scalar) or a vector", promql);
  }

  #unknownResult(resultType: unknown, promql: string): RemoteQueryError {
    return this.#shape(`unexpected resultType ${JSON.stringify(resultType)}`, promql);
  }

  #badResult(text: string, promql: string): RemoteQueryError {
    return this.#error("bad_data", `the query ${text}`, { url: this.baseUrl }, promql);
  }

  #shape(text: string, promql: string): RemoteQueryError {
    return this.#error(
      "response",
      `answered with a malformed result: ${text}; is ${this.baseUrl} a Prometheus-compatible API?`,
      { url: this.baseUrl },
      promql,
    );
  }

  #error(
    kind: RemoteQueryErrorKind,
    text: string,
    details: Omit<RemoteQueryErrorDetails, "remote">,
    promql?: string,
  ): RemoteQueryError {
    const query = promql ? ` [query: ${truncate(promql, 300)}]` : "";
    const message = this.redact(`metrics.remote "${this.id}": ${text}${query}`);
    return new RemoteQueryError(kind, message, { remote: this.id, ...details });
  }

  /** `text` with every credential this client sends replaced by "<redacted>". */
  redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.split(secret).join("<redacted>");
    return out;
  }
}

/** Headers whose values are kept out of error messages. */
const SENSITIVE_HEADER = /auth|token|key|secret|cookie|pass|session|signature/i;

interface Answer {
  status: number;
  statusText: string;
  contentType: string;
  text: string;
}

interface PromBody {
  status?: unknown;
  data?: unknown;
  errorType?: unknown;
  error?: unknown;
  warnings?: unknown;
  infos?: unknown;
}

interface PromSeries {
  metric?: unknown;
  value?: unknown;
  values?: unknown;
  histogram?: unknown;
  histograms?: unknown;
}

/** A Prometheus sample value: a decimal, or "NaN", "+Inf", "-Inf". */
export function parseSampleValue(text: string): number {
  switch (text) {
    case "NaN":
      return Number.NaN;
    case "+Inf":
    case "Inf":
      return Number.POSITIVE_INFINITY;
    case "-Inf":
      return Number.NEGATIVE_INFINITY;
    default:
      return text.trim() === "" ? Number.NaN : Number(text);
  }
}

/** Milliseconds as the seconds Prometheus reads, with millisecond precision. */
function seconds(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`expected a finite time in ms, got ${ms}`);
  // Shortest decimal that round-trips: "1700000000.5", never an exponent for real times.
  return String(Math.round(ms) / 1000);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function describeStatus(answer: Answer): string {
  return `HTTP ${answer.status}${answer.statusText ? ` ${answer.statusText}` : ""}`;
}

/** ": <the start of the body as text>" for messages, or "" for an empty body. */
function excerptOf(text: string, api: PrometheusApi): string {
  const plain = text
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, " ")
    .replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return plain ? `: ${truncate(api.redact(plain), 200)}` : "";
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
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
