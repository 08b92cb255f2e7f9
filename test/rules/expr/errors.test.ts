import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { showExprError } from "../../../src/rules/expr/parser.ts";
import { syntaxError } from "./helpers.ts";

/** [expression, column, exact message]: each error names its column and what would fit. */
type Case = readonly [string, number, string];

function check(cases: readonly Case[]): void {
  for (const [text, column, message] of cases) {
    const error = syntaxError(text);
    assert.equal(error.message, message, text);
    assert.equal(error.column, column, `${text}: column`);
    assert.equal(error.line, 1, `${text}: line`);
    assert.equal(error.offset, column - 1, `${text}: offset`);
  }
}

const PRIMARY = 'a metric name, a number, a function such as avg(...) or "("';
const NUMBER =
  "a number such as 0.05 or 1e3, or a duration such as 5m or 1h30m (whole numbers, largest unit first)";

describe("ExprSyntaxError: ranges and durations", () => {
  test("a missing, bad or empty duration", () => {
    check([
      [
        "avg(cpu_percent[])",
        17,
        'unexpected "]" at column 17: expected a duration such as 5m or 1h30m',
      ],
      [
        "avg(cpu_percent[5])",
        17,
        "unexpected number 5 at column 17: expected a duration such as 5m or 1h30m",
      ],
      ["avg(cpu_percent[5m)", 19, 'unexpected ")" at column 19: expected "]"'],
      ["avg(x[1h30m1h])", 7, `bad number or duration "1h30m1h" at column 7: expected ${NUMBER}`],
      ["avg(x[1.5h])", 7, `bad number or duration "1.5h" at column 7: expected ${NUMBER}`],
      ["5x", 1, `bad number or duration "5x" at column 1: expected ${NUMBER}`],
      ["avg(x[0s])", 7, "a range of 0s is empty at column 7: use a duration such as 5m or 1h30m"],
    ]);
  });

  test("a range outside a windowed function", () => {
    const hint = "write e.g. avg(x[5m]) or rate(x[5m])";
    check([
      ["x[5m]", 1, `a range needs a function around it at column 1: ${hint}`],
      ["-x[5m]", 2, `a range needs a function around it at column 2: ${hint}`],
      ["1 + x[5m] > 1", 5, `a range needs a function around it at column 5: ${hint}`],
      [
        "(x)[5m]",
        4,
        "a range [...] can only follow a metric selector at column 4: ranges of computed values are not supported; write avg(x[5m]) on a metric",
      ],
    ]);
  });

  test("functions that need a range", () => {
    check([
      [
        "rate(http_requests_total)",
        6,
        "rate() needs a range at column 6: rate(http_requests_total[5m])",
      ],
      ["p95(latency_ms)", 5, "p95() needs a range at column 5: p95(latency_ms[5m])"],
      ['last(up{job="a"})', 6, 'last() needs a range at column 6: last(up{job="a"}[5m])'],
      [
        "rate(sum(x))",
        6,
        "rate() needs a range at column 6: e.g. rate(http_requests_total[5m]); ranges of computed values are not supported",
      ],
    ]);
  });

  test("an aggregation over a range, unless a windowed function is in between", () => {
    const message = (column: number) =>
      `sum by (instance) aggregates across series, not over a range at column ${column}: aggregate a windowed value, e.g. sum by (instance) (sum(x[5m]))`;
    check([
      ["sum by (instance) (x[5m])", 20, message(20)],
      ["sum(x[5m]) by (instance)", 5, message(5)],
    ]);
  });
});

describe("ExprSyntaxError: functions", () => {
  test("unknown functions get a suggestion", () => {
    check([
      ["avrg(cpu_percent[5m])", 1, 'unknown function "avrg" at column 1: did you mean "avg"?'],
      ["1 + icrease(x[1h])", 5, 'unknown function "icrease" at column 5: did you mean "increase"?'],
      [
        "time_too(x[1h], 70)",
        1,
        'unknown function "time_too" at column 1: did you mean "time_to"?',
      ],
      [
        "frobnicate(x)",
        1,
        'unknown function "frobnicate" at column 1: the functions are avg, min, max, sum, count, last, rate, increase, p50, p95, p99, quantile, predict, time_to',
      ],
    ]);
  });

  test("PromQL names are pointed at their Unyo spelling", () => {
    check([
      [
        "avg_over_time(x[5m])",
        1,
        `unknown function "avg_over_time" at column 1: Unyo's name for it is avg: avg(cpu_percent[5m])`,
      ],
      [
        "predict_linear(x[6h], 259200)",
        1,
        `unknown function "predict_linear" at column 1: Unyo's name for it is predict: predict(disk_used_percent[6h], 3d)`,
      ],
    ]);
  });

  test("argument counts and types", () => {
    check([
      [
        "rate(x[5m], 1)",
        13,
        "rate() takes one argument at column 13: e.g. rate(http_requests_total[5m])",
      ],
      ["avg()", 5, "avg() takes one argument at column 5: e.g. avg(cpu_percent[5m])"],
      [
        "predict(x[6h])",
        14,
        "predict() takes two arguments at column 14: e.g. predict(disk_used_percent[6h], 3d)",
      ],
      [
        "predict(x[6h], 70)",
        16,
        "predict() needs a horizon such as 3d at column 16: predict(disk_used_percent[6h], 3d)",
      ],
      ["time_to(x[6h], y)", 16, "time_to() needs a number as its target, e.g. 70 at column 16"],
      [
        "quantile(1.5, x[5m])",
        10,
        "quantile() needs a number between 0 and 1 at column 10: 0.9 is p90",
      ],
      ["quantile(x, y[5m])", 10, "quantile() needs a number between 0 and 1 first at column 10"],
      ["sum(1)", 5, "sum() needs series, not a number at column 5: e.g. sum(up)"],
    ]);
  });

  test("grouping only for aggregations, once, with distinct label names", () => {
    const only = "only sum, avg, min, max, count aggregate by labels";
    check([
      ["rate(x[5m]) by (job)", 13, `rate() cannot group by labels at column 13: ${only}`],
      ["rate by (job) (x[5m])", 1, `rate() cannot group by labels at column 1: ${only}`],
      ["summ by (job) (x)", 1, 'unknown aggregation "summ" at column 1: did you mean "sum"?'],
      ["sum by (job) (x) by (job)", 18, "sum() is grouped twice at column 18"],
      ["sum by (job, job) (x)", 14, 'label "job" listed twice at column 14'],
      ['sum by ("job") (x)', 9, 'unexpected string "job" at column 9: expected a label name'],
      ["sum by (job (x)", 13, 'unexpected "(" at column 13: expected "," or ")"'],
    ]);
  });
});

describe("ExprSyntaxError: selectors and strings", () => {
  test("unclosed braces, parentheses and strings point at the opening", () => {
    check([
      ["avg(x[5m]", 4, 'unclosed "(" at column 4: expected ")"'],
      ["(a + b", 1, 'unclosed "(" at column 1: expected ")"'],
      ['x{job="api"', 2, 'unclosed "{" at column 2: expected "}"'],
      ['x{job="api",', 2, 'unclosed "{" at column 2: expected "}"'],
      ['x{job="api', 7, 'unclosed string at column 7: expected the closing "'],
      ["x{job=`api", 7, "unclosed string at column 7: expected the closing `"],
      [
        "x{job='api\nb'}",
        7,
        "unclosed string at column 7: expected the closing '; a quoted string ends on its line; `raw strings` in backquotes may span lines",
      ],
      [
        'x{a="\\q"}',
        6,
        'unknown escape "\\q" in a string at column 6: expected \\\\, \\", \\\', \\n, \\t or \\uXXXX',
      ],
    ]);
  });

  test("regular expressions are compiled while parsing", () => {
    check([
      ['x{status=~"5(.."}', 11, 'bad regular expression "5(.." at column 11: unterminated group'],
      ['x{a!~"a)|(b"}', 6, `bad regular expression "a)|(b" at column 6: unmatched ')'`],
      [
        'x{a=~"[z-a]"}',
        6,
        'bad regular expression "[z-a]" at column 6: range out of order in character class',
      ],
    ]);
  });

  test("duplicate labels, empty selectors, selectors that match everything", () => {
    check([
      [
        'x{job="a", job="b"}',
        12,
        'duplicate label "job" in the selector at column 12: give each label once; alternatives go in one regular expression: job=~"a|b"',
      ],
      [
        'x{__name__="y"}',
        3,
        'the metric name is given twice at column 3: x{...} already means __name__="x"',
      ],
      [
        "{}",
        1,
        'empty selector {} at column 1: expected a metric name or a label matcher such as job="api"',
      ],
      [
        '{job=~".*"}',
        1,
        'selector {job=~".*"} matches every series at column 1: give a metric name or a matcher that needs a value, such as job="api"',
      ],
      [
        '{job!="x"}',
        1,
        'selector {job!="x"} matches every series at column 1: give a metric name or a matcher that needs a value, such as job="api"',
      ],
    ]);
  });

  test("malformed matchers", () => {
    const ops = 'expected "=", "!=", "=~" or "!~"';
    check([
      ['x{="a"}', 3, 'unexpected "=" at column 3: expected a label name'],
      ['x{a:b="c"}', 3, 'unexpected "a:b" at column 3: expected a label name'],
      ["x{job=5}", 7, 'unexpected number 5 at column 7: expected a quoted value such as "api"'],
      ["x{job=5m}", 7, 'unexpected duration 5m at column 7: expected a quoted value such as "api"'],
      ['x{job=="a"}', 6, `unexpected "==" at column 6: ${ops}; labels are matched with a single =`],
      ['x{job "a"}', 7, `unexpected string "a" at column 7: ${ops}`],
    ]);
  });
});

describe("ExprSyntaxError: operators and structure", () => {
  test("leftovers, missing operands, keywords", () => {
    const rest = "expected an operator or the end of the expression";
    check([
      ["", 1, `empty expression at column 1: expected ${PRIMARY}`],
      ["  # only a comment", 1, `empty expression at column 1: expected ${PRIMARY}`],
      ["x y", 3, `unexpected "y" at column 3: ${rest}`],
      ["x = 5", 3, `unexpected "=" at column 3: ${rest}; compare with ==`],
      ["avg(x[5m]) offset 1h", 12, `unexpected "offset" at column 12: ${rest}`],
      ["a )", 3, `unexpected ")" at column 3: ${rest}`],
      ["a +", 4, `unexpected end of expression at column 4: expected ${PRIMARY}`],
      ["x and", 6, `unexpected end of expression at column 6: expected ${PRIMARY}`],
      [
        "by",
        1,
        `unexpected keyword "by" at column 1: expected ${PRIMARY}; a metric with that name is written {__name__="by"}`,
      ],
      [
        'x{job="a"} @ 5',
        12,
        'unexpected character "@" at column 12: expected a metric name, a number, an operator or a parenthesis',
      ],
    ]);
  });

  test("type errors of operators", () => {
    check([
      [
        "1 > 2",
        3,
        "comparison of two numbers at column 3: one side must be series, e.g. cpu_percent > 70",
      ],
      [
        "a and 1",
        3,
        '"and" needs series on both sides at column 3: a number has no labels to match',
      ],
      ["2 or b", 3, '"or" needs series on both sides at column 3: a number has no labels to match'],
      ["1 / on (job) x", 3, "on(...) needs series on both sides at column 3"],
    ]);
  });

  test("nesting is bounded instead of overflowing the stack", () => {
    for (const text of [
      "(".repeat(5000),
      "-".repeat(5000),
      `x${" + x".repeat(5000)}`,
      "avg(".repeat(2000),
    ]) {
      const error = syntaxError(text);
      assert.match(
        error.message,
        /^expression nested too deeply at column \d+: at most 256 levels/,
      );
    }
  });

  test("line and column on later lines; columns count characters, not UTF-16 units", () => {
    const error = syntaxError("sum by (job) (\n  rate(x[5m])\n  + )");
    assert.equal(error.message, `unexpected ")" at line 3, column 5: expected ${PRIMARY}`);
    assert.deepEqual([error.line, error.column, error.offset], [3, 5, 33]);
    assert.deepEqual(error.expected, [
      "a metric name",
      "a number",
      "a function such as avg(...)",
      '"("',
    ]);
    const wide = syntaxError('x{name="Webサーバー😀"} +');
    assert.equal(wide.column, 21);
  });

  test("showExprError puts a caret under the position", () => {
    const text = "sum(rate(x[5m]))\n/ avg(cpu_percent[])";
    assert.equal(
      showExprError(text, syntaxError(text)),
      [
        'unexpected "]" at line 2, column 19: expected a duration such as 5m or 1h30m',
        "  / avg(cpu_percent[])",
        `${" ".repeat(20)}^`,
      ].join("\n"),
    );
  });
});
