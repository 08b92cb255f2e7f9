import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type Assertion,
  AssertionSyntaxError,
  parseAssertion,
} from "../../src/checks/assertions.ts";
import { evaluate, type Observation } from "../../src/checks/evaluate.ts";

/** Parses, asserting the parse throws nothing, and returns the parts worth comparing. */
function parts(text: string): Pick<Assertion, "subject" | "operator" | "value"> {
  const { subject, operator, value } = parseAssertion(text);
  return { subject, operator, value };
}

/** The AssertionSyntaxError thrown for `text` (fails the test if none is thrown). */
function syntaxError(text: string): AssertionSyntaxError {
  try {
    parseAssertion(text);
  } catch (error) {
    assert.ok(error instanceof AssertionSyntaxError, `expected AssertionSyntaxError, got ${error}`);
    return error;
  }
  assert.fail(`"${text}" parsed, but a syntax error was expected`);
}

function check(text: string, obs: Partial<Observation>): string | undefined {
  const failure = evaluate(parseAssertion(text), { responseTimeMs: 0, ...obs });
  if (failure) assert.equal(failure.assertion, text);
  return failure?.message;
}

describe("parseAssertion: the forms in the header", () => {
  test("status == 200", () => {
    assert.deepEqual(parts("status == 200"), {
      subject: { kind: "status" },
      operator: "==",
      value: 200,
    });
  });

  test("status in [200, 204] keeps the list", () => {
    assert.deepEqual(parts("status in [200, 204]"), {
      subject: { kind: "status" },
      operator: "in",
      value: [200, 204],
    });
    assert.deepEqual(parts("status in []").value, []);
    assert.deepEqual(parts('body.tag in ["a", 1, true, null, [2]]').value, [
      "a",
      1,
      true,
      null,
      [2],
    ]);
  });

  test('body.status == "healthy" and body.items[0].id != null', () => {
    assert.deepEqual(parts('body.status == "healthy"'), {
      subject: { kind: "body", root: "body", path: ["status"] },
      operator: "==",
      value: "healthy",
    });
    assert.deepEqual(parts("body.items[0].id != null"), {
      subject: { kind: "body", root: "body", path: ["items", 0, "id"] },
      operator: "!=",
      value: null,
    });
    assert.deepEqual(parts("body[12][3] == 1").subject, {
      kind: "body",
      root: "body",
      path: [12, 3],
    });
  });

  test('body contains "ok"', () => {
    assert.deepEqual(parts('body contains "ok"'), {
      subject: { kind: "body", root: "body", path: [] },
      operator: "contains",
      value: "ok",
    });
  });

  test('header.content-type matches "json" compiles the pattern, header names lower-cased', () => {
    const a = parseAssertion('header.Content-Type matches "json"');
    assert.deepEqual(a.subject, { kind: "header", name: "content-type" });
    assert.equal(a.operator, "matches");
    assert.ok(a.pattern instanceof RegExp);
    assert.equal(a.pattern.source, "json");
    assert.equal(a.source, 'header.Content-Type matches "json"');
  });

  test("response_time < 500ms, with every duration unit in milliseconds", () => {
    assert.deepEqual(parts("response_time < 500ms"), {
      subject: { kind: "response_time" },
      operator: "<",
      value: 500,
    });
    assert.equal(parts("response_time < 2s").value, 2000);
    assert.equal(parts("response_time <= 1m").value, 60_000);
    assert.equal(parts("response_time > 1h").value, 3_600_000);
    assert.equal(parts("response_time >= 1.5s").value, 1500);
    assert.equal(parts("response_time < 250").value, 250, "a bare number is milliseconds");
  });

  test("every operator, with or without spaces around it", () => {
    for (const op of ["==", "!=", "<", "<=", ">", ">="] as const) {
      assert.equal(parts(`status ${op} 300`).operator, op);
      assert.equal(parts(`status${op}300`).operator, op);
    }
    assert.deepEqual(parts("  status==200\t"), parts("status == 200"));
  });

  test("literals: strings in either quote with escapes, negatives, decimals, booleans", () => {
    assert.equal(parts("body.a == 'single'").value, "single");
    assert.equal(parts('body.a == "say \\"hi\\""').value, 'say "hi"');
    assert.equal(parts("body.a == 'it\\'s'").value, "it's");
    assert.equal(parts("body.a == -3.25").value, -3.25);
    assert.equal(parts("body.a == true").value, true);
    assert.equal(parts("body.a == false").value, false);
    assert.equal(parts("body.a == null").value, null);
  });
});

describe("parseAssertion: syntax errors", () => {
  test("unknown subject names the word and its column", () => {
    const e = syntaxError("stauts == 200");
    assert.equal(e.offset, 0);
    assert.match(
      e.message,
      /^unknown subject "stauts" at column 1: expected status, response_time/,
    );
    assert.equal(syntaxError("  == 200").offset, 2);
    assert.match(syntaxError("  == 200").message, /unknown subject "== 200" at column 3/);
  });

  test("header without a name", () => {
    const e = syntaxError("header. == 1");
    assert.equal(e.offset, 7);
    assert.match(e.message, /expected a header name after `header\.`/);
  });

  test("bad body paths", () => {
    assert.equal(syntaxError("body. == 1").offset, 5);
    assert.match(syntaxError("body. == 1").message, /expected a field name after `\.`/);
    const e = syntaxError("body.items[x] == 1");
    assert.equal(e.offset, 11);
    assert.match(e.message, /expected an index like \[0\]/);
    assert.match(syntaxError("body.items[0 == 1").message, /expected an index like \[0\]/);
  });

  test("missing operator points after the subject", () => {
    const e = syntaxError("status 200");
    assert.equal(e.offset, 7);
    assert.match(
      e.message,
      /^expected an operator \(==, !=, <=, >=, <, >, in, contains, matches\)/,
    );
    assert.match(e.message, /at column 8/);
    assert.match(e.message, /e\.g\. `status == 200`/);
    assert.equal(syntaxError("status").offset, 6);
  });

  test("missing value", () => {
    const e = syntaxError("status ==");
    assert.equal(e.offset, 9);
    assert.match(e.message, /^expected a value \(number, duration, "string", true, false, null/);
    // The offset points at the bad word, not past it.
    assert.equal(syntaxError("body.a == yes").offset, 10);
    assert.match(syntaxError("body.a == yes").message, /expected a value .* at column 11/);
  });

  test("`in` without a list points at the value", () => {
    const e = syntaxError("status in 200");
    assert.equal(e.offset, 10);
    assert.equal(e.message, "`in` needs a list, e.g. `status in [200, 204]`");
  });

  test("unclosed list", () => {
    const e = syntaxError("status in [200 204]");
    assert.equal(e.offset, 15);
    assert.equal(e.message, "expected `,` or `]` in list");
  });

  test("comparison with a non-number", () => {
    const e = syntaxError('status < "500"');
    assert.equal(e.offset, 9);
    assert.match(e.message, /`<` needs a number or a duration such as 500ms/);
    assert.match(syntaxError('response_time == "fast"').message, /response_time is compared/);
  });

  test("bad regular expression", () => {
    const e = syntaxError('header.x matches "(unclosed"');
    assert.equal(e.offset, 17);
    assert.match(e.message, /^invalid regular expression: /);
    assert.match(syntaxError("header.x matches 5").message, /`matches` needs a quoted regular/);
  });

  test("unterminated string points at the opening quote", () => {
    const e = syntaxError('body.status == "healthy');
    assert.equal(e.offset, 15);
    assert.equal(e.message, "unterminated string starting at column 16");
    assert.equal(syntaxError("body == 'x\\'").offset, 8, "an escaped quote does not close");
  });

  test("trailing text", () => {
    const e = syntaxError("status == 200 or 204");
    assert.equal(e.offset, 14);
    assert.equal(e.message, 'unexpected text "or 204" at column 15');
    assert.equal(syntaxError("response_time < 500mss").offset, 19, "unknown unit");
    assert.equal(syntaxError("status == 200abc").offset, 13);
  });
});

describe("evaluate", () => {
  const json: Observation = {
    status: 200,
    responseTimeMs: 120,
    headers: { "content-type": "application/json; charset=utf-8", "x-count": "3" },
    body: {
      status: "healthy",
      database: "disconnected",
      version: 3,
      ready: true,
      items: [{ id: 7, tags: ["a", "b"] }],
      empty: null,
    },
  };
  const run = (text: string) => check(text, json);

  test("passing assertions return nothing", () => {
    for (const text of [
      "status == 200",
      "status != 500",
      "status in [200, 204]",
      "status < 400",
      "status <= 200",
      "status > 199",
      "status >= 200",
      'body.status == "healthy"',
      "body.version == 3",
      "body.ready == true",
      "body.items[0].id != null",
      "body.items[0].id == 7",
      "body.items[0].tags == ['a', 'b']",
      'body.items[0].tags contains "b"',
      "body.empty == null",
      "body.missing == null",
      'body contains "healthy"',
      'header.content-type matches "json"',
      'header.content-type matches "^application/"',
      'header.content-type contains "utf-8"',
      'header.x-count == "3"',
      "response_time < 500ms",
      "response_time >= 120",
    ]) {
      assert.equal(run(text), undefined, text);
    }
  });

  test("equality failure shows expected and actual as JSON", () => {
    assert.equal(
      run('body.database == "connected"'),
      'body.database: expected "connected", got "disconnected"',
    );
    assert.equal(run("status == 204"), "status: expected 204, got 200");
    assert.equal(run("body.version == 4"), "body.version: expected 4, got 3");
    assert.equal(run("body.ready == false"), "body.ready: expected false, got true");
    assert.equal(run('body.version == "3"'), 'body.version: expected "3", got 3', "no coercion");
  });

  test("other operators are named in the message", () => {
    assert.equal(run("status != 200"), "status: expected != 200, got 200");
    assert.equal(run("status < 200"), "status: expected < 200, got 200");
    assert.equal(run("status >= 300"), "status: expected >= 300, got 200");
    assert.equal(
      run('header.content-type matches "xml"'),
      'header.content-type: expected matches "xml", got "application/json; charset=utf-8"',
    );
  });

  test("a missing field is reported as nothing", () => {
    assert.equal(run('body.db == "connected"'), 'body.db: expected "connected", got nothing');
    assert.equal(
      run("body.items[3].id != null"),
      "body.items[3].id: expected != null, got nothing",
    );
    assert.equal(run("body.status.deep == 1"), "body.status.deep: expected 1, got nothing");
    assert.equal(
      run('header.x-missing matches "a"'),
      'header.x-missing: expected matches "a", got nothing',
    );
    assert.equal(check("status == 200", { body: "x" }), "status: expected 200, got nothing");
    assert.equal(check("body.a < 5", {}), "body.a: expected < 5, got nothing");
  });

  test("lists: in and list equality", () => {
    assert.equal(run("status in [201, 204]"), "status: expected in [201,204], got 200");
    assert.equal(
      run('body.items[0].tags == ["a"]'),
      'body.items[0].tags: expected ["a"], got ["a","b"]',
    );
    assert.equal(
      run("body.items[0] == [7]"),
      'body.items[0]: expected [7], got {"id":7,"tags":["a","b"]}',
    );
  });

  test("response_time carries its unit on both sides", () => {
    assert.equal(run("response_time < 100ms"), "response_time: expected < 100ms, got 120ms");
    assert.equal(run("response_time <= 1s"), undefined);
    assert.equal(run("response_time > 1s"), "response_time: expected > 1s, got 120ms");
  });

  test("contains on strings, arrays, objects and other values", () => {
    assert.equal(check('body contains "ok"', { body: "all ok" }), undefined);
    assert.equal(
      check('body contains "fail"', { body: "all ok" }),
      'body: expected contains "fail", got "all ok"',
    );
    assert.equal(check("body contains 2", { body: [1, 2, 3] }), undefined);
    assert.equal(
      check('body contains "2"', { body: [1, 2, 3] }),
      'body: expected contains "2", got [1,2,3]',
    );
    assert.equal(check("body contains [1]", { body: [[1], [2]] }), undefined);
    assert.equal(run('body.items[0] contains "tags"'), undefined, "objects match on their JSON");
    assert.equal(run('body.version contains "3"'), 'body.version: expected contains "3", got 3');
  });

  test("long values are cut at 200 characters", () => {
    const long = "x".repeat(500);
    const message = check('body == "y"', { body: long });
    assert.equal(message, `body: expected "y", got "${"x".repeat(200)}…"`);
  });
});

describe("subjects of the other probes, and comparing two subjects", () => {
  const fails = (text: string, obs: Observation) => evaluate(parseAssertion(text), obs)?.message;

  test("seed 004: json.RunningCount == json.DesiredCount compares two fields", () => {
    const obs: Observation = {
      responseTimeMs: 5,
      exitCode: 0,
      body: { RunningCount: 1, DesiredCount: 2 },
    };
    assert.equal(
      fails("json.RunningCount == json.DesiredCount", obs),
      "json.RunningCount: expected json.DesiredCount (2), got 1",
    );
    assert.equal(fails("json.RunningCount >= 1", obs), undefined);
    assert.equal(fails("exit_code == 0", obs), undefined);
    assert.equal(fails("exit_code != 0", obs), "exit_code: expected != 0, got 0");
  });

  test("cert_expires_in takes days and reports in days and hours", () => {
    const obs: Observation = { responseTimeMs: 5, certExpiresInMs: 12 * 86_400_000 + 3_600_000 };
    assert.equal(fails("cert_expires_in > 30d", obs), "cert_expires_in: expected > 30d, got 12d1h");
    assert.equal(fails("cert_expires_in > 1w", obs), undefined);
    assert.throws(() => parseAssertion("cert_expires_in > 30"), /duration such as 30d/);
  });

  test("rows, reply and answers name the body; stdout and stderr are text", () => {
    const obs: Observation = { responseTimeMs: 1, body: [{ n: 0 }], stdout: "ok\n", stderr: "" };
    assert.equal(fails("rows[0].n == 0", obs), undefined);
    assert.equal(fails("rows[0].n > 0", obs), "rows[0].n: expected > 0, got 0");
    assert.equal(fails('stdout contains "ok"', obs), undefined);
    assert.equal(fails('reply == "PONG"', { responseTimeMs: 1, body: "PONG" }), undefined);
    assert.equal(
      fails('answers contains "192.0.2.1"', { responseTimeMs: 1, body: ["192.0.2.1"] }),
      undefined,
    );
  });

  test("an unquoted word is not taken for a subject, and refs refuse in/matches", () => {
    assert.throws(() => parseAssertion("body.status == healthy"), /text must be quoted: "healthy"/);
    assert.throws(() => parseAssertion("status in body.codes"), /needs a literal value/);
  });
});

test("comparing two subjects fails when either is missing", () => {
  const failure = evaluate(parseAssertion("json.RunningCount == json.DesiredCount"), {
    responseTimeMs: 1,
    body: "not json",
  });
  assert.equal(
    failure?.message,
    "json.RunningCount: expected json.DesiredCount (nothing), got nothing",
  );
});
