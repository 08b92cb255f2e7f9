import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Expr } from "../../../src/rules/expr/ast.ts";
import { formatExpr } from "../../../src/rules/expr/format.ts";
import { ExprSyntaxError, parseExpr } from "../../../src/rules/expr/parser.ts";
import { seeded } from "../../helpers/random.ts";
import { assertRoundTrip, canonical, SEED_001 } from "./helpers.ts";

describe("formatExpr: the seed 001 rules", () => {
  test("each parses, prints canonically and reads back to the same tree", () => {
    for (const [text, expected] of SEED_001) {
      assert.equal(canonical(text), expected, text);
      assertRoundTrip(text);
      assertRoundTrip(expected);
    }
  });
});

describe("formatExpr: canonical form", () => {
  test("parentheses only where precedence and associativity need them", () => {
    const cases: [string, string][] = [
      ["((a)) + ((b * c))", "a + b * c"],
      ["(a + b) * c", "(a + b) * c"],
      ["a - (b - c)", "a - (b - c)"],
      ["(a - b) - c", "a - b - c"],
      ["a / (b * c)", "a / (b * c)"],
      ["(a / b) * c", "a / b * c"],
      ["(a > 1) and (b > 2)", "a > 1 and b > 2"],
      ["(a or b) and c", "(a or b) and c"],
      ["a or (b and c)", "a or b and c"],
      ["-(a + b)", "-(a + b)"],
      ["-(-a)", "-(-a)"],
      ["- -a", "-(-a)"],
      ["-(a) * b", "-a * b"],
      ["2 * -(3)", "2 * -3"],
      ["(1 + 2) > x", "1 + 2 > x"],
      ["x > (1 + 2)", "x > 1 + 2"],
      ["x == (y == 1)", "x == (y == 1)"],
    ];
    for (const [text, expected] of cases) {
      assert.equal(canonical(text), expected, text);
      assertRoundTrip(text);
    }
  });

  test("spacing, quotes and numbers", () => {
    assert.equal(
      canonical("sum  by(a,b)(rate( x{ a = 'v' , b!~`x.*` }[ 5m ] ))"),
      'sum by (a, b) (rate(x{a="v", b!~"x.*"}[5m]))',
    );
    assert.equal(canonical("x>1E21"), "x > 1e+21");
    assert.equal(canonical("x > 0.000001"), "x > 0.000001");
    assert.equal(canonical("x > 1e-7"), "x > 1e-7");
    assert.equal(canonical("x > 1e999"), "x > Inf");
    assert.equal(canonical("x > -inf"), "x > -Inf");
    assert.equal(canonical("x != nan"), "x != NaN");
    assert.equal(canonical("x * 60s"), "x * 1m");
    assert.equal(canonical('x{a="\\u0001\\n"}'), 'x{a="\\u0001\\n"}');
    for (const text of ["x > 1e+21", "x > -Inf", 'x{a="\\u0001\\n"}', "x{a=`\\d+`}"])
      assertRoundTrip(text);
  });

  test("names that cannot be written bare use __name__", () => {
    const selector = (name: string): Expr => ({
      kind: "selector",
      name,
      matchers: [],
      start: 0,
      end: 0,
    });
    assert.equal(formatExpr(selector("on")), '{__name__="on"}');
    assert.equal(formatExpr(selector("Inf")), '{__name__="Inf"}');
    assert.equal(formatExpr(selector("日本語")), '{__name__="日本語"}');
    for (const name of ["on", "Inf", "nan", "日本語", "a-b", "9lives"]) {
      const tree = parseExpr(formatExpr(selector(name)));
      assert.equal(tree.kind === "selector" && tree.name, name);
    }
  });

  test("every kind of node prints back to itself", () => {
    const texts = [
      'http_requests_total{status=~"5..", job="api"}',
      "avg(cpu_percent[5m])",
      "count(up[1h30m])",
      "last(up[5m])",
      "increase(http_requests_total[1h])",
      "quantile(0.9, latency_ms[5m])",
      "predict(disk_used_percent[6h], 3d)",
      "time_to(disk_used_percent[6h], 70)",
      "time_to(disk_used_percent[6h], 100 - 30)",
      "sum by (instance) (rate(http_requests_total[5m]))",
      "avg without (cpu) (rate(node_cpu_seconds_total[5m]))",
      "count by (mount) (disk_used_percent > 70)",
      "min(x)",
      "a / on (job) b",
      "a unless ignoring (code) b",
      "x > 2d",
      "-x",
      '{__name__=~"node_.*", job="a"}',
    ];
    for (const text of texts) {
      assert.equal(canonical(text), text);
      assertRoundTrip(text);
    }
  });
});

const FRAGMENTS = [
  "x",
  "cpu_percent",
  "up",
  "sum",
  "avg",
  "rate",
  "p95",
  "quantile",
  "predict",
  "time_to",
  "count",
  "by",
  "without",
  "on",
  "ignoring",
  "and",
  "or",
  "unless",
  "inf",
  "NaN",
  "(",
  ")",
  "{",
  "}",
  "[",
  "]",
  ",",
  "5m",
  "1h30m",
  "0s",
  "3d",
  "70",
  "0.9",
  "1e3",
  ".5",
  "-",
  "+",
  "*",
  "/",
  "==",
  "!=",
  ">",
  "<",
  ">=",
  "<=",
  "=",
  "=~",
  "!~",
  '"5.."',
  '"api"',
  "'a'",
  "`r`",
  '"(',
  "job",
  "__name__",
  " ",
  "\n",
  "#c\n",
  "@",
  "\\",
  '"',
  "[5m]",
  '{job="a"}',
  "rate(x[5m])",
  "sum by (a) (",
];

/** Whatever `text` is, parseExpr returns a tree that round-trips or throws ExprSyntaxError. */
function assertRobust(text: string): "ok" | "error" {
  let tree: Expr;
  try {
    tree = parseExpr(text);
  } catch (error) {
    if (!(error instanceof ExprSyntaxError)) {
      assert.fail(`${JSON.stringify(text)} threw ${error instanceof Error ? error.stack : error}`);
    }
    assert.ok(error.offset >= 0 && error.offset <= text.length, JSON.stringify(text));
    assert.ok(error.line >= 1 && error.column >= 1, JSON.stringify(text));
    assert.match(error.message, / at (line \d+, )?column \d+/, JSON.stringify(text));
    return "error";
  }
  assert.ok(tree.start >= 0 && tree.end <= text.length && tree.start <= tree.end, text);
  assertRoundTrip(text);
  return "ok";
}

describe("parseExpr: robustness", () => {
  test("random sequences of fragments", () => {
    const next = seeded(5);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    const outcomes = { ok: 0, error: 0 };
    for (let i = 0; i < 4000; i++) {
      const parts = Array.from({ length: 1 + Math.floor(next() * 10) }, () => pick(FRAGMENTS));
      outcomes[assertRobust(parts.join(next() < 0.5 ? "" : " "))]++;
    }
    assert.ok(outcomes.ok > 50, `some random texts parse (${outcomes.ok})`);
  });

  test("random characters, including astral and lone surrogates", () => {
    const next = seeded(7);
    const ascii = " \t\n(){}[],.:;#@$%^&*-+/=!~<>?'\"`\\_abcdemhsw0123456789";
    for (let i = 0; i < 3000; i++) {
      let text = "";
      const length = Math.floor(next() * 24);
      for (let j = 0; j < length; j++) {
        const r = next();
        text +=
          r < 0.8
            ? ascii.charAt(Math.floor(next() * ascii.length))
            : r < 0.9
              ? String.fromCharCode(Math.floor(next() * 0x10000))
              : String.fromCodePoint(0x1f600 + Math.floor(next() * 80));
      }
      assertRobust(text);
    }
  });

  test("mutations of real expressions: deletions, insertions, swaps", () => {
    const next = seeded(11);
    const sources = SEED_001.map(([text]) => text);
    let errors = 0;
    for (const source of sources) {
      for (let i = 0; i < 150; i++) {
        const at = Math.floor(next() * (source.length + 1));
        const r = next();
        const fragment = FRAGMENTS[Math.floor(next() * FRAGMENTS.length)] as string;
        const text =
          r < 0.4
            ? source.slice(0, at) + source.slice(at + 1)
            : r < 0.8
              ? source.slice(0, at) + fragment + source.slice(at)
              : source.slice(0, at) +
                source.slice(at + 1, at + 2) +
                source.charAt(at) +
                source.slice(at + 2);
        if (assertRobust(text) === "error") errors++;
      }
    }
    assert.ok(errors > 0);
  });
});
