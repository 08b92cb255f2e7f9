/**
 * Parser of rule expressions (docs/expressions.md): precedence climbing over the tokens of
 * lexer.ts, with the type checks that need no data — a range only inside a windowed
 * function, comparisons and `and`/`or`/`unless` need series, each function's arguments.
 * Every error is an ExprSyntaxError that points at the offending token.
 */
import { closest } from "../../config/suggest.ts";
import {
  AGGREGATIONS,
  type AggregationOp,
  ARITHMETIC_OPS,
  type BinaryOp,
  COMPARISON_OPS,
  type Expr,
  FUNCTIONS,
  type Grouping,
  KEYWORDS,
  MATCH_OPS,
  type Matcher,
  type MatchOp,
  type Node,
  PRECEDENCE,
  type RangeSelector,
  SET_OPS,
  type Selector,
  type Span,
  usage,
  type VectorMatching,
  valueType,
  type WindowFunction,
} from "./ast.ts";
import { formatExpr } from "./format.ts";
import { DURATION_HINT, type Token, TokenStream } from "./lexer.ts";

export { ExprSyntaxError, showExprError } from "./lexer.ts";

const PRIMARY = ["a metric name", "a number", "a function such as avg(...)", '"("'];
const MATCH_OPS_EXPECTED = MATCH_OPS.map((op) => `"${op}"`);
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BINARY_OPS: ReadonlySet<string> = new Set([...ARITHMETIC_OPS, ...COMPARISON_OPS, ...SET_OPS]);

/** Parses one expression; throws ExprSyntaxError with the position of the first problem. */
export function parseExpr(text: string): Expr {
  const parser = new Parser(text);
  if (parser.peek().type === "eof") parser.fail(0, "empty expression", undefined, PRIMARY);
  const node = parser.expression(0);
  if (parser.peek().type !== "eof") {
    const hint = parser.is("=") ? "compare with ==" : undefined;
    parser.unexpected(["an operator", "the end of the expression"], hint);
  }
  return parser.instant(node);
}

class Parser extends TokenStream {
  /** `node` as a value: a range is an error anywhere but inside a windowed function. */
  instant(node: Node): Expr {
    if (node.kind !== "range") return node;
    const range = formatExpr(node);
    const hint = `write e.g. avg(${range}) or rate(${range})`;
    return this.fail(node.start, "a range needs a function around it", hint);
  }

  expression(minPrecedence: number): Node {
    // Each operator of a chain (a + b + c) deepens the tree, so it counts as nesting too.
    let levels = 1;
    this.enter();
    let lhs = this.unary();
    for (;;) {
      const token = this.peek();
      const op = token.type === "op" || token.type === "ident" ? token.text : "";
      if (!BINARY_OPS.has(op)) break;
      const precedence = PRECEDENCE[op as BinaryOp];
      if (precedence < minPrecedence) break;
      this.enter();
      levels++;
      this.next();
      const matching = this.vectorMatching();
      const rhs = this.expression(precedence + 1);
      lhs = this.binary(op as BinaryOp, token, this.instant(lhs), this.instant(rhs), matching);
    }
    this.leave(levels);
    return lhs;
  }

  private binary(op: BinaryOp, at: Token, lhs: Expr, rhs: Expr, matching?: VectorMatching): Expr {
    const scalars = [valueType(lhs), valueType(rhs)].filter((t) => t === "scalar").length;
    if ((SET_OPS as readonly string[]).includes(op) && scalars > 0) {
      this.fail(at.start, `"${op}" needs series on both sides`, "a number has no labels to match");
    }
    if ((COMPARISON_OPS as readonly string[]).includes(op) && scalars === 2) {
      const hint = "one side must be series, e.g. cpu_percent > 70";
      this.fail(at.start, "comparison of two numbers", hint);
    }
    if (matching && scalars > 0) {
      this.fail(at.start, `${matching.mode}(...) needs series on both sides`);
    }
    const node: Expr = { kind: "binary", op, lhs, rhs, start: lhs.start, end: rhs.end };
    return matching ? { ...node, matching } : node;
  }

  /** `on (a, b)` or `ignoring (a)` after a binary operator. */
  private vectorMatching(): VectorMatching | undefined {
    if (!(this.is("on") || this.is("ignoring")) || !this.is("(", 1)) return undefined;
    const mode = this.next().text as VectorMatching["mode"];
    return { mode, labels: this.labelList() };
  }

  private unary(): Node {
    const token = this.peek();
    if (token.type !== "op" || (token.text !== "-" && token.text !== "+")) return this.postfix();
    this.next();
    this.enter();
    const arg = this.instant(this.unary());
    this.leave();
    return token.text === "+"
      ? arg
      : { kind: "unary", op: "-", arg, start: token.start, end: arg.end };
  }

  /** A primary, and `[5m]` after a selector. */
  private postfix(): Node {
    const parenthesized = this.is("(");
    const node = this.primary();
    if (!this.is("[")) return node;
    const open = this.next();
    if (node.kind !== "selector" || parenthesized) {
      const hint = "ranges of computed values are not supported; write avg(x[5m]) on a metric";
      this.fail(open.start, "a range [...] can only follow a metric selector", hint);
    }
    const duration = this.peek();
    if (duration.type !== "duration") this.unexpected([DURATION_HINT]);
    if (duration.value === 0) {
      this.fail(duration.start, "a range of 0s is empty", `use ${DURATION_HINT}`);
    }
    this.next();
    const end = this.close("]", open, ['"]"']).end;
    const rangeMs = duration.value ?? 0;
    return { kind: "range", selector: node, rangeMs, start: node.start, end };
  }

  private primary(): Node {
    const token = this.peek();
    if (token.type === "number" || token.type === "duration") {
      this.next();
      const { start, end } = token;
      const value = token.value ?? 0;
      return token.type === "number"
        ? { kind: "number", value, start, end }
        : { kind: "duration", ms: value, start, end };
    }
    if (token.type === "ident") return this.identifier();
    if (this.is("{")) return this.selector(undefined, token.start);
    if (!this.is("(")) this.unexpected(PRIMARY);
    const open = this.next();
    const inner = this.expression(0);
    this.close(")", open, ["an operator", '")"']);
    return inner;
  }

  private identifier(): Node {
    const token = this.next();
    const name = token.text;
    const { start, end } = token;
    const lower = name.toLowerCase();
    if (lower === "inf" || lower === "nan") {
      return { kind: "number", value: lower === "inf" ? Infinity : Number.NaN, start, end };
    }
    if (KEYWORDS.has(name)) {
      const hint = `a metric with that name is written {__name__="${name}"}`;
      this.fail(start, `unexpected keyword "${name}"`, hint, PRIMARY);
    }
    if ((this.is("by") || this.is("without")) && this.is("(", 1)) {
      if (!(AGGREGATIONS as readonly string[]).includes(name)) {
        const guess = closest(name, AGGREGATIONS);
        const known = FUNCTIONS.includes(name);
        const what = known ? `${name}() cannot group by labels` : `unknown aggregation "${name}"`;
        const only = `only ${AGGREGATIONS.join(", ")} aggregate by labels`;
        this.fail(start, what, guess && !known ? `did you mean "${guess}"?` : only);
      }
      const grouping = this.grouping();
      if (!this.is("(")) this.unexpected(['"("']);
      return this.call(token, grouping);
    }
    if (this.is("(")) return this.call(token, undefined);
    return this.selector(name, start);
  }

  private grouping(): Grouping & { at: number } {
    const at = this.peek().start;
    const mode = this.next().text as Grouping["mode"];
    return { mode, labels: this.labelList(), at };
  }

  /** `(a, b)` after by, without, on, ignoring. */
  private labelList(): string[] {
    const open = this.next();
    const labels: string[] = [];
    while (!this.is(")")) {
      const token = this.peek();
      if (token.type !== "ident" || !LABEL_NAME.test(token.text)) this.unexpected(["a label name"]);
      if (labels.includes(token.text)) this.fail(token.start, `label "${token.text}" listed twice`);
      labels.push(this.next().text);
      if (!this.is(",")) break;
      this.next();
    }
    this.close(")", open, ['","', '")"']);
    return labels;
  }

  private selector(name: string | undefined, start: number): Selector {
    const matchers: Matcher[] = [];
    let end = name === undefined ? start : this.previous().end;
    if (this.is("{")) {
      const open = this.next();
      while (!this.is("}")) {
        if (this.peek().type === "eof") this.close("}", open, []);
        matchers.push(this.matcher(name, matchers));
        if (!this.is(",")) break;
        this.next();
      }
      end = this.close("}", open, ['","', '"}"']).end;
    }
    const source = this.text.slice(start, end);
    if (name === undefined && matchers.length === 0) {
      const expected = ['a metric name or a label matcher such as job="api"'];
      this.fail(start, "empty selector {}", undefined, expected);
    }
    const named = matchers.findIndex((m) => m.label === "__name__" && m.op === "=");
    if (name === undefined && named >= 0) {
      name = (matchers.splice(named, 1)[0] as Matcher).value;
    }
    if (name === undefined && matchers.every(matchesEmpty)) {
      const hint = 'give a metric name or a matcher that needs a value, such as job="api"';
      this.fail(start, `selector ${source} matches every series`, hint);
    }
    return { kind: "selector", ...(name === undefined ? {} : { name }), matchers, start, end };
  }

  private matcher(name: string | undefined, seen: Matcher[]): Matcher {
    const label = this.peek();
    if (label.type !== "ident" || !LABEL_NAME.test(label.text)) this.unexpected(["a label name"]);
    if (name !== undefined && label.text === "__name__") {
      const hint = `${name}{...} already means __name__="${name}"`;
      this.fail(label.start, "the metric name is given twice", hint);
    }
    if (seen.some((m) => m.label === label.text)) {
      const hint = 'give each label once; alternatives go in one regular expression: job=~"a|b"';
      this.fail(label.start, `duplicate label "${label.text}" in the selector`, hint);
    }
    this.next();
    const op = this.peek();
    if (!(MATCH_OPS as readonly string[]).includes(op.text) || op.type !== "op") {
      const hint = op.text === "==" ? "labels are matched with a single =" : undefined;
      this.unexpected(MATCH_OPS_EXPECTED, hint);
    }
    this.next();
    const value = this.peek();
    if (value.type !== "string") this.unexpected(['a quoted value such as "api"']);
    this.next();
    const matcher: Matcher = {
      label: label.text,
      op: op.text as MatchOp,
      value: value.str ?? "",
      start: label.start,
      end: value.end,
    };
    if (op.text === "=~" || op.text === "!~") matcher.regex = this.regex(value);
    return matcher;
  }

  /** Compiled whole first (so `a)|(b` is refused), then anchored as PromQL anchors it. */
  private regex(token: Token): RegExp {
    try {
      new RegExp(token.str ?? "", "su");
      return new RegExp(`^(?:${token.str})$`, "su");
    } catch (error) {
      const reason = (error as Error).message.replace(/^.*: /, "");
      const hint = reason.charAt(0).toLowerCase() + reason.slice(1);
      return this.fail(token.start, `bad regular expression ${token.text}`, hint);
    }
  }

  private call(nameToken: Token, prefix: (Grouping & { at: number }) | undefined): Node {
    const fn = nameToken.text;
    if (!FUNCTIONS.includes(fn)) this.unknownFunction(nameToken);
    const open = this.next();
    this.enter();
    const args: Node[] = [];
    while (!this.is(")")) {
      args.push(this.expression(0));
      if (!this.is(",")) break;
      this.next();
    }
    const close = this.close(")", open, ["an operator", '","', '")"']);
    this.leave();
    const postfix = this.is("by") || this.is("without") ? this.grouping() : undefined;
    if (prefix && postfix) this.fail(postfix.at, `${fn}() is grouped twice`);
    const grouping = prefix ?? postfix;
    const isAggregation = (AGGREGATIONS as readonly string[]).includes(fn);
    if (grouping && !isAggregation) {
      const hint = `only ${AGGREGATIONS.join(", ")} aggregate by labels`;
      this.fail(grouping.at, `${fn}() cannot group by labels`, hint);
    }
    const arity = fn === "quantile" || fn === "predict" || fn === "time_to" ? 2 : 1;
    if (args.length !== arity) {
      const at = (args[arity] ?? close).start;
      const what = `${fn}() takes ${arity === 1 ? "one argument" : "two arguments"}`;
      this.fail(at, what, `e.g. ${usage(fn)}`);
    }
    const [first, second] = args as [Node, Node];
    const span: Span = { start: nameToken.start, end: this.previous().end };
    if (isAggregation && (first.kind !== "range" || grouping)) {
      return this.aggregation(fn as AggregationOp, first, grouping, span);
    }
    if (fn === "quantile") {
      const q = this.scalar(fn, first, "a number between 0 and 1 first");
      if (q.kind === "number" && !(q.value >= 0 && q.value <= 1)) {
        this.fail(q.start, "quantile() needs a number between 0 and 1", "0.9 is p90");
      }
      return { kind: "quantile", q, range: this.range(fn, second), ...span };
    }
    if (fn === "predict") {
      if (second.kind !== "duration") {
        this.fail(second.start, "predict() needs a horizon such as 3d", usage(fn));
      }
      return { kind: "predict", range: this.range(fn, first), horizonMs: second.ms, ...span };
    }
    if (fn === "time_to") {
      const target = this.scalar(fn, second, "a number as its target, e.g. 70");
      return { kind: "time_to", range: this.range(fn, first), target, ...span };
    }
    return { kind: "window", fn: fn as WindowFunction, range: this.range(fn, first), ...span };
  }

  private aggregation(op: AggregationOp, arg: Node, grouping: Grouping | undefined, span: Span) {
    if (arg.kind === "range") {
      const range = formatExpr(arg);
      const by = grouping ? `${grouping.mode} (${grouping.labels.join(", ")}) ` : "";
      const what = `${op} ${by}aggregates across series, not over a range`;
      this.fail(arg.start, what, `aggregate a windowed value, e.g. ${op} ${by}(${op}(${range}))`);
    }
    if (valueType(arg) === "scalar") {
      this.fail(arg.start, `${op}() needs series, not a number`, `e.g. ${op}(up)`);
    }
    const node: Expr = { kind: "aggregate", op, arg: arg as Expr, ...span };
    return grouping
      ? { ...node, grouping: { mode: grouping.mode, labels: grouping.labels } }
      : node;
  }

  private range(fn: string, arg: Node): RangeSelector {
    if (arg.kind === "range") return arg;
    const hint =
      arg.kind === "selector"
        ? `${fn}(${formatExpr(arg)}[5m])`
        : `e.g. ${usage(fn)}; ranges of computed values are not supported`;
    return this.fail(arg.start, `${fn}() needs a range`, hint);
  }

  private scalar(fn: string, arg: Node, what: string): Expr {
    const value = this.instant(arg);
    if (valueType(value) !== "scalar") this.fail(arg.start, `${fn}() needs ${what}`);
    return value;
  }

  private unknownFunction(token: Token): never {
    const name = token.text;
    // PromQL spellings people will try: avg_over_time(x[5m]) is avg(x[5m]) here.
    const promql = name === "predict_linear" ? "predict" : name.replace(/_over_time$/, "");
    const guess = closest(name, FUNCTIONS);
    const hint =
      promql !== name && FUNCTIONS.includes(promql)
        ? `Unyo's name for it is ${promql}: ${usage(promql)}`
        : guess
          ? `did you mean "${guess}"?`
          : `the functions are ${FUNCTIONS.join(", ")}`;
    return this.fail(token.start, `unknown function "${name}"`, hint);
  }
}

function matchesEmpty(m: Matcher): boolean {
  if (m.regex) return m.regex.test("") === (m.op === "=~");
  return (m.value === "") === (m.op === "=");
}
