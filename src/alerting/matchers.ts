/**
 * Label matchers, the one way alerting selects alerts: silences, maintenance windows, routes
 * and inhibition all say "these alerts" with them, so they must read and behave the same
 * everywhere — and the same as in Prometheus/Alertmanager, which many of our users know:
 *
 *   name="v"    the label equals v        name!="v"   the label is not v
 *   name=~"re"  the label matches re      name!~"re"  the label does not match re
 *
 * - A missing label counts as "" (`env=""` selects alerts without `env`, `env!=""` those with).
 * - Regular expressions are anchored at both ends (`web` does not match `web-1`; write
 *   `web.*`), like Prometheus. They are JavaScript regular expressions (flags `su`), which
 *   agree with Go's RE2 on everything matchers normally use (`a|b`, `.+`, `[0-9]`, `\d`).
 *
 * Two written forms, both turned into the same list (see matcher-parser.ts for the text one):
 * - text, as amtool and Alertmanager write it: `severity="critical"`,
 *   `{service=~"web|api", env!="dev"}`, values may be unquoted (`severity=critical`);
 * - a YAML map, every entry an equality: `{ severity: critical }`.
 *
 * A list never names one label twice with the same operator (`a="x", a="y"` can never match
 * and `a!="x", a!="y"` is `a!~"x|y"`); one label with two operators is fine and useful
 * (`env=~"prod.*", env!="prod-eu"`).
 */

import { z } from "zod";
import { anchoredRegex, matchesOp } from "../core/anchored-regex.ts";
import { checkMatcher, MatcherError, parseMatchers } from "./matcher-parser.ts";

export { MatcherError, parseMatchers };

export const MATCH_OPS = ["=", "!=", "=~", "!~"] as const;
export type MatchOp = (typeof MATCH_OPS)[number];

/** One matcher. A plain object, so it is stored and sent as JSON as it is. */
export interface LabelMatcher {
  readonly name: string;
  readonly op: MatchOp;
  readonly value: string;
}

export type Labels = Readonly<Record<string, string>>;

/** What create-a-silence and config accept: text, a map of equalities, or a list. */
export type MatcherInput = string | Readonly<Record<string, string>> | readonly LabelMatcher[];

/** The anchored regular expression of a `=~` / `!~` matcher, compiled once per pattern. */
export const regexOf = (matcher: LabelMatcher): RegExp => anchoredRegex(matcher.value);

/** Whether one matcher accepts `value` (the label's value, "" when missing). */
export function matchesValue(matcher: LabelMatcher, value: string): boolean {
  return matchesOp(matcher.op, matcher.value, value);
}

/**
 * The label's value, "" when missing. Label values are strings, so inherited members such
 * as `constructor` or `__proto__` (not strings) read as missing too.
 */
export function labelValue(labels: Labels, name: string): string {
  const value = labels[name];
  return typeof value === "string" ? value : "";
}

/** True when every matcher accepts `labels` (so an empty list matches everything). */
export function matches(matchers: readonly LabelMatcher[], labels: Labels): boolean {
  for (const matcher of matchers) {
    if (!matchesValue(matcher, labelValue(labels, matcher.name))) return false;
  }
  return true;
}

/**
 * True when the matcher accepts an alert that lacks the label (`env=""`, `env!="prod"`,
 * `env=~".*"`). A list made only of such matchers selects nearly every alert, which is why a
 * silence needs at least one matcher that is not like this.
 */
export function matchesEmpty(matcher: LabelMatcher): boolean {
  return matchesValue(matcher, "");
}

/**
 * A predicate for one list, for hot paths (a silence tested against 10,000 alerts): regexes
 * compiled up front, equality matchers tested first since they fail fastest.
 */
export function compileMatchers(matchers: readonly LabelMatcher[]): (labels: Labels) => boolean {
  const ordered = [...matchers].sort((a, b) => rank(a) - rank(b));
  const names = ordered.map((m) => m.name);
  const tests = ordered.map(valueTest);
  const count = ordered.length;
  return (labels) => {
    for (let i = 0; i < count; i++) {
      if (!(tests[i] as (value: string) => boolean)(labelValue(labels, names[i] as string))) {
        return false;
      }
    }
    return true;
  };
}

/** One matcher as a closure over its value or compiled regex (no lookups per call). */
function valueTest(m: LabelMatcher): (value: string) => boolean {
  const expected = m.value;
  switch (m.op) {
    case "=":
      return (value) => value === expected;
    case "!=":
      return (value) => value !== expected;
    case "=~": {
      const regex = regexOf(m);
      return (value) => regex.test(value);
    }
    case "!~": {
      const regex = regexOf(m);
      return (value) => !regex.test(value);
    }
  }
}

const rank = (m: LabelMatcher) => (m.op === "=" ? 0 : m.op === "!=" ? 1 : 2);

/** Inside double quotes: backslash, quote and line breaks escaped, as parseMatchers reads them. */
function quote(value: string): string {
  return `"${value.replace(/[\\"\n\r\t]/g, (ch) => ESCAPED[ch] ?? ch)}"`;
}
const ESCAPED: Record<string, string> = {
  "\\": "\\\\",
  '"': '\\"',
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/** `severity="critical"`: always quoted, so the text reads back to the same matcher. */
export function formatMatcher(matcher: LabelMatcher): string {
  return `${matcher.name}${matcher.op}${quote(matcher.value)}`;
}

/** `{severity="critical", service=~"web|api"}`; parseMatchers reads it back unchanged. */
export function formatMatchers(matchers: readonly LabelMatcher[]): string {
  return `{${matchers.map(formatMatcher).join(", ")}}`;
}

/** Equality matchers from a map, in key order: `{ severity: critical }`. */
export function matchersFromMap(map: Readonly<Record<string, string>>): LabelMatcher[] {
  const out: LabelMatcher[] = [];
  const seen: LabelMatcher[] = [];
  for (const [name, value] of Object.entries(map)) {
    const matcher: LabelMatcher = { name, op: "=", value: String(value) };
    const problem = checkMatcher(matcher, seen);
    if (problem !== null) throw new MatcherError(problem.message, formatMatcher(matcher), null);
    seen.push(matcher);
    out.push(matcher);
  }
  return out;
}

/**
 * Any accepted form as a checked list of fresh matcher objects. A list (from JSON: the API,
 * the database) is checked like text is: label names, operators, regexes, repeats.
 */
export function toMatchers(input: MatcherInput): LabelMatcher[] {
  if (typeof input === "string") return parseMatchers(input);
  if (!Array.isArray(input)) return matchersFromMap(input as Readonly<Record<string, string>>);
  const seen: LabelMatcher[] = [];
  (input as readonly unknown[]).forEach((item, index) => {
    const m = item as Partial<LabelMatcher> | null;
    if (
      m === null ||
      typeof m !== "object" ||
      typeof m.name !== "string" ||
      typeof m.value !== "string" ||
      !(MATCH_OPS as readonly unknown[]).includes(m.op)
    ) {
      throw new MatcherError(
        `matcher ${index + 1} is not a matcher: expected { name, op, value } with op one of ${MATCH_OPS.join(", ")}`,
        JSON.stringify(item) ?? String(item),
        null,
      );
    }
    const matcher: LabelMatcher = { name: m.name, op: m.op as MatchOp, value: m.value };
    const problem = checkMatcher(matcher, seen);
    if (problem !== null) {
      throw new MatcherError(
        `matcher ${index + 1} (${formatMatcher(matcher)}): ${problem.message}`,
        formatMatcher(matcher),
        null,
      );
    }
    seen.push(matcher);
  });
  return seen;
}

const MATCHERS_EXPECTED =
  'expected label matchers: a map such as { severity: critical } or text such as \'service=~"web|api", env!="dev"\'';

/**
 * Matchers in unyo.yaml: the text form or a map of equalities (numbers and booleans in the
 * map are read as their text, so `{ code: 500 }` works). The parsed config holds the list.
 */
export const matchersSchema = z
  .union([z.string(), z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))], {
    error: MATCHERS_EXPECTED,
  })
  .meta({
    description:
      'Label matchers: a map of equalities ({ severity: critical }) or Alertmanager text (service=~"web|api", env!="dev")',
    examples: [{ severity: "critical" }, 'service=~"web|api", env!="dev"'],
  })
  .transform((input, ctx): LabelMatcher[] => {
    try {
      if (typeof input === "string") return parseMatchers(input);
      return matchersFromMap(
        Object.fromEntries(Object.entries(input).map(([k, v]) => [k, String(v)])),
      );
    } catch (error) {
      if (!(error instanceof MatcherError)) throw error;
      ctx.issues.push({ code: "custom", message: error.message, input });
      return z.NEVER;
    }
  });
