/**
 * Threshold rules over HTTP: each rule with its health, last evaluation and alerts (state,
 * level, value, since when, rendered annotations), and the transition log.
 */
import type { FastifyInstance } from "fastify";
import { UnyoError } from "../../core/errors.ts";
import type { RuleView } from "../../rules/rule-service.ts";
import type { Runtime } from "../../runtime.ts";
import { iso } from "../route-helpers.ts";
import { jsonValue } from "./metrics.ts";

const isoOrNull = (ms: number | null | undefined) => (ms == null ? null : iso(ms));

export function presentRule(view: RuleView) {
  const { rule, status } = view;
  const firing = view.alerts.filter((a) => a.state === "firing");
  const worst = firing.some((a) => a.level === "critical")
    ? "critical"
    : firing.length > 0
      ? "warning"
      : view.alerts.length > 0
        ? "pending"
        : "ok";
  return {
    id: rule.id,
    name: rule.name ?? rule.id,
    expr: rule.expr,
    source: rule.source ?? "embedded",
    levels: {
      ...(rule.warning ? { warning: rule.warning } : {}),
      ...(rule.critical ? { critical: rule.critical } : {}),
      ...(rule.recover ? { recover: rule.recover } : {}),
      ...(!rule.warning && !rule.critical ? { condition: rule.severity ?? "warning" } : {}),
    },
    for_ms: rule.for,
    keep_firing_for_ms: rule.keep_firing_for,
    every_ms: rule.every,
    no_data: rule.no_data,
    paused: rule.paused,
    state: worst,
    health: status?.health ?? "unknown",
    last_error: status?.lastError ?? null,
    last_eval_at: isoOrNull(status?.lastEvalAt),
    last_eval_duration_ms: status?.durationMs ?? null,
    last_eval_series: status?.series ?? null,
    next_eval_at: isoOrNull(view.nextEvalAt),
    alerts: view.alerts.map((a) => ({
      fingerprint: a.fingerprint,
      state: a.state,
      level: a.level,
      value: jsonValue(a.value),
      no_data: a.noData,
      labels: a.labels,
      annotations: a.annotations,
      pending_since: isoOrNull(a.level ? a.holdingSince[a.level] : null),
      fired_at: isoOrNull(a.firedAt),
      recovered_at: isoOrNull(a.recoveredAt),
    })),
  };
}

function presentEvent(e: Awaited<ReturnType<Runtime["ruleRepository"]["events"]>>[number]) {
  return {
    rule_id: e.ruleId,
    fingerprint: e.fingerprint,
    at: iso(e.at),
    from: e.from,
    to: e.to,
    value: jsonValue(e.value),
    labels: e.labels,
  };
}

export function ruleRoutes(app: FastifyInstance, rt: Runtime): void {
  app.get<{ Querystring: { state?: string } }>(
    "/api/v1/rules",
    {
      config: { auth: "viewer" },
      schema: {
        summary: "Every rule: health, last evaluation, alerts with state, level and value",
        tags: ["rules"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { state: { type: "string", enum: ["ok", "pending", "warning", "critical"] } },
        },
      },
    },
    async (request) => {
      const rules = rt.rules.list().map(presentRule);
      const { state } = request.query;
      return state ? rules.filter((r) => r.state === state) : rules;
    },
  );

  app.get<{ Params: { id: string } }>(
    "/api/v1/rules/:id",
    {
      config: { auth: "viewer" },
      schema: {
        summary: "One rule with its alerts",
        tags: ["rules"],
        params: {
          type: "object",
          required: ["id"],
          properties: { id: { type: "string", maxLength: 64 } },
        },
      },
    },
    async (request) => {
      const view = rt.rules.get(request.params.id);
      if (!view) {
        throw new UnyoError("UNYO_E_NOT_FOUND", `No rule with id "${request.params.id}".`, {
          hint: "GET /api/v1/rules lists the configured rules.",
        });
      }
      const events = await rt.ruleRepository.events({ ruleId: request.params.id, limit: 100 });
      return {
        ...presentRule(view),
        events: events.map(presentEvent),
      };
    },
  );

  app.get<{ Querystring: { rule?: string; limit?: number } }>(
    "/api/v1/rules/events",
    {
      config: { auth: "viewer" },
      schema: {
        summary: "Alert transitions of rules, newest first",
        tags: ["rules"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            rule: { type: "string", maxLength: 64 },
            limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
          },
        },
      },
    },
    async (request) => {
      const { rule, limit = 100 } = request.query;
      const events = await rt.ruleRepository.events({ ...(rule ? { ruleId: rule } : {}), limit });
      return events.map(presentEvent);
    },
  );
}
