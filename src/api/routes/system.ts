import type { FastifyInstance } from "fastify";
import { ERROR_CATALOGUE } from "../../core/errors.ts";
import type { Runtime } from "../../runtime.ts";

const healthSchema = {
  type: "object",
  required: ["status", "database"],
  properties: {
    status: { type: "string", enum: ["healthy", "unhealthy", "shutting_down"] },
    database: { type: "string", enum: ["connected", "disconnected"] },
    version: { type: "string" },
    uptime_seconds: { type: "number" },
    timestamp: { type: "string", format: "date-time" },
  },
} as const;

/** Health, status, metrics and self-description: the routes that exist in every Unyo. */
export function systemRoutes(app: FastifyInstance, rt: Runtime): void {
  app.get(
    "/api/health",
    {
      config: { auth: "public" },
      schema: {
        summary: "Health of this Unyo process",
        description:
          'Answers like the seeds\' health checks: {"status":"healthy","database":"connected"}. 503 when the store is unreachable or Unyo is shutting down.',
        tags: ["system"],
        response: { 200: healthSchema, 503: healthSchema },
      },
    },
    async (_request, reply) => {
      const connected = await rt.store.ping(1000);
      rt.metrics.storeUp.set(connected ? 1 : 0);
      const status = rt.shuttingDown ? "shutting_down" : connected ? "healthy" : "unhealthy";
      return reply.status(status === "healthy" ? 200 : 503).send({
        status,
        database: connected ? "connected" : "disconnected",
        version: rt.version,
        uptime_seconds: Math.round((rt.clock.now() - rt.startedAt) / 1000),
        timestamp: new Date(rt.clock.now()).toISOString(),
      });
    },
  );

  app.get(
    "/metrics",
    {
      config: {
        auth: "viewer",
        publicWhen: () => rt.config.current.config.security.public_metrics,
      },
      schema: {
        summary: "Prometheus metrics",
        description: "Process metrics and Unyo's own counters in the Prometheus text format.",
        tags: ["system"],
        produces: ["text/plain"],
        response: { 200: { type: "string" } },
      },
    },
    async (_request, reply) => {
      const text = await rt.metrics.registry.metrics();
      return reply.type(rt.metrics.registry.contentType).send(text);
    },
  );

  app.get(
    "/api/v1/status",
    {
      config: { auth: "viewer" },
      schema: {
        summary: "Version, configuration revision and load errors, uptime",
        tags: ["system"],
        response: {
          200: {
            type: "object",
            properties: {
              version: { type: "string" },
              node: { type: "string" },
              started_at: { type: "string", format: "date-time" },
              uptime_seconds: { type: "number" },
              timezone: { type: "string" },
              config: {
                type: "object",
                properties: {
                  file: { type: "string" },
                  revision: { type: "string" },
                  applied_at: { type: "string", format: "date-time" },
                  valid: {
                    type: "boolean",
                    description: "false while the file on disk has errors",
                  },
                  errors: { type: "array", items: { $ref: "ConfigProblem#" } },
                  last_reload: {
                    type: ["object", "null"],
                    properties: {
                      at: { type: "string", format: "date-time" },
                      outcome: { type: "string", enum: ["applied", "rejected", "unchanged"] },
                      restart_required: { type: "array", items: { type: "string" } },
                    },
                  },
                },
              },
              store: {
                type: "object",
                properties: {
                  kind: { type: "string", enum: ["sqlite", "postgres"] },
                  description: { type: "string" },
                  connected: { type: "boolean" },
                },
              },
              checks: {
                type: "object",
                properties: {
                  total: { type: "integer" },
                  by_state: { type: "object", additionalProperties: { type: "integer" } },
                },
              },
            },
          },
        },
      },
    },
    async () => {
      const config = rt.config.status();
      const byState: Record<string, number> = {};
      const checks = rt.checks.list();
      for (const { state } of checks) {
        const name = state?.state ?? "pending";
        byState[name] = (byState[name] ?? 0) + 1;
      }
      const last = config.lastAttempt;
      return {
        version: rt.version,
        node: process.version,
        started_at: new Date(rt.startedAt).toISOString(),
        uptime_seconds: Math.round((rt.clock.now() - rt.startedAt) / 1000),
        timezone: rt.config.current.config.timezone,
        config: {
          file: config.file,
          revision: config.revision,
          applied_at: new Date(config.appliedAt).toISOString(),
          valid: config.errors.length === 0,
          errors: config.errors,
          last_reload: last
            ? {
                at: new Date(last.at).toISOString(),
                outcome: last.outcome,
                restart_required: last.restartRequired,
              }
            : null,
        },
        store: {
          kind: rt.store.kind,
          description: rt.store.description,
          connected: await rt.store.ping(1000),
        },
        checks: { total: checks.length, by_state: byState },
      };
    },
  );

  app.get(
    "/api/v1/errors",
    {
      config: { auth: "viewer" },
      schema: {
        summary: "The error catalogue: every error code with its HTTP status and CLI exit code",
        tags: ["system"],
        response: {
          200: {
            type: "array",
            items: {
              type: "object",
              properties: {
                code: { type: "string" },
                http_status: { type: "integer" },
                exit_code: { type: "integer" },
                title: { type: "string" },
              },
            },
          },
        },
      },
    },
    async () =>
      Object.entries(ERROR_CATALOGUE).map(([code, e]) => ({
        code,
        http_status: e.http,
        exit_code: e.exit,
        title: e.title,
      })),
  );
}
