/**
 * Prints an expression in canonical form, for rule lists, the API and error messages:
 * one space around binary operators, none inside calls and braces, `, ` between arguments
 * and matchers, durations as formatDuration spells them, and parentheses only where
 * precedence needs them. parseExpr(formatExpr(e)) has the same tree as e, offsets aside.
 */
import { formatDuration } from "../../core/duration.ts";
import {
  type Expr,
  isBareMetricName,
  type Matcher,
  type Node,
  PRECEDENCE,
  type RangeSelector,
  type Selector,
} from "./ast.ts";

export function formatExpr(node: Node): string {
  switch (node.kind) {
    case "number":
      return formatNumber(node.value);
    case "duration":
      return formatDuration(node.ms);
    case "selector":
      return formatSelector(node);
    case "range":
      return formatRange(node);
    case "window":
      return `${node.fn}(${formatRange(node.range)})`;
    case "quantile":
      return `quantile(${formatExpr(node.q)}, ${formatRange(node.range)})`;
    case "predict":
      return `predict(${formatRange(node.range)}, ${formatDuration(node.horizonMs)})`;
    case "time_to":
      return `time_to(${formatRange(node.range)}, ${formatExpr(node.target)})`;
    case "aggregate": {
      const arg = formatExpr(node.arg);
      if (!node.grouping) return `${node.op}(${arg})`;
      return `${node.op} ${node.grouping.mode} (${node.grouping.labels.join(", ")}) (${arg})`;
    }
    case "unary": {
      const arg = formatExpr(node.arg);
      return node.arg.kind === "binary" || node.arg.kind === "unary" ? `-(${arg})` : `-${arg}`;
    }
    case "binary": {
      const precedence = PRECEDENCE[node.op];
      const lhs = operand(node.lhs, precedence, false);
      const rhs = operand(node.rhs, precedence, true);
      const m = node.matching;
      const matching = m ? ` ${m.mode} (${m.labels.join(", ")})` : "";
      return `${lhs} ${node.op}${matching} ${rhs}`;
    }
  }
}

/** Binary operators are left-associative: `a - (b - c)` keeps its parentheses, `(a - b) - c`
 * loses them. */
function operand(expr: Expr, parent: number, right: boolean): string {
  const text = formatExpr(expr);
  if (expr.kind !== "binary") return text;
  const own = PRECEDENCE[expr.op];
  return own < parent || (right && own === parent) ? `(${text})` : text;
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

function formatRange(range: RangeSelector): string {
  return `${formatSelector(range.selector)}[${formatDuration(range.rangeMs)}]`;
}

function formatMatcher(m: Pick<Matcher, "label" | "op" | "value">): string {
  return `${m.label}${m.op}${JSON.stringify(m.value)}`;
}

/** A name that cannot be written bare (`and`, `inf`, `my-metric`) goes in as `__name__`. */
function formatSelector(selector: Selector): string {
  const { name } = selector;
  const bare = name !== undefined && isBareMetricName(name);
  const matchers = selector.matchers.map(formatMatcher);
  if (name !== undefined && !bare) {
    matchers.unshift(formatMatcher({ label: "__name__", op: "=", value: name }));
  }
  const braces = matchers.length > 0 ? `{${matchers.join(", ")}}` : "";
  return `${bare ? name : ""}${braces}`;
}
