/**
 * What an HTTP answer of a Prometheus-compatible API means: its JSON envelope
 * (`status`, `data`, `errorType`, `error`, `warnings`, `infos`), and the RemoteQueryError of
 * an answer that is not a success (an auth refusal, a proxy's error page, a Prometheus error
 * body, a body that is not JSON).
 *
 * A file of its own because mapping answers to error kinds and messages (with hints such as
 * Mimir's /prometheus prefix) is independent of how requests are sent (prometheus-http.ts)
 * and of how a successful result is decoded (prometheus-decode.ts).
 */
import { isObject } from "./prometheus-decode.ts";
import {
  excerptOf,
  type MakeRemoteError,
  type RemoteQueryError,
  type RemoteQueryErrorKind,
} from "./remote-errors.ts";

/** An HTTP answer, its body read as text. */
export interface Answer {
  status: number;
  statusText: string;
  contentType: string;
  text: string;
}

/** The JSON envelope of a Prometheus API answer, unchecked. */
export interface PromBody {
  status?: unknown;
  data?: unknown;
  errorType?: unknown;
  error?: unknown;
  warnings?: unknown;
  infos?: unknown;
}

/** What the answer checks need of their remote. */
export interface AnswerContext {
  /** The remote's id. */
  id: string;
  /** The remote's base URL, for hints. */
  baseUrl: string;
  error: MakeRemoteError;
  redact: (text: string) => string;
}

/** The Prometheus JSON error body of a non-2xx answer, if it has one. */
export function errorBody(answer: Answer): PromBody | undefined {
  try {
    const body = JSON.parse(answer.text) as unknown;
    if (isObject(body) && body.status === "error") return body as PromBody;
  } catch {
    // not JSON: a proxy's page
  }
  return undefined;
}

/** Throws the error of a non-2xx answer without a Prometheus error body. */
export function throwForStatus(
  ctx: AnswerContext,
  answer: Answer,
  url: string,
  promql: string,
): never {
  if (answer.status === 401 || answer.status === 403) {
    throw ctx.error(
      "auth",
      `refused the credentials (${describeStatus(answer)})${excerptOf(answer.text, ctx.redact)}; check bearer_token, basic_auth or headers of metrics.remote "${ctx.id}"`,
      { url, status: answer.status },
      promql,
    );
  }
  const hint =
    answer.status === 404
      ? `; check the base URL ${ctx.baseUrl} (Mimir needs its /prometheus prefix, e.g. http://mimir:8080/prometheus)`
      : answer.status === 429
        ? "; the server is rate-limiting queries"
        : answer.status >= 500
          ? "; the server or a proxy in front of it is failing"
          : "";
  throw ctx.error(
    "http",
    `answered ${describeStatus(answer)} at ${url}${excerptOf(answer.text, ctx.redact)}${hint}`,
    { url, status: answer.status },
    promql,
  );
}

/** The JSON object of a 2xx answer; throws (kind "response") when it is not one. */
export function parseBody(
  ctx: AnswerContext,
  answer: Answer,
  url: string,
  promql: string,
): PromBody {
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    throw ctx.error(
      "response",
      `answered ${describeStatus(answer)} with ${answer.contentType || "a body"} that is not JSON${excerptOf(answer.text, ctx.redact)}; is ${url} a Prometheus-compatible API?`,
      { url, status: answer.status },
      promql,
    );
  }
  if (!isObject(body)) {
    throw ctx.error(
      "response",
      `answered ${describeStatus(answer)} with JSON that is not an object; is ${url} a Prometheus-compatible API?`,
      { url, status: answer.status },
      promql,
    );
  }
  return body as PromBody;
}

/** The error of a Prometheus error body (`"status": "error"`), by its `errorType`. */
export function prometheusError(
  ctx: AnswerContext,
  answer: Answer,
  body: PromBody,
  url: string,
  promql: string,
): RemoteQueryError {
  const errorType = typeof body.errorType === "string" ? body.errorType : "";
  const text = typeof body.error === "string" ? body.error : "(no error text)";
  const status = answer.status;
  if (status === 401 || status === 403) {
    return ctx.error(
      "auth",
      `refused the credentials (${describeStatus(answer)}): ${text}; check bearer_token, basic_auth or headers of metrics.remote "${ctx.id}"`,
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
  return ctx.error(
    kind,
    `${what} (${errorType || "error"}, ${describeStatus(answer)}): ${text}`,
    { url, status, errorType },
    promql,
  );
}

export function describeStatus(answer: Answer): string {
  return `HTTP ${answer.status}${answer.statusText ? ` ${answer.statusText}` : ""}`;
}

/** The strings of a JSON list (`warnings`, `infos`), or none. */
export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}
