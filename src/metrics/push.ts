/**
 * The push endpoint's logic (`POST /api/v1/push`, routed elsewhere): jobs that cannot be scraped
 * (cron jobs, short-lived batch work) send samples, which are parsed, normalised and stored.
 *
 * - Content types: `text/plain` (Prometheus text; OpenMetrics when it ends with `# EOF`),
 *   `application/openmetrics-text` and `application/json` (`{"samples": [...]}` or an array of
 *   `{name, labels?, value, timestamp?}`); parameters such as charset are ignored. Anything else
 *   is 415 with a message naming the accepted types.
 * - Bad input never throws: each bad line (or JSON item) is a problem with its line (item index)
 *   and column. A body from which no sample could be read — all lines bad, invalid JSON, or
 *   empty — is 400 and stores nothing. A body with some good samples is 200: the good ones are
 *   stored and the problems listed, so a client sees what was dropped without losing the rest.
 * - The response lists the first 100 problems and counts them all; `duplicates` counts samples
 *   repeated within the body (the last one is kept) plus those identical to stored ones;
 *   `rejected` is what the store refused (out of order, cardinality limit …), which does not
 *   change the status: the request itself was valid.
 * - Samples without a timestamp get `nowMs`. No labels are added: a pusher names its own series.
 * An error thrown by the sink itself (store closed) propagates: the route answers it as a 5xx.
 */
import { type ParseProblem, type ParseResult, parseExposition } from "./exposition.ts";
import { normaliseSamples, parseJsonSamples } from "./samples.ts";
import type { AppendRejection, IngestSample, SampleSink } from "./series.ts";

export const PUSH_CONTENT_TYPES = [
  "text/plain",
  "application/openmetrics-text",
  "application/json",
] as const;

/** Problems listed in a response; all are counted in problems_total. */
export const MAX_LISTED_PROBLEMS = 100;

export interface PushRequest {
  /** The request's Content-Type header, parameters included. */
  contentType: string | undefined;
  /** The raw body, or JSON already parsed by the HTTP layer. */
  body: unknown;
  sink: SampleSink;
  nowMs: number;
  /** Default 100 000: more samples are cut and reported. */
  maxSamples?: number;
}

export interface PushResponse {
  accepted: number;
  duplicates: number;
  rejected: AppendRejection[];
  problems: ParseProblem[];
  problems_total: number;
  /** One sentence for people: what happened. */
  message: string;
}

export interface PushOutcome {
  status: 200 | 400 | 415;
  response: PushResponse;
  /** The same sentence as response.message, for an error thrown by the route (415). */
  message: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function problemAt0(message: string): ParseProblem {
  return { line: 0, column: 0, message, text: "" };
}

function textOf(body: unknown): string | undefined {
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return new TextDecoder().decode(body);
  return undefined;
}

function parseBody(type: string, body: unknown, maxSamples: number): ParseResult {
  const empty: ParseResult = { samples: [], problems: [], types: new Map(), help: new Map() };
  const text = textOf(body);
  if (type === "application/json") {
    if (text === undefined) return parseJsonSamples(body, { maxSamples });
    try {
      return parseJsonSamples(JSON.parse(text), { maxSamples });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return { ...empty, problems: [problemAt0(`the body is not valid JSON: ${why}`)] };
    }
  }
  if (text === undefined) {
    return { ...empty, problems: [problemAt0(`expected a text body for ${type}`)] };
  }
  const format = type === "application/openmetrics-text" ? "openmetrics" : undefined;
  return parseExposition(text, { maxSamples, ...(format ? { format } : {}) });
}

export function ingestPush(request: PushRequest): PushOutcome {
  const outcome = answer(request);
  return { ...outcome, message: outcome.response.message };
}

function answer(request: PushRequest): Omit<PushOutcome, "message"> {
  const type = (request.contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const none = { accepted: 0, duplicates: 0, rejected: [] as AppendRejection[] };
  if (!(PUSH_CONTENT_TYPES as readonly string[]).includes(type)) {
    const got = type === "" ? "missing content type" : `unsupported content type "${type}"`;
    const message = `${got}: send ${PUSH_CONTENT_TYPES.join(", ")}`;
    const problems = [problemAt0(message)];
    return { status: 415, response: { ...none, problems, problems_total: 1, message } };
  }
  const parsed = parseBody(type, request.body, request.maxSamples ?? 100_000);
  if (parsed.samples.length === 0) {
    if (parsed.problems.length === 0) parsed.problems.push(problemAt0("the body holds no samples"));
    const total = parsed.problems.length;
    const message =
      total === 1 && parsed.problems[0]?.line === 0
        ? `nothing stored: ${parsed.problems[0].message}`
        : `nothing stored: no sample could be read (${plural(total, "problem")})`;
    return {
      status: 400,
      response: {
        ...none,
        problems: parsed.problems.slice(0, MAX_LISTED_PROBLEMS),
        problems_total: total,
        message,
      },
    };
  }
  const normalised = normaliseSamples(parsed.samples, request.nowMs);
  const inBody = normalised.dropped.reduce((sum, d) => sum + d.count, 0);
  const result = request.sink.append(normalised.samples as IngestSample[]);
  const refused = result.rejected.reduce((sum, r) => sum + r.count, 0);
  const total = parsed.problems.length;
  let message = `stored ${plural(result.accepted, "sample")}`;
  if (refused > 0) message += `; ${refused} refused by the store (see rejected)`;
  if (total > 0) message += `; ${plural(total, "problem")} in the body (see problems)`;
  return {
    status: 200,
    response: {
      accepted: result.accepted,
      duplicates: inBody + result.duplicates,
      rejected: result.rejected,
      problems: parsed.problems.slice(0, MAX_LISTED_PROBLEMS),
      problems_total: total,
      message,
    },
  };
}
