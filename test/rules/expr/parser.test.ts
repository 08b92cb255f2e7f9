import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { valueType } from "../../../src/rules/expr/ast.ts";
import { parseExpr } from "../../../src/rules/expr/parser.ts";
import { canonical, withoutOffsets } from "./helpers.ts";

/** The tree without offsets, for deepEqual against a literal. */
const tree = (text: string) => withoutOffsets(parseExpr(text));

describe("parseExpr: selectors", () => {
  test("a bare name", () => {
    assert.deepEqual(tree("cpu_percent"), { kind: "selector", name: "cpu_percent", matchers: [] });
    assert.deepEqual(tree("job:requests:rate5m{}"), {
      kind: "selector",
      name: "job:requests:rate5m",
      matchers: [],
    });
  });

  test("label matchers with all four operators, regexes compiled and anchored", () => {
    const e = parseExpr(
      'http_requests_total{status=~"5..", job="api", env!="dev", path!~"/health.*"}',
    );
    assert.equal(e.kind, "selector");
    if (e.kind !== "selector") return;
    assert.deepEqual(
      e.matchers.map((m) => [m.label, m.op, m.value]),
      [
        ["status", "=~", "5.."],
        ["job", "=", "api"],
        ["env", "!=", "dev"],
        ["path", "!~", "/health.*"],
      ],
    );
    assert.equal(e.matchers[0]?.regex?.test("503"), true);
    assert.equal(e.matchers[0]?.regex?.test("5030"), false, "anchored at both ends");
    assert.equal(e.matchers[1]?.regex, undefined);
    assert.equal(e.matchers[3]?.regex?.test("/healthz"), true);
  });

  test("offsets of the selector and each matcher", () => {
    const e = parseExpr('  up{job="api", x=~"a"}  ');
    assert.ok(e.kind === "selector");
    assert.deepEqual([e.start, e.end], [2, 23]);
    assert.deepEqual(
      e.matchers.map((m) => [m.start, m.end]),
      [
        [5, 14],
        [16, 22],
      ],
    );
  });

  test("{__name__=...} is the metric name; other __name__ matchers stay matchers", () => {
    assert.deepEqual(tree('{__name__="up", job="api"}'), tree('up{job="api"}'));
    assert.equal(canonical('{__name__=~"node_.*"}'), '{__name__=~"node_.*"}');
    assert.equal(canonical('{__name__="and"}'), '{__name__="and"}', "a keyword stays quoted");
    assert.equal(canonical('{__name__="a-b"}'), '{__name__="a-b"}');
    assert.equal(canonical('{job="api"}'), '{job="api"}');
  });

  test("strings: double, single and back quotes, escapes, Japanese", () => {
    const value = (text: string) => {
      const e = parseExpr(text);
      return e.kind === "selector" ? e.matchers[0]?.value : undefined;
    };
    assert.equal(value("x{a='it\\'s'}"), "it's");
    assert.equal(value('x{a="tab\\there \\"q\\" \\\\ \\u00e9"}'), 'tab\there "q" \\ é');
    assert.equal(value("x{a=`C:\\path`}"), "C:\\path", "raw strings keep backslashes");
    assert.equal(value('x{name="Webサーバー"}'), "Webサーバー");
    assert.equal(canonical("x{a='say \"hi\"'}"), 'x{a="say \\"hi\\""}');
  });

  test("whitespace, newlines and # comments are ignored", () => {
    const text = "sum by (job) (  # per job\n  rate(x[5m])\n)\n/ 2";
    assert.equal(canonical(text), "sum by (job) (rate(x[5m])) / 2");
  });
});

describe("parseExpr: windowed functions", () => {
  test("each function takes a range and keeps its name", () => {
    for (const fn of ["avg", "min", "max", "sum", "count", "last", "rate", "increase"]) {
      const e = parseExpr(`${fn}(cpu_percent[5m])`);
      assert.equal(e.kind, "window", fn);
      if (e.kind === "window") {
        assert.equal(e.fn, fn);
        assert.equal(e.range.rangeMs, 300_000);
        assert.equal(e.range.selector.name, "cpu_percent");
      }
    }
    for (const fn of ["p50", "p95", "p99"]) {
      assert.deepEqual(tree(`${fn}(latency_ms{job="api"}[1m])`), {
        kind: "window",
        fn,
        range: {
          kind: "range",
          selector: {
            kind: "selector",
            name: "latency_ms",
            matchers: [{ label: "job", op: "=", value: "api" }],
          },
          rangeMs: 60_000,
        },
      });
    }
  });

  test("durations use the units of core/duration and combine", () => {
    const ms = (text: string) => {
      const e = parseExpr(`avg(x[${text}])`);
      return e.kind === "window" ? e.range.rangeMs : -1;
    };
    assert.equal(ms("500ms"), 500);
    assert.equal(ms("30s"), 30_000);
    assert.equal(ms("1h30m"), 5_400_000);
    assert.equal(ms("1d12h"), 129_600_000);
    assert.equal(ms("2w"), 1_209_600_000);
    assert.equal(canonical("avg(x[90m])"), "avg(x[1h30m])");
    assert.equal(canonical("avg(x[7d])"), "avg(x[1w])");
  });

  test("quantile(q, range)", () => {
    const e = parseExpr("quantile(0.9, latency_ms[5m])");
    assert.ok(e.kind === "quantile");
    assert.deepEqual(withoutOffsets(e.q), { kind: "number", value: 0.9 });
    assert.equal(e.range.rangeMs, 300_000);
    assert.equal(canonical("quantile(0.5 + 0.4, x[1m])"), "quantile(0.5 + 0.4, x[1m])");
  });

  test("predict(range, horizon) and time_to(range, target)", () => {
    const p = parseExpr("predict(disk_used_percent[6h], 3d)");
    assert.ok(p.kind === "predict");
    assert.equal(p.range.rangeMs, 6 * 3_600_000);
    assert.equal(p.horizonMs, 3 * 86_400_000);
    const t = parseExpr("time_to(disk_used_percent[6h], 70)");
    assert.ok(t.kind === "time_to");
    assert.deepEqual(withoutOffsets(t.target), { kind: "number", value: 70 });
    assert.equal(canonical("time_to(x[1h], -5)"), "time_to(x[1h], -5)");
  });

  test("a function's span covers its name to its closing parenthesis", () => {
    const e = parseExpr("1 + rate(x[5m])");
    assert.ok(e.kind === "binary");
    assert.deepEqual([e.rhs.start, e.rhs.end], [4, 15]);
    if (e.rhs.kind === "window") assert.deepEqual([e.rhs.range.start, e.rhs.range.end], [9, 14]);
  });
});

describe("parseExpr: aggregation across series", () => {
  test("an instant argument makes sum/avg/min/max/count an aggregation", () => {
    assert.deepEqual(tree("sum(rate(x[5m]))"), {
      kind: "aggregate",
      op: "sum",
      arg: tree("rate(x[5m])"),
    });
    assert.equal(parseExpr("count(up)").kind, "aggregate");
    assert.equal(parseExpr("count(up[5m])").kind, "window", "a range makes it windowed");
  });

  test("by and without, before or after the argument", () => {
    const expected = {
      kind: "aggregate",
      op: "sum",
      grouping: { mode: "by", labels: ["instance", "job"] },
      arg: tree("rate(http_requests_total[5m])"),
    };
    assert.deepEqual(tree("sum by (instance, job) (rate(http_requests_total[5m]))"), expected);
    assert.deepEqual(tree("sum(rate(http_requests_total[5m])) by (instance, job)"), expected);
    assert.deepEqual(tree("sum by (instance, job,) (rate(http_requests_total[5m]))"), expected);
    assert.equal(canonical("avg(x) without (cpu)"), "avg without (cpu) (x)");
    assert.equal(
      canonical("max by (mount) (disk_used_percent)"),
      "max by (mount) (disk_used_percent)",
    );
    assert.equal(canonical("count by () (up)"), "count by () (up)");
  });

  test("the span of a postfix grouping ends after its labels", () => {
    const e = parseExpr("sum(x) by (job)");
    assert.deepEqual([e.start, e.end], [0, 15]);
  });

  test("an aggregation of a windowed value", () => {
    assert.equal(
      canonical("max by (mount) (avg(disk_used_percent[5m]))"),
      "max by (mount) (avg(disk_used_percent[5m]))",
    );
  });
});

describe("parseExpr: operators", () => {
  const shape = (text: string): string => {
    const show = (e: ReturnType<typeof parseExpr>): string =>
      e.kind === "binary"
        ? `(${show(e.lhs)} ${e.op} ${show(e.rhs)})`
        : e.kind === "unary"
          ? `(-${show(e.arg)})`
          : e.kind === "selector"
            ? (e.name ?? "?")
            : e.kind === "number"
              ? String(e.value)
              : e.kind;
    return show(parseExpr(text));
  };

  test("* and / bind tighter than + and -, which bind tighter than comparisons", () => {
    assert.equal(shape("a + b * c"), "(a + (b * c))");
    assert.equal(shape("a * b + c"), "((a * b) + c)");
    assert.equal(shape("a / b > 0.05"), "((a / b) > 0.05)");
    assert.equal(shape("a - b - c"), "((a - b) - c)", "left-associative");
    assert.equal(shape("a / b / c"), "((a / b) / c)");
    assert.equal(shape("(a + b) * c"), "((a + b) * c)");
    assert.equal(
      shape("a > 1 and b < 2 or c == 3 unless d != 4"),
      "(((a > 1) and (b < 2)) or ((c == 3) unless (d != 4)))",
    );
  });

  test("unary minus binds tightest; unary plus disappears", () => {
    assert.equal(shape("-a * b"), "((-a) * b)");
    assert.equal(shape("a * -b"), "(a * (-b))");
    assert.equal(shape("a - -1"), "(a - (-1))");
    assert.equal(shape("+a"), "a");
    assert.equal(shape("--a"), "(-(-a))");
  });

  test("every comparison operator", () => {
    for (const op of ["==", "!=", ">", "<", ">=", "<="]) {
      const e = parseExpr(`cpu_percent ${op} 70`);
      assert.ok(e.kind === "binary" && e.op === op, op);
    }
  });

  test("numbers: decimals, exponents, Inf and NaN", () => {
    const value = (text: string) => {
      const e = parseExpr(`x > ${text}`);
      return e.kind === "binary" && e.rhs.kind === "number" ? e.rhs.value : undefined;
    };
    assert.equal(value("0.05"), 0.05);
    assert.equal(value(".5"), 0.5);
    assert.equal(value("1e3"), 1000);
    assert.equal(value("2.5E-2"), 0.025);
    assert.equal(value("Inf"), Infinity);
    assert.equal(value("+inf"), Infinity);
    assert.ok(Number.isNaN(value("NaN")));
  });

  test("a duration on its own is a duration literal (seconds when evaluated)", () => {
    const e = parseExpr("time_to(x[1d], 70) < 7d");
    assert.ok(e.kind === "binary");
    assert.deepEqual(withoutOffsets(e.rhs), { kind: "duration", ms: 604_800_000 });
  });

  test("on(...) and ignoring(...) after an operator", () => {
    const e = parseExpr("a / on (job, instance) b");
    assert.ok(e.kind === "binary");
    assert.deepEqual(e.matching, { mode: "on", labels: ["job", "instance"] });
    assert.equal(canonical("a>ignoring(code)b"), "a > ignoring (code) b");
    assert.equal(parseExpr("a / b").kind === "binary" && "matching" in parseExpr("a / b"), false);
  });

  test("the value type of each form", () => {
    assert.equal(valueType(parseExpr("1 + 2 * 3")), "scalar");
    assert.equal(valueType(parseExpr("-7d")), "scalar");
    assert.equal(valueType(parseExpr("1 + x")), "vector");
    assert.equal(valueType(parseExpr("avg(x[5m])")), "vector");
    assert.equal(valueType(parseExpr("sum(x)")), "vector");
    assert.equal(valueType(parseExpr("x > 1")), "vector");
  });

  test("a metric may share a function's name when no parenthesis follows", () => {
    assert.deepEqual(tree("rate"), { kind: "selector", name: "rate", matchers: [] });
    assert.equal(canonical("sum by (a) (sum)"), "sum by (a) (sum)");
  });
});
