import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compileTemplate, TemplateError } from "../../src/rules/template.ts";
import { meets, parseThreshold, ThresholdError } from "../../src/rules/threshold.ts";

describe("thresholds", () => {
  test("operators, numbers and durations as seconds", () => {
    assert.deepEqual(parseThreshold(">70"), { op: ">", value: 70, text: "> 70" });
    assert.equal(parseThreshold(" <= 0.05 ").value, 0.05);
    assert.equal(parseThreshold("> 5m").value, 300);
    assert.equal(parseThreshold("!= -1").value, -1);
    assert.ok(meets(parseThreshold(">= 90"), 90));
    assert.ok(!meets(parseThreshold("> 90"), 90));
    assert.ok(!meets(parseThreshold("!= 1"), Number.NaN));
    assert.ok(meets(parseThreshold("> 1e3"), Number.POSITIVE_INFINITY));
  });

  test("bad thresholds say what is expected", () => {
    assert.throws(() => parseThreshold("70"), /expected an operator .* e\.g\. "> 70"/);
    assert.throws(
      () => parseThreshold("> 70%"),
      (e: Error) => {
        assert.ok(e instanceof ThresholdError);
        assert.match(e.message, /without %/);
        return true;
      },
    );
    assert.throws(() => parseThreshold("=> 3"), ThresholdError);
  });
});

describe("annotation templates", () => {
  const data = {
    value: 87.456,
    labels: { instance: "web-1", role: "web" },
    level: "critical",
    rule: "Webサーバー CPU使用率",
    threshold: "> 85",
  };

  test("variables and functions", () => {
    const t = compileTemplate(
      '{{ $labels.instance }} の {{ $rule }} が {{ $value | printf "%.1f" }}% ({{$level}} {{ $threshold }}){{ $labels.nope }}',
    );
    assert.equal(t(data), "web-1 の Webサーバー CPU使用率 が 87.5% (critical > 85)");
    assert.equal(compileTemplate("{{ $value }}")(data), "87.456");
    assert.equal(compileTemplate("{{ $value | humanize }}")({ ...data, value: 1234567 }), "1.235M");
    assert.equal(
      compileTemplate("{{ $value | humanizeDuration }}")({ ...data, value: 3725 }),
      "1h 2m 5s",
    );
    assert.equal(
      compileTemplate("{{ $value | humanizePercentage }}")({ ...data, value: 0.1234 }),
      "12.34%",
    );
    assert.equal(compileTemplate("{{ $value }}")({ ...data, value: Number.NaN }), "NaN");
    assert.equal(compileTemplate('{{ $value | printf "%d%%" }}')(data), "87%");
  });

  test("unknown variables and functions are errors with a column", () => {
    assert.throws(
      () => compileTemplate("CPU {{ $valeu }}"),
      (e: Error) => {
        assert.ok(e instanceof TemplateError);
        assert.equal(e.column, 8);
        assert.match(e.message, /unknown template variable "\$valeu": expected \$value/);
        return true;
      },
    );
    assert.throws(
      () => compileTemplate("{{ $value | round }}"),
      /unknown template function "round"/,
    );
    assert.throws(() => compileTemplate("{{ $value | printf }}"), /printf needs a format/);
    assert.throws(() => compileTemplate("x {{ $value"), /never closed/);
  });
});
