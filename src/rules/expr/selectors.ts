/**
 * The series an expression reads: each distinct selector once, with how far back it looks.
 * Evaluation reads each of them with one `SeriesReader.select` call; the rule engine uses
 * the same list to plan its reads.
 */
import { type Matcher, NAME_LABEL } from "../../metrics/series.ts";
import type { Expr, Selector } from "./ast.ts";

/** One selector of an expression, and everything needed to read it. */
export interface SelectorUse {
  /** The first occurrence in the expression (for its offsets). */
  selector: Selector;
  /** What `SeriesReader.select` is given: the name as a `__name__="…"` matcher, then the
   * label matchers as written. */
  matchers: readonly Matcher[];
  /** The widest range taken of it (`x[1d]` → 86400000); 0 when only used as an instant
   * selector. */
  rangeMs: number;
  /** Whether it is also used as an instant selector, which looks back `lookbackMs`. */
  instant: boolean;
  /** Its identity: occurrences with the same name and matchers share one read. */
  key: string;
}

const uses = new WeakMap<Expr, readonly SelectorUse[]>();

/**
 * Every distinct selector of `expr` in order of first appearance, with the widest window it
 * needs. The same selector written twice (`x >= 70 or time_to(x[1d], 70) < 7d`) is one
 * entry: `rangeMs` 86400000 and `instant` true. Cached per tree: do not modify the result.
 */
export function selectorsOf(expr: Expr): readonly SelectorUse[] {
  let found = uses.get(expr);
  if (found === undefined) {
    const byKey = new Map<string, SelectorUse>();
    collect(expr, byKey);
    found = [...byKey.values()];
    uses.set(expr, found);
  }
  return found;
}

/** How far before the evaluation time a use reads: its widest range, or the lookback of an
 * instant selector, whichever is longer. */
export function lookbehindMs(use: SelectorUse, lookbackMs: number): number {
  return Math.max(use.rangeMs, use.instant ? lookbackMs : 0);
}

function collect(expr: Expr, byKey: Map<string, SelectorUse>): void {
  switch (expr.kind) {
    case "number":
    case "duration":
      break;
    case "selector":
      note(expr, 0, byKey);
      break;
    case "window":
    case "predict":
      note(expr.range.selector, expr.range.rangeMs, byKey);
      break;
    case "quantile":
      collect(expr.q, byKey);
      note(expr.range.selector, expr.range.rangeMs, byKey);
      break;
    case "time_to":
      note(expr.range.selector, expr.range.rangeMs, byKey);
      collect(expr.target, byKey);
      break;
    case "aggregate":
    case "unary":
      collect(expr.arg, byKey);
      break;
    case "binary":
      collect(expr.lhs, byKey);
      collect(expr.rhs, byKey);
      break;
  }
}

function note(selector: Selector, rangeMs: number, byKey: Map<string, SelectorUse>): void {
  const key = selectorKey(selector);
  const use = byKey.get(key);
  if (use === undefined) {
    const matchers = selectorMatchers(selector);
    byKey.set(key, { selector, matchers, rangeMs, instant: rangeMs === 0, key });
  } else if (rangeMs === 0) {
    use.instant = true;
  } else {
    use.rangeMs = Math.max(use.rangeMs, rangeMs);
  }
}

const keys = new WeakMap<Selector, string>();

/** The identity of a selector: its name and matchers, in the order written. */
export function selectorKey(selector: Selector): string {
  let key = keys.get(selector);
  if (key === undefined) {
    key = selector.name === undefined ? "\u0002" : selector.name;
    for (const m of selector.matchers) key += `\u0000${m.label}\u0001${m.op}\u0001${m.value}`;
    keys.set(selector, key);
  }
  return key;
}

/** The matchers `SeriesReader.select` needs for `selector`: its name becomes `__name__="…"`. */
export function selectorMatchers(selector: Selector): Matcher[] {
  if (selector.name === undefined) return [...selector.matchers];
  const { start, end } = selector;
  const name: Matcher = { label: NAME_LABEL, op: "=", value: selector.name, start, end };
  return [name, ...selector.matchers];
}
