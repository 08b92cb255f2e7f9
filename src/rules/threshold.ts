/**
 * A rule's level conditions: `warning: "> 70"`, `critical: ">= 90"`, `recover: "< 60"`.
 * One comparison operator and one number, checked against the value of the rule's
 * expression for each label set. Durations are seconds, as in expressions (`> 5m` is 300).
 */
import { DURATION_PATTERN, parseDuration } from "../core/duration.ts";

export const THRESHOLD_OPS = [">=", "<=", "==", "!=", ">", "<"] as const;
export type ThresholdOp = (typeof THRESHOLD_OPS)[number];

export interface Threshold {
  op: ThresholdOp;
  value: number;
  /** As written, for messages and the API. */
  text: string;
}

export class ThresholdError extends Error {}

const PATTERN = /^\s*(>=|<=|==|!=|>|<)\s*(\S+)\s*$/;

/** Parses `"> 70"`; throws ThresholdError saying what a threshold looks like. */
export function parseThreshold(text: string): Threshold {
  const match = PATTERN.exec(text);
  if (!match) {
    throw new ThresholdError(
      `"${text}" is not a threshold: expected an operator (>, >=, <, <=, ==, !=) and a number, e.g. "> 70"`,
    );
  }
  const op = match[1] as ThresholdOp;
  const literal = match[2] as string;
  const value = DURATION_PATTERN.test(literal)
    ? parseDuration(literal) / 1000
    : /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(literal)
      ? Number(literal)
      : Number.NaN;
  if (Number.isNaN(value)) {
    const hint = literal.endsWith("%")
      ? `; write the number without % ("${op} ${literal.slice(0, -1)}" for a metric in percent)`
      : "";
    throw new ThresholdError(`"${literal}" in "${text}" is not a number${hint}`);
  }
  return { op, value, text: `${op} ${literal}` };
}

/** Whether `value` meets the threshold. NaN meets none (as in IEEE comparisons). */
export function meets(threshold: Threshold, value: number): boolean {
  const t = threshold.value;
  switch (threshold.op) {
    case ">":
      return value > t;
    case ">=":
      return value >= t;
    case "<":
      return value < t;
    case "<=":
      return value <= t;
    case "==":
      return value === t;
    case "!=":
      return value !== t && !Number.isNaN(value);
  }
}
