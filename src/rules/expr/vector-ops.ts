/**
 * Binary operators (docs/expressions.md, "Operators" and "How two sides are matched"):
 *
 * - number op number: a number; a comparison gives 1 or 0.
 * - series op number (either order): applied to every series. A comparison keeps the series
 *   for which it holds, unchanged (name and value of the series, as PromQL without `bool`);
 *   arithmetic drops the name.
 * - series op series: a side that is one series without labels (but its name) pairs with
 *   every series of the other side, as a number would. Otherwise series pair up when their
 *   labels agree — all but the name, only `on (…)`, or all but `ignoring (…)` — and each
 *   series may find at most one partner: more is an ExprEvalError (many-to-one). Arithmetic
 *   keeps the left side's labels without the name; a comparison keeps the left series.
 * - `and`, `or`, `unless` match the same way, many-to-many, and keep series unchanged.
 */
import type { InstantSample, Labels } from "../../metrics/series.ts";
import type { ArithmeticOp, Binary, BinaryOp, ComparisonOp, VectorMatching } from "./ast.ts";
import {
  assertDistinct,
  describeLabels,
  ExprEvalError,
  isUnlabelled,
  keyExcept,
  keyOnly,
  omitLabels,
  pickLabels,
  type Value,
  withoutName,
} from "./eval-values.ts";

export function arithmetic(op: ArithmeticOp, a: number, b: number): number {
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      return a / b;
  }
}

export function compare(op: ComparisonOp, a: number, b: number): boolean {
  switch (op) {
    case "==":
      return a === b;
    case "!=":
      return a !== b;
    case ">":
      return a > b;
    case "<":
      return a < b;
    case ">=":
      return a >= b;
    case "<=":
      return a <= b;
  }
}

const COMPARISONS: ReadonlySet<BinaryOp> = new Set(["==", "!=", ">", "<", ">=", "<="]);
const SET_OPERATORS: ReadonlySet<BinaryOp> = new Set(["and", "or", "unless"]);

export function binary(node: Binary, lhs: Value, rhs: Value): Value {
  const { op } = node;
  if (SET_OPERATORS.has(op)) {
    if (lhs.kind === "scalar" || rhs.kind === "scalar") {
      throw new ExprEvalError(`"${op}" needs series on both sides`, node);
    }
    return { kind: "vector", samples: setOperation(node, lhs.samples, rhs.samples) };
  }
  if (lhs.kind === "scalar") {
    if (rhs.kind === "vector") return vector(withNumber(node, rhs.samples, lhs.value, true));
    const value = COMPARISONS.has(op)
      ? Number(compare(op as ComparisonOp, lhs.value, rhs.value))
      : arithmetic(op as ArithmeticOp, lhs.value, rhs.value);
    return { kind: "scalar", value };
  }
  if (rhs.kind === "scalar") return vector(withNumber(node, lhs.samples, rhs.value, false));
  return vector(pairs(node, lhs.samples, rhs.samples));
}

function vector(samples: InstantSample[]): Value {
  return { kind: "vector", samples };
}

/** `x op n` or (`numberOnLeft`) `n op x`. */
function withNumber(
  node: Binary,
  samples: readonly InstantSample[],
  n: number,
  numberOnLeft: boolean,
): InstantSample[] {
  const out: InstantSample[] = [];
  if (COMPARISONS.has(node.op)) {
    const op = node.op as ComparisonOp;
    for (const s of samples) {
      if (numberOnLeft ? compare(op, n, s.value) : compare(op, s.value, n)) out.push(s);
    }
    return out;
  }
  const op = node.op as ArithmeticOp;
  for (const s of samples) {
    const value = numberOnLeft ? arithmetic(op, n, s.value) : arithmetic(op, s.value, n);
    out.push({ labels: withoutName(s.labels), value });
  }
  assertDistinct(out, node, `"${op}"`);
  return out;
}

/** A single series without labels: it pairs with everything, like a number. */
function lone(samples: readonly InstantSample[]): boolean {
  return samples.length === 1 && isUnlabelled((samples[0] as InstantSample).labels);
}

/** Arithmetic and comparison of two series sides. */
function pairs(node: Binary, lhs: InstantSample[], rhs: InstantSample[]): InstantSample[] {
  if (lone(rhs) && !lone(lhs)) return withNumber(node, lhs, (rhs[0] as InstantSample).value, false);
  if (lone(lhs) && !lone(rhs)) return withNumber(node, rhs, (lhs[0] as InstantSample).value, true);
  const key = matchKeyOf(node.matching);
  const right = new Map<string, InstantSample[]>();
  for (const s of rhs) {
    const k = key(s.labels);
    const list = right.get(k);
    if (list === undefined) right.set(k, [s]);
    else list.push(s);
  }
  const leftKeys = lhs.map((s) => key(s.labels));
  const leftCounts = new Map<string, number>();
  for (const k of leftKeys) leftCounts.set(k, (leftCounts.get(k) ?? 0) + 1);
  const comparison = COMPARISONS.has(node.op);
  const out: InstantSample[] = [];
  lhs.forEach((s, i) => {
    const k = leftKeys[i] as string;
    const partners = right.get(k);
    if (partners === undefined) return;
    if (partners.length > 1) throw manyToOne(node, "right", partners, s.labels);
    if ((leftCounts.get(k) ?? 0) > 1) {
      const many = lhs.filter((_, j) => leftKeys[j] === k);
      throw manyToOne(node, "left", many, (partners[0] as InstantSample).labels);
    }
    const partner = (partners[0] as InstantSample).value;
    if (comparison) {
      if (compare(node.op as ComparisonOp, s.value, partner)) out.push(s);
    } else {
      const value = arithmetic(node.op as ArithmeticOp, s.value, partner);
      out.push({ labels: withoutName(s.labels), value });
    }
  });
  if (!comparison) assertDistinct(out, node, `"${node.op}"`);
  return out;
}

/** `and`, `or`, `unless`. */
function setOperation(node: Binary, lhs: InstantSample[], rhs: InstantSample[]): InstantSample[] {
  const key = matchKeyOf(node.matching);
  if (node.op === "or") {
    const left = new Set(lhs.map((s) => key(s.labels)));
    return [...lhs, ...rhs.filter((s) => !left.has(key(s.labels)))];
  }
  const right = new Set(rhs.map((s) => key(s.labels)));
  const keep = node.op === "and";
  return lhs.filter((s) => right.has(key(s.labels)) === keep);
}

type KeyFn = (labels: Labels) => string;
const NOTHING: ReadonlySet<string> = new Set();
const defaultKey: KeyFn = (labels) => keyExcept(labels, NOTHING);
const keyFns = new WeakMap<VectorMatching, KeyFn>();

/** How series are identified for matching: all labels but the name, `on`, or `ignoring`. */
function matchKeyOf(matching: VectorMatching | undefined): KeyFn {
  if (matching === undefined) return defaultKey;
  let fn = keyFns.get(matching);
  if (fn === undefined) {
    if (matching.mode === "on") {
      const names = [...matching.labels].sort();
      fn = (labels) => keyOnly(labels, names);
    } else {
      const excluded = new Set(matching.labels);
      fn = (labels) => keyExcept(labels, excluded);
    }
    keyFns.set(matching, fn);
  }
  return fn;
}

/** The labels two series were matched on, for messages. */
function matchedLabels(matching: VectorMatching | undefined, labels: Labels): Labels {
  if (matching?.mode === "on") return pickLabels(labels, [...matching.labels].sort());
  return omitLabels(labels, new Set(matching?.labels ?? []));
}

function manyToOne(
  node: Binary,
  side: "left" | "right",
  many: readonly InstantSample[],
  other: Labels,
): ExprEvalError {
  const on = matchedLabels(node.matching, other);
  const names = Object.keys(on);
  const shown = many.slice(0, 3).map((s) => describeLabels(s.labels));
  if (many.length > 3) shown.push("…");
  const otherSide = side === "left" ? "right" : "left";
  const aggregateHint = names.length > 0 ? `sum by (${names.join(", ")}) (…)` : "sum(…)";
  return new ExprEvalError(
    `many-to-one match in "${node.op}": ${many.length} series on the ${side} side ` +
      `(${shown.join(", ")}) match the same series on the ${otherSide} side on the labels ` +
      `${describeLabels(on)}; each series may pair with at most one: aggregate the ${side} ` +
      `side first, e.g. ${aggregateHint}, or match on labels that tell them apart with on (…) ` +
      "or ignoring (…)",
    node,
  );
}
