import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  compileMatchers,
  formatMatcher,
  formatMatchers,
  type LabelMatcher,
  MatcherError,
  matchersFromMap,
  matchersSchema,
  matches,
  matchesEmpty,
  parseMatchers,
  toMatchers,
} from "../../src/alerting/matchers.ts";

const m = (name: string, op: LabelMatcher["op"], value: string): LabelMatcher => ({
  name,
  op,
  value,
});

/** The MatcherError parseMatchers throws for `text`. */
function parseError(text: string): MatcherError {
  try {
    parseMatchers(text);
  } catch (error) {
    assert.ok(error instanceof MatcherError, `not a MatcherError: ${error}`);
    return error;
  }
  assert.fail(`${text} parsed`);
}

describe("parseMatchers: the Alertmanager / amtool text form", () => {
  test("one quoted equality", () => {
    assert.deepEqual(parseMatchers('severity="critical"'), [m("severity", "=", "critical")]);
  });

  test("all four operators, in braces", () => {
    assert.deepEqual(parseMatchers('{service=~"web|api", env!="dev", a="1", b!~"x.*"}'), [
      m("service", "=~", "web|api"),
      m("env", "!=", "dev"),
      m("a", "=", "1"),
      m("b", "!~", "x.*"),
    ]);
  });

  test("unquoted values, spaces anywhere between tokens, a trailing comma", () => {
    assert.deepEqual(parseMatchers(" { severity = critical , instance =~ web-.+ , } "), [
      m("severity", "=", "critical"),
      m("instance", "=~", "web-.+"),
    ]);
    assert.deepEqual(parseMatchers("severity=critical,env!=dev"), [
      m("severity", "=", "critical"),
      m("env", "!=", "dev"),
    ]);
  });

  test("Japanese and other non-ASCII values, quoted or not", () => {
    assert.deepEqual(parseMatchers('service="決済", team=運用'), [
      m("service", "=", "決済"),
      m("team", "=", "運用"),
    ]);
  });

  test("quoted values: escapes, single quotes, commas and braces inside", () => {
    assert.deepEqual(parseMatchers('msg="say \\"hi\\", {ok}", path=\'a\\\\b\', nl="x\\ny"'), [
      m("msg", "=", 'say "hi", {ok}'),
      m("path", "=", "a\\b"),
      m("nl", "=", "x\ny"),
    ]);
  });

  test("an unknown escape keeps its backslash, so regexes read as written", () => {
    assert.deepEqual(parseMatchers('instance=~"web-\\d+"'), [m("instance", "=~", "web-\\d+")]);
    assert.ok(matches(parseMatchers('instance=~"web-\\d+"'), { instance: "web-12" }));
  });

  test("empty values are allowed when quoted", () => {
    assert.deepEqual(parseMatchers('env=""'), [m("env", "=", "")]);
  });

  test("no matchers: empty text and empty braces", () => {
    assert.deepEqual(parseMatchers(""), []);
    assert.deepEqual(parseMatchers("  "), []);
    assert.deepEqual(parseMatchers("{}"), []);
    assert.deepEqual(parseMatchers("{ }"), []);
  });

  test("one label with two different operators is fine", () => {
    assert.deepEqual(parseMatchers('env=~"prod.*", env!="prod-eu"'), [
      m("env", "=~", "prod.*"),
      m("env", "!=", "prod-eu"),
    ]);
  });
});

describe("parseMatchers: bad input names the column and what is expected", () => {
  const cases: [text: string, column: number, includes: string[]][] = [
    ['severity="critical', 10, ["quoted value is not closed", 'expected a closing "']],
    ["severity='critical", 10, ["not closed", "expected a closing '"]],
    ['service=~"web|(api"', 10, ["bad regular expression", "web|(api"]],
    ['service=~"a)|(b"', 10, ["bad regular expression"]],
    ['="x"', 1, ["where a label name starts", "expected a label name"]],
    [' , a="x"', 2, ["where a label name starts"]],
    ['1abc="x"', 1, ["cannot start with a digit"]],
    ['a-b="x"', 2, ['"-" after "a"', "expected an operator: =, !=, =~ or !~"]],
    ["severity", 9, ['the end of the text after "severity"', "expected an operator"]],
    ["a==b", 2, ['"=="', "a single = tests equality"]],
    ["a=", 3, ["after the operator", "expected a value"]],
    ["a=,b=c", 3, ['"," after the operator', "expected a value"]],
    ['a="x", a="y"', 8, ['"a" is matched with = twice', 'a=~"x|y"']],
    ['a!="x", a!="y"', 9, ["matched with != twice", 'a!~"x|y"']],
    ['a=~"x", a=~"y"', 9, ["twice", 'a=~"x|y"']],
    ['a="x.y", a="z"', 10, ['a=~"x\\.y|z"']],
    ['{a="b"', 7, ["the list is not closed", "expected a closing }"]],
    ['a="b"}', 6, ["a } without an opening {"]],
    ['{a="b"} x', 9, ['"x" after the closing }', "expected the end"]],
    ['a="b" c="d"', 7, ['"c" after a matcher', "expected a comma between matchers"]],
    ["a=b=c", 4, ['"=" in an unquoted value', "double quotes"]],
    ["a=b~", 4, ['"~" in an unquoted value']],
    ["a=b,,c=d", 5, ['"," where a label name starts']],
    ["a=x{2}", 4, ['"{" in an unquoted value']],
  ];
  for (const [text, column, includes] of cases) {
    test(text, () => {
      const error = parseError(text);
      assert.equal(error.column, column, error.message);
      assert.equal(error.input, text);
      assert.ok(error.message.startsWith(`column ${column} of `), error.message);
      for (const part of includes) assert.ok(error.message.includes(part), error.message);
    });
  }

  test("the input is shown in the message", () => {
    assert.match(parseError('severity="critical').message, /of 'severity="critical'/);
    assert.match(parseError("it's=x").message, /of "it's=x"/);
  });
});

describe("matches", () => {
  const labels = { severity: "critical", service: "web", instance: "web-1", env: "prod" };

  test("equality and inequality", () => {
    assert.ok(matches(parseMatchers('severity="critical"'), labels));
    assert.ok(!matches(parseMatchers('severity="warning"'), labels));
    assert.ok(matches(parseMatchers('severity!="warning"'), labels));
    assert.ok(!matches(parseMatchers('severity!="critical"'), labels));
  });

  test("regexes are anchored at both ends", () => {
    assert.ok(matches(parseMatchers('service=~"web|api"'), labels));
    assert.ok(!matches(parseMatchers('instance=~"web"'), labels), "web must not match web-1");
    assert.ok(!matches(parseMatchers('instance=~"eb-1"'), labels));
    assert.ok(matches(parseMatchers('instance=~"web.*"'), labels));
    assert.ok(matches(parseMatchers('instance!~"web"'), labels));
    assert.ok(!matches(parseMatchers('instance!~"web-[0-9]"'), labels));
    // The alternation is inside the anchors: ^(?:a|web)$, not ^a|web$.
    assert.ok(!matches(parseMatchers('instance=~"a|web"'), labels));
  });

  test("a missing label counts as the empty string", () => {
    assert.ok(matches(parseMatchers('team=""'), labels));
    assert.ok(!matches(parseMatchers('team!=""'), labels));
    assert.ok(matches(parseMatchers('team!="ops"'), labels));
    assert.ok(matches(parseMatchers('team=~".*"'), labels));
    assert.ok(!matches(parseMatchers('team=~".+"'), labels));
    assert.ok(matches(parseMatchers('team!~".+"'), labels));
  });

  test("all matchers must match; none matches everything", () => {
    assert.ok(matches(parseMatchers('service="web", env=~"prod|stg"'), labels));
    assert.ok(!matches(parseMatchers('service="web", env="dev"'), labels));
    assert.ok(matches([], labels));
  });

  test("labels named like Object.prototype members are just missing", () => {
    assert.ok(matches(parseMatchers('constructor=""'), {}));
    assert.ok(!matches(parseMatchers('toString=~".+"'), {}));
  });

  test("compileMatchers agrees with matches", () => {
    const list = parseMatchers('env=~"prod.*", service="web", instance!="web-2"');
    const test = compileMatchers(list);
    for (const l of [labels, { ...labels, env: "dev" }, { ...labels, instance: "web-2" }, {}]) {
      assert.equal(test(l), matches(list, l));
    }
  });

  test("matchesEmpty: which matchers let an alert without the label through", () => {
    const empty = (text: string) => matchesEmpty(parseMatchers(text)[0] as LabelMatcher);
    assert.ok(empty('env=""'));
    assert.ok(empty('env!="prod"'));
    assert.ok(empty('env=~".*"'));
    assert.ok(empty('env=~"prod|"'));
    assert.ok(empty('env!~".+"'));
    assert.ok(!empty('env="prod"'));
    assert.ok(!empty('env!=""'));
    assert.ok(!empty('env=~".+"'));
    assert.ok(!empty('env!~".*"'));
  });
});

describe("formatMatchers", () => {
  test("always quotes; reads back to the same list", () => {
    const list = [
      m("severity", "=", "critical"),
      m("service", "=~", "web|api"),
      m("msg", "!=", 'say "hi"\\now\n'),
      m("x", "!~", "a\\d+"),
      m("empty", "=", ""),
    ];
    const text = formatMatchers(list);
    assert.equal(
      text,
      '{severity="critical", service=~"web|api", msg!="say \\"hi\\"\\\\now\\n", x!~"a\\\\d+", empty=""}',
    );
    assert.deepEqual(parseMatchers(text), list);
    assert.equal(formatMatcher(m("a", "=", "b")), 'a="b"');
    assert.equal(formatMatchers([]), "{}");
  });
});

describe("the map form and other inputs", () => {
  test("a map is a list of equalities in key order", () => {
    assert.deepEqual(matchersFromMap({ severity: "critical", service: "web" }), [
      m("severity", "=", "critical"),
      m("service", "=", "web"),
    ]);
  });

  test("a map with a bad label name is refused", () => {
    assert.throws(() => matchersFromMap({ "bad-name": "x" }), /"bad-name" is not a label name/);
    assert.throws(() => matchersFromMap({ "": "x" }), /an empty name is not a label name/);
  });

  test("toMatchers accepts text, a map or a list and checks the list", () => {
    assert.deepEqual(toMatchers("a=b"), [m("a", "=", "b")]);
    assert.deepEqual(toMatchers({ a: "b" }), [m("a", "=", "b")]);
    assert.deepEqual(toMatchers([m("a", "=~", "b|c")]), [m("a", "=~", "b|c")]);
    assert.throws(() => toMatchers([m("a", "=~", "(")]), /matcher 1 \(a=~"\("\): bad regular/);
    assert.throws(() => toMatchers([m("a", "=", "x"), m("a", "=", "y")]), /matcher 2 .* twice/);
    assert.throws(
      () => toMatchers([{ name: "a", op: "==", value: "b" } as unknown as LabelMatcher]),
      /matcher 1 is not a matcher: expected \{ name, op, value \}/,
    );
    assert.throws(() => toMatchers([null as unknown as LabelMatcher]), /is not a matcher/);
  });

  test("matchersSchema reads both forms for the config", () => {
    assert.deepEqual(matchersSchema.parse({ severity: "critical", code: 500, up: false }), [
      m("severity", "=", "critical"),
      m("code", "=", "500"),
      m("up", "=", "false"),
    ]);
    assert.deepEqual(matchersSchema.parse('service=~"web|api"'), [m("service", "=~", "web|api")]);
    const bad = matchersSchema.safeParse('service=~"web|(api"');
    assert.ok(!bad.success);
    assert.match(bad.error.issues[0]?.message ?? "", /column 10 .*bad regular expression/);
    const wrong = matchersSchema.safeParse(["a=b"]);
    assert.ok(!wrong.success);
    assert.match(wrong.error.issues[0]?.message ?? "", /expected label matchers: a map/);
  });
});
