import type { FastifyInstance } from "fastify";
import { UnyoError } from "../../core/errors.ts";
import type { Runtime } from "../../runtime.ts";
import { iso } from "../route-helpers.ts";

interface AuditQuerystring {
  actor?: string;
  action?: string;
  since?: string;
  until?: string;
  limit?: number;
  before_id?: number;
}

const auditRowSchema = {
  type: "object",
  properties: {
    id: { type: "integer" },
    at: { type: "string", format: "date-time" },
    actor: { type: "string" },
    action: { type: "string" },
    target: { type: ["string", "null"] },
    source_ip: { type: ["string", "null"] },
    outcome: { type: "string", enum: ["success", "failure", "denied"] },
    details: { type: ["object", "null"], additionalProperties: true },
    hash: { type: "string" },
  },
} as const;

/** The audit log (admin): filtered, newest first, paged by before_id; and chain verification. */
export function auditRoutes(app: FastifyInstance, rt: Runtime): void {
  app.get<{ Querystring: AuditQuerystring }>(
    "/api/v1/audit",
    {
      config: { auth: "admin" },
      schema: {
        summary: "Audit log entries, newest first",
        description:
          "Filters: actor (exact), action (exact or prefix like `user.*`), since/until (ISO 8601). Page on with before_id = the last id of the previous page.",
        tags: ["audit"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            actor: { type: "string", maxLength: 200 },
            action: { type: "string", maxLength: 100 },
            since: { type: "string", maxLength: 40 },
            until: { type: "string", maxLength: 40 },
            limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
            before_id: { type: "integer", minimum: 1 },
          },
        },
        response: {
          200: {
            type: "object",
            properties: { entries: { type: "array", items: auditRowSchema } },
          },
          400: { $ref: "Error#" },
        },
      },
    },
    async (request) => {
      const q = request.query;
      const rows = await rt.auth.audit.query({
        ...(q.actor === undefined ? {} : { actor: q.actor }),
        ...(q.action === undefined ? {} : { action: q.action }),
        ...(q.since === undefined ? {} : { since: parseTime("since", q.since) }),
        ...(q.until === undefined ? {} : { until: parseTime("until", q.until) }),
        ...(q.limit === undefined ? {} : { limit: q.limit }),
        ...(q.before_id === undefined ? {} : { beforeId: q.before_id }),
      });
      return {
        entries: rows.map((r) => ({
          id: r.id,
          at: iso(r.at),
          actor: r.actor,
          action: r.action,
          target: r.target,
          source_ip: r.sourceIp,
          outcome: r.outcome,
          details: r.details,
          hash: r.hash,
        })),
      };
    },
  );

  app.get(
    "/api/v1/audit/verify",
    {
      config: { auth: "admin" },
      schema: {
        summary: "Verify the hash chain: detects edited or deleted rows",
        tags: ["audit"],
        response: {
          200: {
            type: "object",
            properties: {
              ok: { type: "boolean" },
              checked: { type: "integer" },
              first_bad_id: { type: "integer" },
              problem: { type: "string" },
            },
          },
        },
      },
    },
    async () => {
      const result = await rt.auth.audit.verify();
      return {
        ok: result.ok,
        checked: result.checked,
        ...(result.firstBadId === undefined ? {} : { first_bad_id: result.firstBadId }),
        ...(result.problem === undefined ? {} : { problem: result.problem }),
      };
    },
  );
}

function parseTime(name: string, text: string): number {
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(ms)) {
    throw new UnyoError(
      "UNYO_E_VALIDATION",
      `${name} must be an ISO 8601 date or time, e.g. 2026-11-01T00:00:00Z.`,
      {
        details: { [name]: text.slice(0, 40) },
      },
    );
  }
  return ms;
}
