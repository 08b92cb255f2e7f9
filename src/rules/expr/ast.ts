/**
 * The syntax tree of rule expressions (docs/expressions.md): what parseExpr returns and
 * formatExpr prints. Plain data — every node has a `kind` and the `start`/`end` offsets
 * (0-based, end exclusive) of the text it came from, so later stages can point at it.
 *
 * Parentheses and unary `+` leave no node: `(a + b) * c` is a binary `*` whose left side is
 * the binary `+`, and formatExpr puts back exactly the parentheses precedence needs.
 */

/** Where a node was written: offsets into the expression text, `end` exclusive. */
export interface Span {
  start: number;
  end: number;
}

/** `0.05`, `1e3`, `Inf`, `NaN`. Never negative: `-1` is a unary minus applied to 1. */
export interface NumberLiteral extends Span {
  kind: "number";
  value: number;
}

/** `7d` outside a range: a number of seconds (`time_to(...) < 7d`). */
export interface DurationLiteral extends Span {
  kind: "duration";
  ms: number;
}

export const MATCH_OPS = ["=", "!=", "=~", "!~"] as const;
export type MatchOp = (typeof MATCH_OPS)[number];

/** One `label op "value"` inside braces. */
export interface Matcher extends Span {
  label: string;
  op: MatchOp;
  value: string;
  /** For `=~` and `!~`: the value compiled once at parse time, anchored (`^(?:…)$`). */
  regex?: RegExp;
}

/**
 * `http_requests_total{status=~"5..", job="api"}`: the series with that name and labels.
 * `{__name__="x"}` is read as the name `x`; other matchers on `__name__` stay matchers.
 */
export interface Selector extends Span {
  kind: "selector";
  name?: string;
  matchers: Matcher[];
}

/** `cpu_percent[5m]`: the samples of each series over the last 5 minutes. Only valid as the
 * argument of a windowed function, never as a value on its own. */
export interface RangeSelector extends Span {
  kind: "range";
  selector: Selector;
  rangeMs: number;
}

/** Functions that reduce each series' window to one value, keeping the series' labels. */
export const WINDOW_FUNCTIONS = [
  "avg",
  "min",
  "max",
  "sum",
  "count",
  "last",
  "rate",
  "increase",
  "p50",
  "p95",
  "p99",
] as const;
export type WindowFunction = (typeof WINDOW_FUNCTIONS)[number];

/** The quantile each of p50, p95, p99 stands for. */
export const PERCENTILES: Readonly<Record<"p50" | "p95" | "p99", number>> = {
  p50: 0.5,
  p95: 0.95,
  p99: 0.99,
};

/** `avg(cpu_percent[5m])`, `rate(http_requests_total[5m])`, `p95(latency_ms[5m])`. */
export interface WindowCall extends Span {
  kind: "window";
  fn: WindowFunction;
  range: RangeSelector;
}

/** `quantile(0.9, latency_ms[5m])`: `q` is a number expression between 0 and 1. */
export interface QuantileCall extends Span {
  kind: "quantile";
  q: Expr;
  range: RangeSelector;
}

/** `predict(disk_used_percent[6h], 3d)`: the value of a least-squares line fitted to the
 * window, `horizonMs` after the evaluation time. */
export interface PredictCall extends Span {
  kind: "predict";
  range: RangeSelector;
  horizonMs: number;
}

/** `time_to(disk_used_percent[6h], 70)`: seconds until the fitted line reaches `target`;
 * +Inf when it is flat or moving away from it, NaN with fewer than two samples. */
export interface TimeToCall extends Span {
  kind: "time_to";
  range: RangeSelector;
  target: Expr;
}

/** Aggregations across series; with a range argument the same names are WindowCalls. */
export const AGGREGATIONS = ["sum", "avg", "min", "max", "count"] as const;
export type AggregationOp = (typeof AGGREGATIONS)[number];

/** Every function name, for "did you mean". */
export const FUNCTIONS: readonly string[] = [
  ...new Set<string>([...WINDOW_FUNCTIONS, ...AGGREGATIONS, "quantile", "predict", "time_to"]),
];

/** Examples for error messages; the windowed functions share `fn(cpu_percent[5m])`. */
const USAGE: Readonly<Record<string, string>> = {
  rate: "rate(http_requests_total[5m])",
  increase: "increase(http_requests_total[1h])",
  quantile: "quantile(0.9, latency_ms[5m])",
  predict: "predict(disk_used_percent[6h], 3d)",
  time_to: "time_to(disk_used_percent[6h], 70)",
};
/** An example call of `fn`, for error messages. */
export const usage = (fn: string): string => USAGE[fn] ?? `${fn}(cpu_percent[5m])`;

/** `by (a, b)` keeps only those labels; `without (a, b)` keeps all labels but those. */
export interface Grouping {
  mode: "by" | "without";
  labels: string[];
}

/** `sum by (instance) (rate(http_requests_total[5m]))`, `max(cpu_percent)`. */
export interface Aggregation extends Span {
  kind: "aggregate";
  op: AggregationOp;
  /** Absent: every series folds into one, without labels. */
  grouping?: Grouping;
  arg: Expr;
}

/** `-x`. Unary `+` is dropped while parsing. */
export interface Unary extends Span {
  kind: "unary";
  op: "-";
  arg: Expr;
}

export const ARITHMETIC_OPS = ["+", "-", "*", "/"] as const;
export const COMPARISON_OPS = ["==", "!=", ">", "<", ">=", "<="] as const;
export const SET_OPS = ["and", "or", "unless"] as const;
export type ArithmeticOp = (typeof ARITHMETIC_OPS)[number];
export type ComparisonOp = (typeof COMPARISON_OPS)[number];
export type SetOp = (typeof SET_OPS)[number];
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp;

/** `on (a, b)`: series pair up when those labels agree; `ignoring (a, b)`: when all labels
 * but those agree. Without it, series pair up when all labels (but the name) agree. */
export interface VectorMatching {
  mode: "on" | "ignoring";
  labels: string[];
}

/** `a / b`, `x > 70`, `a and b`. A comparison keeps the series for which it holds. */
export interface Binary extends Span {
  kind: "binary";
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  matching?: VectorMatching;
}

/** A complete expression: what parseExpr returns. */
export type Expr =
  | NumberLiteral
  | DurationLiteral
  | Selector
  | WindowCall
  | QuantileCall
  | PredictCall
  | TimeToCall
  | Aggregation
  | Unary
  | Binary;

/** Anything the parser builds, including a range, which is only valid inside a function. */
export type Node = Expr | RangeSelector;

/** Operator precedence, loosest first; all binary operators are left-associative. */
export const PRECEDENCE: Readonly<Record<BinaryOp, number>> = {
  or: 1,
  and: 2,
  unless: 2,
  "==": 3,
  "!=": 3,
  ">": 3,
  "<": 3,
  ">=": 3,
  "<=": 3,
  "+": 4,
  "-": 4,
  "*": 5,
  "/": 5,
};

/**
 * What a node evaluates to: a `scalar` (one number, no labels), a `vector` (one value per
 * series, with labels) or a `range` (samples over a window per series).
 */
export type ValueType = "scalar" | "vector" | "range";

export function valueType(node: Node): ValueType {
  switch (node.kind) {
    case "number":
    case "duration":
      return "scalar";
    case "range":
      return "range";
    case "unary":
      return valueType(node.arg);
    case "binary":
      return valueType(node.lhs) === "scalar" && valueType(node.rhs) === "scalar"
        ? "scalar"
        : "vector";
    default:
      return "vector";
  }
}

/** Words that are never metric names when written bare; `{__name__="and"}` still selects one. */
export const KEYWORDS: ReadonlySet<string> = new Set([
  "and",
  "or",
  "unless",
  "by",
  "without",
  "on",
  "ignoring",
]);

/** Whether `name` can be written as a bare metric name (else formatExpr uses `__name__`). */
export function isBareMetricName(name: string): boolean {
  return (
    /^[A-Za-z_:][A-Za-z0-9_:]*$/.test(name) &&
    !KEYWORDS.has(name) &&
    !["inf", "nan"].includes(name.toLowerCase())
  );
}
