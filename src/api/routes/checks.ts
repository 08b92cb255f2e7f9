import type { FastifyInstance, FastifyRequest } from "fastify";
import { roleAtLeast } from "../../auth/roles.ts";
import type { Resolution } from "../../checks/history/timeline.ts";
import type { CheckConfig } from "../../config/schema.ts";
import { UnyoError } from "../../core/errors.ts";
import type { Runtime } from "../../runtime.ts";
import { iso } from "../route-helpers.ts";
import {
  checkSchema,
  type HeartbeatView,
  presentCheck,
  presentResult,
  presentSummary,
  resultSchema,
  STATES,
  summarySchema,
} from "./check-present.ts";

const idParams = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", maxLength: 64 } },
} as const;

/** `from` and `to` of a window, in query strings and answers. */
const windowProps = {
  from: { type: "string", format: "date-time" },
  to: { type: "string", format: "date-time" },
} as const;

const eventSchema = {
  type: "object",
  properties: {
    at: { type: "string", format: "date-time" },
    from: { type: "string" },
    to: { type: "string" },
    message: { type: ["string", "null"] },
  },
} as const;

/** Reading checks: states, results (paged), transitions, uptime and latency for any window. */
export function checkRoutes(app: FastifyInstance, rt: Runtime): void {
  app.addSchema(checkSchema);

  /** Expected ping time, and the ping URL for operators and admins (it is the secret). */
  const heartbeatOf = (request: FastifyRequest, config: CheckConfig): HeartbeatView | undefined => {
    if (!config.heartbeat) return undefined;
    const key = rt.heartbeats.keyOf(config.id);
    const role = request.identity?.role ?? "viewer";
    const base =
      rt.config.current.config.server.public_url ?? `${request.protocol}://${request.host}`;
    return {
      expectedAt: rt.heartbeats.expectedAt(config.id),
      pingUrl:
        key && roleAtLeast(role, "operator") ? `${base.replace(/\/$/, "")}/ping/${key}` : undefined,
    };
  };

  const find = (id: string) => {
    const found = rt.checks.get(id);
    if (!found) {
      throw new UnyoError("UNYO_E_NOT_FOUND", `No check with id "${id}".`, {
        hint: "GET /api/v1/checks lists the configured checks.",
      });
    }
    return found;
  };

  app.get<{ Querystring: { state?: string } }>(
    "/api/v1/checks",
    {
      config: { auth: "viewer" },
      schema: {
        summary: "All checks: state, last result, uptime 24 h / 7 d / 30 d, latency percentiles",
        tags: ["checks"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { state: { type: "string", enum: [...STATES] } },
        },
        response: { 200: { type: "array", items: { $ref: "Check#" } } },
      },
    },
    async (request) => {
      const all = rt.checks.list();
      const summaries = await rt.history.summaries(all.map((c) => c.config.id));
      return all
        .filter(({ state }) => !request.query.state || state.state === request.query.state)
        .map(({ config, state }) =>
          presentCheck(
            config,
            state,
            rt.checks.nextDue(config.id),
            summaries.get(config.id),
            heartbeatOf(request, config),
          ),
        );
    },
  );

  app.get<{ Params: { id: string }; Querystring: { limit?: number } }>(
    "/api/v1/checks/:id",
    {
      config: { auth: "viewer" },
      schema: {
        summary: "One check with uptime, latency, its latest results and transitions",
        tags: ["checks"],
        params: idParams,
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
              events: { type: "array", items: eventSchema },
            },
          },
          404: { $ref: "Error#" },
        },
      },
    },
    async (request) => {
      const { config, state } = find(request.params.id);
      const [summaries, results, events] = await Promise.all([
        rt.history.summaries([config.id]),
        rt.history.recent(config.id, request.query.limit ?? 20),
        rt.checkRepository.events(config.id, 20),
      ]);
      return {
        check: presentCheck(
          config,
          state,
          rt.checks.nextDue(config.id),
          summaries.get(config.id),
          heartbeatOf(request, config),
        ),
        results: results.map(presentResult),
        events: events.map((e) => ({ at: iso(e.at), from: e.from, to: e.to, message: e.message })),
      };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { limit?: number; before?: string } }>(
    "/api/v1/checks/:id/results",
    {
      config: { auth: "viewer" },
      schema: {
        summary: "A check's results, newest first, paged",
        description:
          "Page on with `before` = the `started_at` of the last result of the previous page; `next_before` gives it.",
        tags: ["checks"],
        params: idParams,
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
            before: { type: "string", format: "date-time" },
          },
        },
        response: {
          200: {
            type: "object",
            properties: {
              results: { type: "array", items: resultSchema },
              next_before: { type: ["string", "null"], format: "date-time" },
            },
          },
          404: { $ref: "Error#" },
        },
      },
    },
    async (request) => {
      const { config } = find(request.params.id);
      const limit = request.query.limit ?? 100;
      const before = request.query.before ? Date.parse(request.query.before) : undefined;
      const results = await rt.history.recent(config.id, limit, before);
      const last = results[results.length - 1];
      return {
        results: results.map(presentResult),
        next_before: results.length === limit && last ? iso(last.at) : null,
      };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { from?: string; to?: string } }>(
    "/api/v1/checks/:id/uptime",
    {
      config: { auth: "viewer" },
      schema: {
        summary: "Uptime and latency of a check over any window (default: the last 24 h)",
        tags: ["checks"],
        params: idParams,
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: windowProps,
        },
        response: {
          200: {
            type: "object",
            properties: { ...windowProps, summary: summarySchema },
          },
          400: { $ref: "Error#" },
          404: { $ref: "Error#" },
        },
      },
    },
    async (request) => {
      const { config } = find(request.params.id);
      const { from, to } = windowOf(request.query, rt.clock.now());
      const summary = await rt.history.summary(config.id, from, to);
      return { from: iso(from), to: iso(to), summary: presentSummary(summary) };
    },
  );

  app.get<{
    Params: { id: string };
    Querystring: { resolution?: Resolution; from?: string; to?: string };
  }>(
    "/api/v1/checks/:id/timeline",
    {
      config: { auth: "viewer" },
      schema: {
        summary: "A check's history in buckets of 1m, 1h or 1d, for charts",
        description:
          "1m comes from the raw results (history.raw), 1h and 1d from the rollups. Default: the last 24 h per hour. At most 1500 buckets.",
        tags: ["checks"],
        params: idParams,
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            resolution: { type: "string", enum: ["1m", "1h", "1d"], default: "1h" },
            ...windowProps,
          },
        },
        response: {
          200: {
            type: "object",
            properties: {
              resolution: { type: "string" },
              buckets: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    start: { type: "string", format: "date-time" },
                    ...summarySchema.properties,
                  },
                },
              },
            },
          },
          400: { $ref: "Error#" },
          404: { $ref: "Error#" },
        },
      },
    },
    async (request) => {
      const { config } = find(request.params.id);
      const resolution = request.query.resolution ?? "1h";
      const { from, to } = windowOf(request.query, rt.clock.now());
      const buckets = await rt.history.timeline(config.id, { from, to, resolution });
      return {
        resolution,
        buckets: buckets.map((b) => ({ start: iso(b.start), ...presentSummary(b.summary) })),
      };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { limit?: number } }>(
    "/api/v1/checks/:id/events",
    {
      config: { auth: "viewer" },
      schema: {
        summary: "A check's state transitions, newest first",
        tags: ["checks"],
        params: idParams,
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 } },
        },
        response: {
          200: { type: "object", properties: { events: { type: "array", items: eventSchema } } },
        },
      },
    },
    async (request) => {
      const { config } = find(request.params.id);
      const events = await rt.checkRepository.events(config.id, request.query.limit ?? 100);
      return {
        events: events.map((e) => ({ at: iso(e.at), from: e.from, to: e.to, message: e.message })),
      };
    },
  );
}

/** `from`/`to` of a query (ISO 8601), by default the 24 hours up to now; from before to. */
function windowOf(
  query: { from?: string; to?: string },
  now: number,
): { from: number; to: number } {
  const to = query.to ? Date.parse(query.to) : now;
  const from = query.from ? Date.parse(query.from) : to - 86_400_000;
  if (!(from < to)) throw new UnyoError("UNYO_E_VALIDATION", "from must be before to.");
  return { from, to };
}
