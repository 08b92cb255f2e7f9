/**
 * `rules:` — threshold rules over metric series (docs/rules.md). A rule has an expression
 * whose value is judged per label set against `warning` / `critical` levels, with `for`,
 * a recovery condition (hysteresis), `keep_firing_for`, a no-data policy, labels and
 * templated annotations. With `source:` the expression is PromQL sent to a remote
 * Prometheus-compatible API instead of the embedded store.
 */
import { z } from "zod";
import { durationSchema } from "../core/duration.ts";
import { valueType } from "../rules/expr/ast.ts";
import { ExprSyntaxError, parseExpr } from "../rules/expr/parser.ts";
import { compileTemplate, TemplateError } from "../rules/template.ts";
import { parseThreshold, ThresholdError } from "../rules/threshold.ts";
import { idSchema } from "./check-schema.ts";
import { metricLabelsSchema } from "./metrics-schema.ts";

export const NO_DATA = ["keep", "ok", "alert"] as const;
export const LEVELS = ["warning", "critical"] as const;
export type Level = (typeof LEVELS)[number];

const thresholdSchema = z.string().superRefine((text, t) => {
  try {
    parseThreshold(text);
  } catch (error) {
    if (!(error instanceof ThresholdError)) throw error;
    t.addIssue({ code: "custom", message: error.message });
  }
});

const templateSchema = z.string().superRefine((text, t) => {
  try {
    compileTemplate(text);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    t.addIssue({
      code: "custom",
      message: `template: ${error.message} of "${text}"`,
      params: { exprOffset: error.column - 1 },
    });
  }
});

/** Top-level comparison or set operator: the expression is itself the condition. */
function isCondition(text: string): boolean {
  try {
    const expr = parseExpr(text);
    return (
      expr.kind === "binary" &&
      [">", "<", ">=", "<=", "==", "!=", "and", "or", "unless"].includes(expr.op)
    );
  } catch {
    return false;
  }
}

export const ruleSchema = z
  .strictObject({
    id: idSchema
      .refine((id) => id !== "events", {
        error: '"events" is reserved (GET /api/v1/rules/events): choose another rule id',
      })
      .meta({ description: "Stable id of the rule; the alert name" }),
    name: z
      .string()
      .optional()
      .meta({ description: "Name shown to people, e.g. Webサーバー CPU使用率" }),
    expr: z
      .string()
      .min(1)
      .meta({
        description:
          "Expression (docs/expressions.md), or PromQL when `source` names a remote back-end",
        examples: ['avg(host_cpu_percent{role="web"}[1m])'],
      }),
    source: idSchema.optional().meta({
      description: "Id of a metrics.remote back-end to run `expr` (PromQL) on; default: embedded",
    }),
    warning: thresholdSchema.optional().meta({ description: 'Warning level, e.g. "> 70"' }),
    critical: thresholdSchema.optional().meta({ description: 'Critical level, e.g. "> 85"' }),
    recover: thresholdSchema.optional().meta({
      description:
        'Hysteresis: a firing alert resolves only once this holds, e.g. "< 60" (default: when no level holds)',
    }),
    severity: z.enum(LEVELS).optional().meta({
      description: "For a condition expression (one with a comparison) without warning/critical",
    }),
    for: durationSchema.prefault("0s").meta({
      description: "How long a level must hold before the alert fires at that level",
    }),
    keep_firing_for: durationSchema.prefault("0s").meta({
      description: "Keep firing this long after recovery, so a flapping value does not re-alert",
    }),
    every: durationSchema
      .prefault("1m")
      .refine((ms) => ms >= 1000 && ms <= 86_400_000, { error: "expected 1s to 1d, e.g. 1m" })
      .meta({ description: "Evaluation interval" }),
    no_data: z
      .enum(NO_DATA, { error: `expected one of ${NO_DATA.join(", ")}` })
      .default("keep")
      .meta({
        description:
          "When a label set has no value: keep its state, treat it as ok (resolve), or alert",
      }),
    labels: metricLabelsSchema.meta({ description: "Added to every alert of this rule" }),
    annotations: z.record(z.string(), templateSchema).default({}).meta({
      description: 'Templated texts, e.g. summary: "{{ $labels.instance }}: {{ $value }}%"',
    }),
    paused: z.boolean().default(false),
  })
  .superRefine((rule, t) => {
    if (rule.source === undefined) {
      try {
        const expr = parseExpr(rule.expr);
        if (valueType(expr) === "scalar") {
          t.addIssue({
            code: "custom",
            path: ["expr"],
            message: "the expression is a constant: select series, e.g. avg(host_cpu_percent[1m])",
          });
        }
      } catch (error) {
        if (!(error instanceof ExprSyntaxError)) throw error;
        t.addIssue({
          code: "custom",
          path: ["expr"],
          message: `expression: ${error.message}`,
          params: { exprOffset: error.offset },
        });
        return;
      }
    }
    const hasLevels = rule.warning !== undefined || rule.critical !== undefined;
    const condition = rule.source === undefined ? isCondition(rule.expr) : !hasLevels;
    if (hasLevels && rule.severity !== undefined) {
      t.addIssue({
        code: "custom",
        path: ["severity"],
        message: "severity is for condition expressions; with warning/critical the level is known",
      });
    }
    if (!hasLevels && !condition) {
      t.addIssue({
        code: "custom",
        path: ["expr"],
        message:
          'a rule needs warning and/or critical (e.g. warning: "> 70"), or an expression with a comparison (e.g. avg(x[5m]) > 70)',
      });
    }
    if (hasLevels && condition && rule.source === undefined) {
      t.addIssue({
        code: "custom",
        path: ["expr"],
        message:
          "the expression already compares; with warning/critical give the value only (drop the comparison)",
      });
    }
    if (!hasLevels && rule.recover !== undefined) {
      t.addIssue({
        code: "custom",
        path: ["recover"],
        message: "recover needs warning or critical levels to recover from",
      });
    }
  });

export function rulesSchema() {
  return z.array(ruleSchema).default([]);
}

export type RuleConfig = z.output<typeof ruleSchema>;
