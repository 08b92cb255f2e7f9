import type { FastifyInstance } from "fastify";
import { renderBadge, stateColor, uptimeColor } from "../../checks/badge.ts";
import { CheckNotFoundError } from "../../checks/service.ts";
import { UnyoError } from "../../core/errors.ts";
import type { Runtime } from "../../runtime.ts";
import { audited, identityOf } from "../route-helpers.ts";
import { presentCheck } from "./check-present.ts";

const idParams = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", maxLength: 64 } },
} as const;

const notFound = (error: unknown): never => {
  if (error instanceof CheckNotFoundError) {
    throw new UnyoError("UNYO_E_NOT_FOUND", error.message, {
      hint: "GET /api/v1/checks lists the checks.",
    });
  }
  throw error;
};

/** Operator actions on checks (pause, resume, run now) and status badges. */
export function checkActionRoutes(app: FastifyInstance, rt: Runtime): void {
  const present = (id: string) => {
    const found = rt.checks.get(id);
    if (!found) return notFound(new CheckNotFoundError(id));
    return presentCheck(found.config, found.state, rt.checks.nextDue(id));
  };

  for (const action of ["pause", "resume"] as const) {
    app.post<{ Params: { id: string } }>(
      `/api/v1/checks/:id/${action}`,
      {
        config: { auth: "operator" },
        schema: {
          summary:
            action === "pause" ? "Pause a check (kept across restarts)" : "Resume a paused check",
          tags: ["checks"],
          params: idParams,
          response: { 200: { $ref: "Check#" }, 404: { $ref: "Error#" } },
        },
      },
      async (request) => {
        const { id } = request.params;
        await audited(rt, request, { action: `check.${action}`, target: id }, () =>
          (action === "pause"
            ? rt.checks.pause(id, identityOf(request).actor)
            : rt.checks.resume(id)
          ).catch(notFound),
        );
        return present(id);
      },
    );
  }

  app.post<{ Params: { id: string } }>(
    "/api/v1/checks/:id/run",
    {
      config: { auth: "operator" },
      schema: {
        summary: "Run a check now and answer its result (recorded like a scheduled run)",
        tags: ["checks"],
        params: idParams,
        response: {
          200: {
            type: "object",
            properties: {
              ok: { type: "boolean" },
              degraded: { type: "boolean" },
              duration_ms: { type: "integer" },
              error_kind: { type: ["string", "null"] },
              message: { type: ["string", "null"] },
              attempts: { type: "integer" },
              failures: {
                type: "array",
                items: {
                  type: "object",
                  properties: { assertion: { type: "string" }, message: { type: "string" } },
                },
              },
            },
          },
          404: { $ref: "Error#" },
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const result = await audited(rt, request, { action: "check.run", target: id }, () =>
        rt.checks.runNow(id, AbortSignal.timeout(120_000)).catch(notFound),
      );
      return {
        ok: result.ok,
        degraded: result.degraded,
        duration_ms: result.durationMs,
        error_kind: result.errorKind,
        message: result.message,
        attempts: result.attempts,
        failures: result.failures,
      };
    },
  );

  app.get<{
    Params: { id: string };
    Querystring: { type?: "state" | "uptime"; window?: "24h" | "7d" | "30d"; label?: string };
  }>(
    "/api/v1/checks/:id/badge.svg",
    {
      config: { auth: "viewer", publicWhen: () => rt.config.current.config.security.public_badges },
      schema: {
        summary: "A status badge (SVG): the state, or the uptime over a window",
        description: "Public when security.public_badges is true, for READMEs and wikis.",
        tags: ["checks"],
        params: idParams,
        produces: ["image/svg+xml"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            type: { type: "string", enum: ["state", "uptime"], default: "state" },
            window: { type: "string", enum: ["24h", "7d", "30d"], default: "24h" },
            label: { type: "string", maxLength: 60 },
          },
        },
        response: { 200: { type: "string" }, 404: { $ref: "Error#" } },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const found = rt.checks.get(id) ?? notFound(new CheckNotFoundError(id));
      const { type = "state", window = "24h" } = request.query;
      const label = request.query.label ?? found.config.name ?? id;
      let svg: string;
      if (type === "uptime") {
        const summary = (await rt.history.summaries([id])).get(id)?.[window];
        const percent =
          summary?.uptime == null ? null : Math.floor(summary.uptime * 100_000) / 1000;
        svg = renderBadge(
          label,
          percent === null ? "no data" : `${percent}% ${window}`,
          uptimeColor(percent),
        );
      } else {
        svg = renderBadge(label, found.state.state, stateColor(found.state.state));
      }
      return reply
        .type("image/svg+xml; charset=utf-8")
        .header("cache-control", "max-age=30")
        .send(svg);
    },
  );
}
