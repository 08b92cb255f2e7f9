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
 *
 * This file is the client itself (configuration, which request to send, POST→GET fallback,
 * check()) and the module the rest of Unyo imports; the parts live beside it:
 * - remote-errors.ts: RemoteQueryError, its kinds, and the redaction of credentials;
 * - prometheus-http.ts: sending a request (timeouts, bounded body, network errors);
 * - prometheus-answer.ts: what an HTTP answer means (the JSON envelope, error statuses);
 * - prometheus-decode.ts: decoding a successful result (vector, scalar, matrix, limits).
 */
import type { RemoteConfig } from "../../config/metrics-schema.ts";
import type { InstantValue, RangeSeries } from "../../metrics/series.ts";
import { VERSION } from "../../version.ts";
import {
  type Answer,
  type AnswerContext,
  describeStatus,
  errorBody,
  type PromBody,
  parseBody,
  prometheusError,
  strings,
  throwForStatus,
} from "./prometheus-answer.ts";
import { DEFAULT_MAX_SERIES, isObject, PrometheusDecoder } from "./prometheus-decode.ts";
import { DEFAULT_MAX_RESPONSE_BYTES, PrometheusTransport } from "./prometheus-http.ts";
import { headerSecrets, type MakeRemoteError, makeRemoteError, Redactor } from "./remote-errors.ts";

export { DEFAULT_MAX_SERIES, parseSampleValue } from "./prometheus-decode.ts";
export { DEFAULT_MAX_RESPONSE_BYTES } from "./prometheus-http.ts";
export {
  isRemoteQueryError,
  RemoteQueryError,
  type RemoteQueryErrorDetails,
  type RemoteQueryErrorKind,
} from "./remote-errors.ts";

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
  readonly #redactor: Redactor;
  readonly #error: MakeRemoteError;
  readonly #transport: PrometheusTransport;
  readonly #decoder: PrometheusDecoder;
  readonly #answers: AnswerContext;
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
    this.#onWarnings = options.onWarnings;

    const headers: Record<string, string> = {
      "user-agent": `unyo/${VERSION}`,
      accept: "application/json",
    };
    const secrets: string[] = [];
    for (const [name, value] of Object.entries(config.headers)) {
      headers[name.toLowerCase()] = value;
      secrets.push(...headerSecrets(name, value));
    }
    if (config.bearer_token) {
      headers.authorization = `Bearer ${config.bearer_token}`;
      secrets.push(config.bearer_token);
    } else if (basic) {
      const encoded = Buffer.from(`${basic.username}:${basic.password}`).toString("base64");
      headers.authorization = `Basic ${encoded}`;
      secrets.push(basic.password, encoded);
    }
    this.#redactor = new Redactor(secrets);
    this.#error = makeRemoteError(this.id, (text) => this.redact(text));

    this.#transport = new PrometheusTransport({
      fetch: options.fetchImpl ?? fetch,
      headers,
      timeoutMs: config.timeout,
      maxBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      error: this.#error,
    });
    this.#decoder = new PrometheusDecoder({
      baseUrl: this.baseUrl,
      maxSeries: options.maxSeries ?? DEFAULT_MAX_SERIES,
      error: this.#error,
    });
    this.#answers = {
      id: this.id,
      baseUrl: this.baseUrl,
      error: this.#error,
      redact: (text) => this.redact(text),
    };
  }

  /** The value of `promql` at `atMs` (an instant query). */
  async query(promql: string, atMs: number, signal?: AbortSignal): Promise<InstantValue> {
    const data = await this.#call("query", { query: promql, time: seconds(atMs) }, promql, signal);
    return this.#decoder.instant(data, promql);
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
    return this.#decoder.range(data, promql);
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
    const answer = await this.#transport.send(url, { method: "GET" }, signal);
    if (answer.status === 401 || answer.status === 403) {
      throwForStatus(this.#answers, answer, url, "");
    }
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
      answer = await this.#transport.send(
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
      answer = await this.#transport.send(`${url}?${form}`, { method: "GET" }, signal);
    }
    if (answer.status < 200 || answer.status >= 300) {
      const body = errorBody(answer);
      if (body === undefined) throwForStatus(this.#answers, answer, url, promql);
      throw prometheusError(this.#answers, answer, body, url, promql);
    }
    const body = parseBody(this.#answers, answer, url, promql);
    if (body.status === "error") throw prometheusError(this.#answers, answer, body, url, promql);
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

  #reportWarnings(body: PromBody, promql: string): void {
    if (!this.#onWarnings) return;
    const warnings = strings(body.warnings).map((w) => this.redact(w));
    const infos = strings(body.infos).map((w) => this.redact(w));
    if (warnings.length || infos.length) {
      this.#onWarnings({ remote: this.id, promql, warnings, infos });
    }
  }

  /** `text` with every credential this client sends replaced by "<redacted>". */
  redact(text: string): string {
    return this.#redactor.redact(text);
  }
}

/** Milliseconds as the seconds Prometheus reads, with millisecond precision. */
function seconds(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`expected a finite time in ms, got ${ms}`);
  // Shortest decimal that round-trips: "1700000000.5", never an exponent for real times.
  return String(Math.round(ms) / 1000);
}
