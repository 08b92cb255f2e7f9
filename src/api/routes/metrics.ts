/**
 * Metrics over HTTP: instant and range queries (charts, `unyo query`), the series list, the
 * scrape targets' health, and the push endpoint. Queries run on the embedded store, or with
 * `source=<metrics.remote id>` as PromQL on a remote Prometheus-compatible API.
 */
import type { FastifyInstance } from "fastify";
import { DURATION_PATTERN, parseDuration } from "../../core/duration.ts";
import { UnyoError } from "../../core/errors.ts";
import { ingestPush } from "../../metrics/push.ts";
import type { ScrapeTargetStatus } from "../../metrics/scrape/status.ts";
import type { InstantValue, Labels, Matcher, RangeSeries } from "../../metrics/series.ts";
import type { Expr } from "../../rules/expr/ast.ts";
import { evaluate, evaluateRange } from "../../rules/expr/evaluate.ts";
import { ExprSyntaxError, parseExpr } from "../../rules/expr/parser.ts";
import { isRemoteQueryError } from "../../rules/remote/remote-errors.ts";
import type { Runtime } from "../../runtime.ts";
import { iso } from "../route-helpers.ts";

/** Most points a range query answers per series (Prometheus allows 11,000). */
const MAX_POINTS = 11_000;

/** JSON has no NaN or Infinity: those travel as the strings Prometheus uses. */
export const jsonValue = (v: number): number | string =>
  Number.isFinite(v) ? v : Number.isNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";

/** RFC 3339, or Unix seconds (with a fraction), as Prometheus' API accepts. */
export function parseTime(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined || text === "") return fallback;
  const ms = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : Date.parse(text);
  if (!Number.isFinite(ms) || !/^\d|^\d{4}-/.test(text)) {
    throw new UnyoError(
      "UNYO_E_VALIDATION",
      `"${name}" must be RFC 3339 or Unix seconds, got "${text}".`,
      {
        hint: `e.g. ${name}=2026-11-23T09:00:00Z or ${name}=${Math.floor(fallback / 1000)}`,
      },
    );
  }
  return Math.round(ms);
}

function parseStep(text: string | undefined, rangeMs: number): number {
  if (text === undefined || text === "")
    return Math.max(15_000, Math.ceil(rangeMs / 240 / 1000) * 1000);
  const ms = DURATION_PATTERN.test(text)
    ? parseDuration(text)
    : /^\d+(\.\d+)?$/.test(text)
      ? Number(text) * 1000
      : Number.NaN;
  if (!(ms >= 1)) {
    throw new UnyoError(
      "UNYO_E_VALIDATION",
      `"step" must be a duration such as 1m or seconds, got "${text}".`,
    );
  }
  return ms;
}

export function parseQuery(text: string): Expr {
  try {
    return parseExpr(text);
  } catch (error) {
    if (!(error instanceof ExprSyntaxError)) throw error;
    throw new UnyoError("UNYO_E_EXPR_INVALID", error.message, {
      details: { line: error.line, column: error.column, expected: error.expected ?? [] },
      hint: "See docs/expressions.md for the language.",
    });
  }
}

const queryProps = {
  expr: { type: "string", minLength: 1, maxLength: 10_000 },
  source: { type: "string", maxLength: 64 },
} as const;

export function metricRoutes(app: FastifyInstance, rt: Runtime): void {
  const remote = (id: string) => {
    const api = rt.remotes.get(id);
    if (!api) {
      throw new UnyoError("UNYO_E_NOT_FOUND", `No metrics.remote with id "${id}".`, {
        hint: `Configured: ${[...rt.remotes.keys()].join(", ") || "none"}.`,
      });
    }
    return api;
  };
  const failed = (error: unknown): never => {
    if (error instanceof UnyoError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    // The remote answered that the query itself is wrong (syntax, execution): the
    // caller's fault, like a local evaluation error; anything else is the back-end's.
    if (isRemoteQueryError(error) && !error.queryFault) {
      throw new UnyoError("UNYO_E_REMOTE_UNAVAILABLE", message);
    }
    throw new UnyoError("UNYO_E_QUERY_FAILED", message);
  };

  app.get<{ Querystring: { expr: string; time?: string; source?: string } }>(
    "/api/v1/query",
    {
      config: { auth: "viewer" },
      schema: {
        summary: "The value of an expression at one instant (default now)",
        tags: ["metrics"],
        querystring: {
          type: "object",
          additionalProperties: false,
          required: ["expr"],
          properties: { ...queryProps, time: { type: "string" } },
        },
      },
    },
    async (request) => {
      const { expr: text, source } = request.query;
      const at = parseTime(request.query.time, "time", rt.clock.now());
      let value: InstantValue;
      try {
        value =
          source === undefined
            ? await evaluate(parseQuery(text), rt.series, at)
            : await remote(source).query(text, at);
      } catch (error) {
        return failed(error);
      }
      const result =
        value.kind === "scalar"
          ? { kind: "scalar", value: jsonValue(value.value) }
          : {
              kind: "vector",
              series: value.samples.map((s) => ({ labels: s.labels, value: jsonValue(s.value) })),
            };
      return { expr: text, at: iso(at), result };
    },
  );

  app.get<{
    Querystring: { expr: string; start?: string; end?: string; step?: string; source?: string };
  }>(
    "/api/v1/query_range",
    {
      config: { auth: "viewer" },
      schema: {
        summary: "An expression evaluated at every step of a time range, for charts",
        tags: ["metrics"],
        querystring: {
          type: "object",
          additionalProperties: false,
          required: ["expr"],
          properties: {
            ...queryProps,
            start: { type: "string" },
            end: { type: "string" },
            step: { type: "string" },
          },
        },
      },
    },
    async (request) => {
      const { expr: text, source } = request.query;
      const endMs = parseTime(request.query.end, "end", rt.clock.now());
      const startMs = parseTime(request.query.start, "start", endMs - 3_600_000);
      if (startMs > endMs) throw new UnyoError("UNYO_E_VALIDATION", "start is after end.");
      const stepMs = parseStep(request.query.step, endMs - startMs);
      if ((endMs - startMs) / stepMs + 1 > MAX_POINTS) {
        throw new UnyoError(
          "UNYO_E_VALIDATION",
          `${Math.floor((endMs - startMs) / stepMs) + 1} points per series is too many (at most ${MAX_POINTS}).`,
          { hint: "Use a larger step or a shorter range." },
        );
      }
      let series: RangeSeries[];
      try {
        series =
          source === undefined
            ? await evaluateRange(parseQuery(text), rt.series, { startMs, endMs, stepMs })
            : await remote(source).queryRange(text, { startMs, endMs, stepMs });
      } catch (error) {
        return failed(error);
      }
      return {
        expr: text,
        start: iso(startMs),
        end: iso(endMs),
        step_ms: stepMs,
        series: series.map((s) => ({
          labels: s.labels,
          points: s.points.map(([t, v]) => [t, jsonValue(v)]),
        })),
      };
    },
  );

  app.get<{ Querystring: { match?: string; limit?: number } }>(
    "/api/v1/series",
    {
      config: { auth: "viewer" },
      schema: {
        summary: "Series in the embedded store, optionally filtered by a selector",
        tags: ["metrics"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            match: { type: "string", maxLength: 2000 },
            limit: { type: "integer", minimum: 1, maximum: 10_000, default: 1000 },
          },
        },
      },
    },
    async (request) => {
      const { match, limit = 1000 } = request.query;
      let matchers: Matcher[] | undefined;
      if (match !== undefined) {
        const expr = parseQuery(match);
        if (expr.kind !== "selector") {
          throw new UnyoError(
            "UNYO_E_EXPR_INVALID",
            `match must be a selector such as up{job="node"}, got "${match}".`,
          );
        }
        matchers =
          expr.name === undefined ? expr.matchers : [nameMatcher(expr.name), ...expr.matchers];
      }
      const all = rt.series.series(matchers);
      return {
        total: all.length,
        series: all.slice(0, limit).map((s: { labels: Labels; lastSampleMs: number | null }) => ({
          labels: s.labels,
          last_sample_at: s.lastSampleMs === null ? null : iso(s.lastSampleMs),
        })),
        stats: snakeCase(rt.series.stats()),
      };
    },
  );

  app.get(
    "/api/v1/metrics/targets",
    {
      config: { auth: "viewer" },
      schema: {
        summary: "Scrape targets: up, last scrape, duration, samples, last error",
        tags: ["metrics"],
      },
    },
    async () => rt.scrapes.status().map(presentTarget),
  );

  // Pushes of any content type reach the handler, which names the accepted ones; Fastify
  // would otherwise answer a bare 415 first. Scoped, so other routes keep strict parsing.
  app.register(async (scope) => {
    scope.addContentTypeParser("*", { parseAs: "string" }, (_request, body, done) =>
      done(null, body),
    );
    scope.post(
      "/api/v1/push",
      {
        config: { auth: "operator" },
        schema: {
          summary:
            "Push samples: Prometheus/OpenMetrics text or JSON {samples:[{name,labels,value,timestamp}]}",
          tags: ["metrics"],
        },
      },
      async (request, reply) => {
        const outcome = ingestPush({
          contentType: request.headers["content-type"] ?? "",
          body: request.body as string | Buffer | object,
          sink: rt.series,
          nowMs: rt.clock.now(),
        });
        if (outcome.status === 415) {
          throw new UnyoError(
            "UNYO_E_UNSUPPORTED_MEDIA_TYPE",
            outcome.message ?? "Unsupported content type.",
          );
        }
        reply.code(outcome.status);
        return outcome.response;
      },
    );
  });
}

const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** A scrape target as the API shows it: snake_case, ISO times, whole milliseconds. */
function presentTarget(s: ScrapeTargetStatus) {
  return {
    id: s.id,
    url: s.url,
    labels: s.labels,
    every_ms: s.everyMs,
    timeout_ms: s.timeoutMs,
    up: s.up,
    last_scrape_at: isoOrNull(s.lastScrapeAt),
    last_duration_ms: s.lastDurationMs === null ? null : Math.round(s.lastDurationMs * 10) / 10,
    next_scrape_at: isoOrNull(s.nextScrapeAt),
    running: s.running,
    samples_scraped: s.samplesScraped,
    samples_stored: s.samplesStored,
    rejected: s.rejected,
    last_error: s.lastError && { at: iso(s.lastError.at), message: s.lastError.message },
    problems: s.problems,
    problems_total: s.problemsTotal,
    scrapes: s.scrapes,
    failures: s.failures,
    skipped_overlaps: s.skippedOverlaps,
  };
}

const snakeCase = (o: object) =>
  Object.fromEntries(
    Object.entries(o).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]),
  );

function nameMatcher(name: string) {
  return { label: "__name__", op: "=" as const, value: name, start: 0, end: 0 };
}
