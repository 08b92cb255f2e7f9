/**
 * A rule from unyo.yaml, prepared once per config load: the parsed expression, the alert
 * policy and the compiled annotation templates, so an evaluation does no parsing.
 */
import { createHash } from "node:crypto";
import type { RuleConfig } from "../config/rules-schema.ts";
import { type Labels, labelsKey, NAME_LABEL } from "../metrics/series.ts";
import type { AlertPolicy } from "./alert-state.ts";
import type { Expr } from "./expr/ast.ts";
import { parseExpr } from "./expr/parser.ts";
import { type CompiledTemplate, compileTemplate } from "./template.ts";
import { parseThreshold } from "./threshold.ts";

export interface CompiledRule {
  config: RuleConfig;
  /** The parsed expression; absent when the rule runs PromQL on a remote back-end. */
  expr?: Expr;
  policy: AlertPolicy;
  /** True when the expression compares: every series it returns is a holding condition. */
  isCondition: boolean;
  annotations: [name: string, template: CompiledTemplate][];
}

const CONDITION_OPS = new Set([">", "<", ">=", "<=", "==", "!=", "and", "or", "unless"]);

export function compileRule(config: RuleConfig): CompiledRule {
  const expr = config.source === undefined ? parseExpr(config.expr) : undefined;
  const hasLevels = config.warning !== undefined || config.critical !== undefined;
  const isCondition = !hasLevels;
  const levels: AlertPolicy["levels"] = {};
  if (config.warning) levels.warning = parseThreshold(config.warning);
  if (config.critical) levels.critical = parseThreshold(config.critical);
  const policy: AlertPolicy = {
    levels,
    forMs: config.for,
    keepFiringForMs: config.keep_firing_for,
    noData: config.no_data,
  };
  if (isCondition) policy.conditionLevel = config.severity ?? "warning";
  if (config.recover) policy.recover = parseThreshold(config.recover);
  if (expr && isCondition && !(expr.kind === "binary" && CONDITION_OPS.has(expr.op))) {
    throw new Error(`rule ${config.id}: expected a condition expression`); // the schema refuses it
  }
  return {
    config,
    ...(expr ? { expr } : {}),
    policy,
    isCondition,
    annotations: Object.entries(config.annotations).map(([k, v]) => [k, compileTemplate(v)]),
  };
}

/** The labels that identify one alert of a rule: the series' labels without the metric name. */
export function seriesIdentity(labels: Labels): Labels {
  if (!(NAME_LABEL in labels)) return labels;
  const { [NAME_LABEL]: _name, ...rest } = labels;
  return rest;
}

/** A short stable id of one alert: the rule and its label set. */
export function fingerprint(ruleId: string, identity: Labels): string {
  return createHash("sha256")
    .update(`${ruleId}\u0002${labelsKey(identity)}`)
    .digest("hex")
    .slice(0, 16);
}

/** The labels an alert carries to routing: the series', the rule's, alertname and severity. */
export function alertLabels(rule: RuleConfig, identity: Labels, level: string | null): Labels {
  const labels: Labels = { ...identity, ...rule.labels, alertname: rule.id };
  if (level) labels.severity = level;
  return labels;
}
