/**
 * What the stages of evaluation share: the error they throw, the value a node evaluates to,
 * and the label arithmetic of matching and grouping (docs/expressions.md, "Evaluation").
 *
 * Label sets are treated as immutable: results reuse the label objects of the series they
 * come from, and the keys and name-less copies computed for a label object are cached on it
 * (WeakMaps), so a range query does not recompute them at every step.
 */
import { type InstantSample, type Labels, labelsKey, NAME_LABEL } from "../../metrics/series.ts";
import type { Span } from "./ast.ts";

/**
 * An expression that parsed but cannot be evaluated on this data (a many-to-one match, two
 * results with the same labels) or with these arguments (too many range steps). `start` and
 * `end` are the offsets of the node it is about, as in the syntax tree.
 */
export class ExprEvalError extends Error {
  readonly start: number;
  readonly end: number;
  constructor(message: string, span: Span) {
    super(message);
    this.name = "ExprEvalError";
    this.start = span.start;
    this.end = span.end;
  }
}

/** The value of a node at one instant (ranges never escape their function). */
export type Value =
  | { kind: "scalar"; value: number }
  | { kind: "vector"; samples: InstantSample[] };

/** The value of `labels[name]`, "" when missing (own properties only: a label may be called
 * `constructor`). */
export function labelValue(labels: Labels, name: string): string {
  return Object.hasOwn(labels, name) ? (labels[name] ?? "") : "";
}

const keys = new WeakMap<Labels, string>();

/** labelsKey, cached on the label object. */
export function keyOf(labels: Labels): string {
  let key = keys.get(labels);
  if (key === undefined) {
    key = labelsKey(labels);
    keys.set(labels, key);
  }
  return key;
}

const unnamed = new WeakMap<Labels, Labels>();

/** `labels` without `__name__` (the same object when it has none), cached. */
export function withoutName(labels: Labels): Labels {
  if (!Object.hasOwn(labels, NAME_LABEL)) return labels;
  let out = unnamed.get(labels);
  if (out === undefined) {
    out = {};
    for (const name of Object.keys(labels)) {
      if (name !== NAME_LABEL) out[name] = labels[name] as string;
    }
    unnamed.set(labels, out);
  }
  return out;
}

/**
 * The key (labelsKey form) of the labels `names` (sorted) that have a value: `by (…)` and
 * `on (…)`. A missing label and an empty one are the same.
 */
export function keyOnly(labels: Labels, sortedNames: readonly string[]): string {
  let key = "";
  for (const name of sortedNames) {
    const value = labelValue(labels, name);
    if (value !== "") key += `${name}\u0000${value}\u0001`;
  }
  return key;
}

/** The key of every label but the name and `excluded` (empty values skipped): `without (…)`,
 * `ignoring (…)`, and with nothing excluded the default matching of two sides. */
export function keyExcept(labels: Labels, excluded: ReadonlySet<string>): string {
  if (excluded.size === 0) return matchKey(labels);
  return computeKeyExcept(labels, excluded);
}

const NOTHING: ReadonlySet<string> = new Set();
const matchKeys = new WeakMap<Labels, string>();

/** The default identity of a series for matching: all labels but the name, cached. */
function matchKey(labels: Labels): string {
  let key = matchKeys.get(labels);
  if (key === undefined) {
    key = computeKeyExcept(labels, NOTHING);
    matchKeys.set(labels, key);
  }
  return key;
}

function computeKeyExcept(labels: Labels, excluded: ReadonlySet<string>): string {
  let key = "";
  for (const name of Object.keys(labels).sort()) {
    const value = labels[name];
    if (name === NAME_LABEL || excluded.has(name) || !value) continue;
    key += `${name}\u0000${value}\u0001`;
  }
  return key;
}

/** The labels `keyOnly` keys, as an object (whose keyOf is `key` when given). */
export function pickLabels(labels: Labels, sortedNames: readonly string[], key?: string): Labels {
  const out: Labels = {};
  for (const name of sortedNames) {
    const value = labelValue(labels, name);
    if (value !== "") out[name] = value;
  }
  if (key !== undefined) keys.set(out, key);
  return out;
}

/** The labels `keyExcept` keys, as an object (whose keyOf is `key` when given). */
export function omitLabels(labels: Labels, excluded: ReadonlySet<string>, key?: string): Labels {
  const out: Labels = {};
  for (const name of Object.keys(labels).sort()) {
    const value = labels[name];
    if (name === NAME_LABEL || excluded.has(name) || !value) continue;
    out[name] = value;
  }
  if (key !== undefined) keys.set(out, key);
  return out;
}

/** Whether a series has no labels but its name: it pairs with every series of the other side. */
export function isUnlabelled(labels: Labels): boolean {
  for (const name in labels) {
    if (Object.hasOwn(labels, name) && name !== NAME_LABEL && labels[name] !== "") return false;
  }
  return true;
}

/** `cpu_percent{instance="a", role="web"}`, `{instance="a"}`, `{}`: for error messages. */
export function describeLabels(labels: Labels): string {
  const name = labelValue(labels, NAME_LABEL);
  const pairs = Object.keys(labels)
    .filter((label) => label !== NAME_LABEL)
    .sort()
    .map((label) => `${label}=${JSON.stringify(labels[label])}`);
  return `${name}{${pairs.join(", ")}}`;
}

/**
 * Throws when two results carry the same labels — which happens when dropping the metric
 * name makes series of different metrics alike (`rate({__name__=~"a|b"}[5m])`).
 */
export function assertDistinct(samples: readonly InstantSample[], node: Span, what: string): void {
  if (samples.length < 2) return;
  const seen = new Set<string>();
  for (const sample of samples) {
    const key = keyOf(sample.labels);
    if (!seen.has(key)) {
      seen.add(key);
      continue;
    }
    throw new ExprEvalError(
      `${what} gives two series with the same labels ${describeLabels(sample.labels)} once ` +
        "the metric name is dropped: select the series of one metric name",
      node,
    );
  }
}
