import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  Counter,
  Gauge,
  Histogram,
  type OpenMetricsContentType,
  Registry,
  Summary,
} from "prom-client";
import {
  type ParsedSample,
  type ParseResult,
  parseExposition,
} from "../../src/metrics/exposition.ts";
import { normaliseSamples, parseJsonSamples } from "../../src/metrics/samples.ts";

const s = (
  name: string,
  labels: Record<string, string>,
  value: number,
  timestampMs: number | null = null,
): ParsedSample => ({ name, labels, value, timestampMs });

/** [line, column, message] of each problem. */
const where = (result: ParseResult) => result.problems.map((p) => [p.line, p.column, p.message]);

describe("parseExposition: real exporters", () => {
  test("reads a prom-client registry exactly, label escapes included", async () => {
    const registry = new Registry();
    const registers = [registry];
    const help = 'Requests, "quoted" \\ and\nnewline';
    const requests = new Counter({
      name: "requests_total",
      help,
      labelNames: ["method", "code"],
      registers,
    });
    requests.inc({ method: "GET", code: "200" }, 3);
    requests.inc({ method: "POST", code: "500" });
    const weird = new Gauge({ name: "weird", help: "Gauge", labelNames: ["v"], registers });
    weird.set({ v: 'say "hi"\nC:\\temp\\' }, -2.5);
    weird.set({ v: "" }, 0.1);
    const latency = new Histogram({
      name: "latency_seconds",
      help: "L",
      buckets: [0.1, 1],
      registers,
    });
    latency.observe(0.05);
    latency.observe(0.5);
    const size = new Summary({ name: "size_bytes", help: "S", percentiles: [0.5, 0.9], registers });
    size.observe(42);

    const result = parseExposition(await registry.metrics());
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.samples, [
      s("requests_total", { method: "GET", code: "200" }, 3),
      s("requests_total", { method: "POST", code: "500" }, 1),
      s("weird", { v: 'say "hi"\nC:\\temp\\' }, -2.5),
      s("weird", { v: "" }, 0.1),
      s("latency_seconds_bucket", { le: "0.1" }, 1),
      s("latency_seconds_bucket", { le: "1" }, 2),
      s("latency_seconds_bucket", { le: "+Inf" }, 2),
      s("latency_seconds_sum", {}, 0.55),
      s("latency_seconds_count", {}, 2),
      s("size_bytes", { quantile: "0.5" }, 42),
      s("size_bytes", { quantile: "0.9" }, 42),
      s("size_bytes_sum", {}, 42),
      s("size_bytes_count", {}, 1),
    ]);
    assert.deepEqual(
      [...result.types],
      [
        ["requests_total", "counter"],
        ["weird", "gauge"],
        ["latency_seconds", "histogram"],
        ["size_bytes", "summary"],
      ],
    );
    assert.equal(result.help.get("requests_total"), help);
  });

  test("reads a prom-client OpenMetrics registry with exemplars and NaN/±Inf", async () => {
    const registry = new Registry<OpenMetricsContentType>();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const registers = [registry];
    // prom-client's types want the exemplar's label names among labelNames.
    const labelNames = ["queue", "traceId"];
    const jobs = new Counter({
      name: "jobs",
      help: "J",
      labelNames,
      registers,
      enableExemplars: true,
    });
    jobs.inc({ labels: { queue: "mail" }, value: 2, exemplarLabels: { traceId: "abc" } });
    const ratio = new Gauge({ name: "ratio", help: "R", labelNames: ["k"], registers });
    ratio.set({ k: "nan" }, Number.NaN);
    ratio.set({ k: "up" }, Number.POSITIVE_INFINITY);
    ratio.set({ k: "down" }, Number.NEGATIVE_INFINITY);
    const text = await registry.metrics();
    assert.match(text, /# \{traceId="abc"\} 2 \d+\.\d+\n/);
    assert.match(text, /# EOF\n$/);

    const result = parseExposition(text);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.samples, [
      s("jobs_total", { queue: "mail" }, 2),
      s("ratio", { k: "nan" }, Number.NaN),
      s("ratio", { k: "up" }, Number.POSITIVE_INFINITY),
      s("ratio", { k: "down" }, Number.NEGATIVE_INFINITY),
    ]);
    assert.equal(result.types.get("jobs"), "counter");
  });

  test("OpenMetrics: second timestamps, exemplars, UNIT, info and stateset, EOF", () => {
    const text = [
      "# TYPE rpc_duration_seconds histogram",
      "# UNIT rpc_duration_seconds seconds",
      'rpc_duration_seconds_bucket{le="0.1"} 4 # {trace_id="KOO5S4vxi0o"} 0.067 1520879607.789',
      'rpc_duration_seconds_bucket{le="+Inf"} 5 1520879608.5 # {trace_id="x"} 3',
      "rpc_duration_seconds_sum 2.5e0 1520879608",
      "# TYPE build info",
      'build_info{version="1.2"} 1',
      "# TYPE feature stateset",
      'feature{feature="a"} 1',
      "# EOF",
      "",
    ].join("\n");
    const result = parseExposition(text);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.samples, [
      s("rpc_duration_seconds_bucket", { le: "0.1" }, 4),
      s("rpc_duration_seconds_bucket", { le: "+Inf" }, 5, 1520879608500),
      s("rpc_duration_seconds_sum", {}, 2.5, 1520879608000),
      s("build_info", { version: "1.2" }, 1),
      s("feature", { feature: "a" }, 1),
    ]);
    assert.equal(result.types.get("build"), "info");
    assert.equal(result.types.get("feature"), "stateset");
  });

  test("# EOF ends parsing; content after it and a missing EOF are reported", () => {
    const after = parseExposition("a 1\n# EOF\nb 2\nc 3\n");
    assert.deepEqual(after.samples, [s("a", {}, 1)]);
    assert.deepEqual(where(after), [[3, 1, 'line 3:1: content after "# EOF" is ignored']]);
    const truncated = parseExposition("a 1\nb 2", { format: "openmetrics" });
    assert.equal(truncated.samples.length, 2);
    const missing = 'line 3:1: no "# EOF" at the end: truncated exposition?';
    assert.deepEqual(where(truncated), [[3, 1, missing]]);
  });
});

describe("parseExposition: values, timestamps and layout", () => {
  test("NaN and infinities in any case the spec allows, no hex", () => {
    const tokens = ["NaN", "nan", "+Inf", "-Inf", "Inf", "inf", "+inf", "-Infinity", "1e400"];
    const result = parseExposition(tokens.map((token, i) => `v{i="${i}"} ${token}`).join("\n"));
    assert.deepEqual(result.problems, []);
    const [inf, minus] = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    const expected = [Number.NaN, Number.NaN, inf, minus, inf, inf, inf, minus, inf];
    assert.deepEqual(
      result.samples.map((x) => x.value),
      expected,
    );
    assert.deepEqual(where(parseExposition("a 0x1A\nb +NaN\nc 1_000\nd 1e\ne .\nf --1")), [
      [1, 3, 'line 1:3: expected a number after metric name "a", got "0x1A"'],
      [2, 3, 'line 2:3: expected a number after metric name "b", got "+NaN"'],
      [3, 3, 'line 3:3: expected a number after metric name "c", got "1_000"'],
      [4, 3, 'line 4:3: expected a number after metric name "d", got "1e"'],
      [5, 3, 'line 5:3: expected a number after metric name "e", got "."'],
      [6, 3, 'line 6:3: expected a number after metric name "f", got "--1"'],
    ]);
  });

  test("decimals parse exactly as Number() does", () => {
    const tokens = ["-0", ".5", "1.", "0.1", "-12.75", "1.5E-3", "+3", "007", "123456789012345678"];
    for (let i = 1; i < 3000; i++) {
      const digits = String((i * 2654435761) % 1000000007).repeat(1 + (i % 3));
      const point = i % (digits.length + 1);
      tokens.push(`${digits.slice(0, point)}.${digits.slice(point)}`);
    }
    const result = parseExposition(tokens.map((token) => `x ${token}`).join("\n"));
    assert.equal(result.problems.length, 0);
    assert.deepEqual(
      result.samples.map((sample) => sample.value),
      tokens.map(Number),
    );
    assert.ok(Object.is(result.samples[0]?.value, -0));
  });

  test("Prometheus timestamps are integer milliseconds; OpenMetrics ones seconds", () => {
    const result = parseExposition("a 1 1700000000123\nb 2 -5\nc 3 1.5\nd 4 12e3");
    assert.deepEqual(result.samples, [s("a", {}, 1, 1700000000123), s("b", {}, 2, -5)]);
    assert.deepEqual(where(result), [
      [3, 5, 'line 3:5: expected a timestamp in ms, got "1.5"'],
      [4, 5, 'line 4:5: expected a timestamp in ms, got "12e3"'],
    ]);
    const om = parseExposition("a 1 1.5\nb 2 NaN", { format: "openmetrics" });
    assert.deepEqual(om.samples, [s("a", {}, 1, 1500)]);
    assert.equal(om.problems[0]?.message, 'line 2:5: expected a timestamp in seconds, got "NaN"');
  });

  test("blanks, tabs, CRLF, trailing commas, empty and comment lines", () => {
    const text =
      '# just a comment\r\n#HELP not_help x\r\n\r\n  \tup{ job = "a" , } \t1\r\nup{}2\r\n:rec:x 3 \r\n';
    const result = parseExposition(text);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.samples, [
      s("up", { job: "a" }, 1),
      s("up", {}, 2),
      s(":rec:x", {}, 3),
    ]);
    assert.equal(result.help.size, 0);
  });

  test("a label called __proto__ is an ordinary label", () => {
    const [sample] = parseExposition('a{__proto__="x",b="y"} 1').samples;
    assert.deepEqual(Object.entries(sample?.labels ?? {}), [
      ["__proto__", "x"],
      ["b", "y"],
    ]);
  });
});

describe("parseExposition: malformed lines", () => {
  test("each bad line is reported at its line and column; the good lines around are kept", () => {
    const text = [
      "ok_1 1",
      "bad-name 1",
      "9lives 1",
      'a{x="open} 1',
      'a{x="\\t"} 1',
      'a{x="1"}',
      'a{x="1"} abc',
      'a{x="1",y="2",x="3"} 1',
      "a 1 2 trailing",
      'a{x="1" y="2"} 1',
      'a{1x="1"} 1',
      "a{x 1",
      "a{x=1} 1",
      "a 1 # not an exemplar",
      "ok_2 2",
    ].join("\n");
    const result = parseExposition(text);
    assert.deepEqual(result.samples, [s("ok_1", {}, 1), s("ok_2", {}, 2)]);
    assert.deepEqual(where(result), [
      [2, 4, 'line 2:4: invalid character "-" in metric name "bad-name"'],
      [3, 1, 'line 3:1: a metric name must start with a letter, "_" or ":", got "9lives"'],
      [4, 5, 'line 4:5: the value of label "x" has no closing quote'],
      [5, 6, 'line 5:6: invalid escape "\\t" in label "x" (allowed: \\\\, \\" and \\n)'],
      [6, 9, "line 6:9: expected a number after the labels, got end of line"],
      [7, 10, 'line 7:10: expected a number after the labels, got "abc"'],
      [8, 15, 'line 8:15: duplicate label "x"'],
      [9, 7, 'line 9:7: unexpected text after the sample: "trailing"'],
      [10, 9, 'line 10:9: expected "," or "}" after label "x", got "y=\\"2\\"}"'],
      [11, 3, 'line 11:3: expected a label name or "}", got "1x=\\"1\\"}"'],
      [12, 5, 'line 12:5: expected "=" after label name "x", got "1"'],
      [13, 5, 'line 13:5: expected a quoted value for label "x", got "1}"'],
      [14, 7, 'line 14:7: expected an exemplar "# {labels} value" after "#", got "not"'],
    ]);
    assert.equal(result.problems[1]?.text, "9lives 1");
  });

  test("bad HELP and TYPE lines", () => {
    const text = "# HELP 1x help\n# TYPE a countr\n# TYPE a gauge\n# TYPE a gauge\n# HELP\na 1";
    assert.deepEqual(where(parseExposition(text)), [
      [1, 8, 'line 1:8: expected a metric name after "# HELP", got "1x"'],
      [2, 10, 'line 2:10: unknown metric type "countr" for "a"'],
      [4, 8, 'line 4:8: second TYPE line for "a"'],
      [5, 7, 'line 5:7: expected a metric name after "# HELP", got end of line'],
    ]);
  });

  test("over-long lines are problems cut to 200 characters", () => {
    const long = `a{x="${"y".repeat(300)}"} 1`;
    const result = parseExposition(`ok 1\n${long}\nok 2`, { maxLineLength: 100 });
    assert.deepEqual(result.samples, [s("ok", {}, 1), s("ok", {}, 2)]);
    const message = "line 2:101: the line has 309 characters, over the limit of 100";
    assert.deepEqual(result.problems, [
      { line: 2, column: 101, message, text: long.slice(0, 200) },
    ]);
  });

  test("maxSamples stops parsing with one problem", () => {
    const text = Array.from({ length: 10 }, (_, i) => `m{i="${i}"} ${i}`).join("\n");
    const result = parseExposition(`${text}\nbad line`, { maxSamples: 4 });
    assert.equal(result.samples.length, 4);
    assert.deepEqual(where(result), [
      [5, 1, "line 5:1: too many samples: over 4, the rest is ignored"],
    ]);
  });
});

describe("normaliseSamples", () => {
  test("keeps the last duplicate, counts the others, keeps NaN and ±Inf, fills timestamps", () => {
    const { samples } = parseExposition(
      [
        'a{x="1",y="2"} 1',
        'a{y="2",x="1"} 2',
        'a{x="1",y="2"} 3 1000',
        'a{x="1",y="2"} NaN',
        'a{x="1",y="3"} +Inf 1000',
        "b -Inf",
        'a{x="1",y="2"} 4 1000',
      ].join("\n"),
    );
    const result = normaliseSamples(samples, 5000);
    assert.deepEqual(result.samples, [
      s("a", { x: "1", y: "2" }, Number.NaN, 5000),
      s("a", { x: "1", y: "3" }, Number.POSITIVE_INFINITY, 1000),
      s("b", {}, Number.NEGATIVE_INFINITY, 5000),
      s("a", { x: "1", y: "2" }, 4, 1000),
    ]);
    assert.deepEqual(result.dropped, [{ reason: "duplicate", count: 3 }]);
  });

  test("nothing dropped when every series is distinct", () => {
    const samples = [s("a", { v: 'x",' }, 1), s("a", { v: "x" }, 1), s("a", {}, 1, 7)];
    assert.deepEqual(normaliseSamples(samples, 7), { samples, dropped: [] });
  });
});

describe("parseJsonSamples", () => {
  test("accepts {samples: [...]} with ISO and epoch timestamps and string NaN/Inf", () => {
    const result = parseJsonSamples({
      samples: [
        { name: "cpu", labels: { host: "web-1" }, value: 0.5, timestamp: "2024-05-01T12:00:00Z" },
        { name: "cpu", value: "NaN", timestamp: 1714564800123 },
        { name: "up", labels: {}, value: "+Inf", timestamp: "2024-05-01T21:00:00.250+09:00" },
        { name: "down", value: "-inf" },
      ],
    });
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.samples, [
      s("cpu", { host: "web-1" }, 0.5, Date.UTC(2024, 4, 1, 12)),
      s("cpu", {}, Number.NaN, 1714564800123),
      s("up", {}, Number.POSITIVE_INFINITY, Date.UTC(2024, 4, 1, 12, 0, 0, 250)),
      s("down", {}, Number.NEGATIVE_INFINITY),
    ]);
  });

  test("accepts a bare array and reports each bad item by its 1-based index", () => {
    const result = parseJsonSamples([
      { name: "ok", value: 1 },
      "nope",
      { name: "bad name", value: 1 },
      { name: "x", labels: { "1a": "v" }, value: 1 },
      { name: "x", labels: { a: 1 }, value: 1 },
      { name: "x", value: "12" },
      { name: "x", value: 1, timestamp: "2024-05-01 12:00" },
      { name: "x", value: 1, timestamp: "yesterday" },
      { name: "ok", labels: null, value: 2, timestamp: null },
    ]);
    assert.deepEqual(result.samples, [s("ok", {}, 1), s("ok", {}, 2)]);
    const timestamp = '"timestamp" must be epoch ms or ISO 8601 with a zone, got';
    assert.deepEqual(where(result), [
      [2, 0, "item 2: expected an object"],
      [3, 0, 'item 3: "name" must be a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*), got "bad name"'],
      [4, 0, 'item 4: invalid label name "1a"'],
      [5, 0, 'item 5: label "a" must be a string, got 1'],
      [6, 0, 'item 6: "value" must be a number, "NaN", "+Inf" or "-Inf", got "12"'],
      [7, 0, `item 7: ${timestamp} "2024-05-01 12:00"`],
      [8, 0, `item 8: ${timestamp} "yesterday"`],
    ]);
    assert.equal(result.problems[0]?.text, '"nope"');
  });

  test("a body of another shape is one problem; maxSamples applies", () => {
    const wrongShape = 'expected {"samples": [...]} or an array of samples';
    assert.deepEqual(where(parseJsonSamples({ series: [] })), [[0, 0, wrongShape]]);
    const many = Array.from({ length: 5 }, (_, i) => ({ name: "m", value: i }));
    const result = parseJsonSamples(many, { maxSamples: 3 });
    assert.equal(result.samples.length, 3);
    assert.deepEqual(where(result), [
      [4, 0, "item 4: too many samples: over 3, the rest is ignored"],
    ]);
  });
});
