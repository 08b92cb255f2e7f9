import type { FastifyInstance } from "fastify";
import type { CheckStateRow } from "../../checks/repository.ts";
import type { CheckConfig } from "../../config/schema.ts";
import { formatDuration } from "../../core/duration.ts";
import { UnyoError } from "../../core/errors.ts";
import type { Runtime } from "../../runtime.ts";

const checkSchema = {
  $id: "Check",
  type: "object",
  properties: {
    id: { type: "string" },
    name: { type: "string" },
    type: { type: "string", enum: ["http"] },
    target: { type: "string" },
    every: { type: "string", description: "Interval, e.g. 30s" },
    expect: { type: "array", items: { type: "string" } },
    labels: { type: "object", additionalProperties: { type: "string" } },
    state: { type: "string", enum: ["pending", "up", "down", "degraded", "paused", "maintenance"] },
    since: { type: ["string", "null"], format: "date-time" },
    last_run_at: { type: ["string", "null"], format: "date-time" },
    last_duration_ms: { type: ["integer", "null"] },
    last_message: { type: ["string", "null"] },
    consecutive_failures: { type: "integer" },
    next_due_at: { type: ["string", "null"], format: "date-time" },
  },
} as const;

const resultSchema = {
  type: "object",
  properties: {
    started_at: { type: "string", format: "date-time" },
    duration_ms: { type: "integer" },
    ok: { type: "boolean" },
    error_kind: { type: ["string", "null"] },
    message: { type: ["string", "null"] },
  },
} as const;

const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());

function present(
  config: CheckConfig,
  state: CheckStateRow | undefined,
  nextDue: number | undefined,
) {
  return {
    id: config.id,
    name: config.name ?? config.id,
    type: "http",
    // Only scheme, host and path: a URL may carry credentials or tokens in its query.
    target: config.http.url.startsWith("/") ? config.http.url : safeUrl(config.http.url),
    every: formatDuration(config.every),
    expect: config.expect,
    labels: config.labels,
    state: state?.state ?? "pending",
    since: iso(state?.since),
    last_run_at: iso(state?.lastRunAt),
    last_duration_ms: state?.lastDurationMs ?? null,
    last_message: state?.lastMessage ?? null,
    consecutive_failures: state?.consecutiveFailures ?? 0,
    next_due_at: iso(config.paused ? null : (nextDue ?? state?.nextDueAt)),
  };
}

function safeUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/** Read-only check routes; writes (pause, resume, run now) come with the checks capability. */
export function checkRoutes(app: FastifyInstance, rt: Runtime): void {
  app.addSchema(checkSchema);

  app.get(
    "/api/v1/checks",
    {
      config: { auth: "viewer" },
      schema: {
        summary: "All configured checks with their current state",
        tags: ["checks"],
        response: { 200: { type: "array", items: { $ref: "Check#" } } },
      },
    },
    async () =>
      rt.checks
        .list()
        .map(({ config, state }) => present(config, state, rt.checks.nextDue(config.id))),
  );

  app.get<{ Params: { id: string }; Querystring: { limit?: number } }>(
    "/api/v1/checks/:id",
    {
      config: { auth: "viewer" },
      schema: {
        summary: "One check with its most recent results",
        tags: ["checks"],
        params: { type: "object", properties: { id: { type: "string", maxLength: 64 } } },
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { limit: { type: "integer", minimum: 1, maximum: 1000, default: 20 } },
        },
        response: {
          200: {
            type: "object",
            properties: {
              check: { $ref: "Check#" },
              results: { type: "array", items: resultSchema },
            },
          },
          404: { $ref: "Error#" },
        },
      },
    },
    async (request) => {
      const found = rt.checks.get(request.params.id);
      if (!found) {
        throw new UnyoError("UNYO_E_NOT_FOUND", `No check with id "${request.params.id}".`, {
          hint: "GET /api/v1/checks lists the configured checks.",
        });
      }
      const results = await rt.checkRepository.recentResults(
        found.config.id,
        request.query.limit ?? 20,
      );
      return {
        check: present(found.config, found.state, rt.checks.nextDue(found.config.id)),
        results: results.map((r) => ({
          started_at: iso(r.startedAt),
          duration_ms: r.durationMs,
          ok: r.ok,
          error_kind: r.errorKind,
          message: r.message,
        })),
      };
    },
  );
}
