import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { loadConfigText } from "../../src/config/load.ts";
import type { ConfigProblem } from "../../src/config/problems.ts";

function problemsOf(text: string, env: Record<string, string> = {}): ConfigProblem[] {
  const result = loadConfigText(text, { file: "unyo.yaml", env });
  assert.equal(result.ok, false, "expected the config to be rejected");
  return result.ok ? [] : result.problems;
}

function configOf(text: string, env: Record<string, string> = {}, baseDir?: string) {
  const result = loadConfigText(text, { file: "unyo.yaml", env, ...(baseDir ? { baseDir } : {}) });
  if (!result.ok)
    assert.fail(`expected a valid config, got ${JSON.stringify(result.problems, null, 2)}`);
  return result.value.config;
}

describe("config loading", () => {
  test("an empty file is a valid config with defaults", () => {
    const config = configOf("");
    assert.equal(config.timezone, "UTC");
    assert.equal(config.server.port, 8080);
    assert.equal(config.server.host, "127.0.0.1");
    assert.equal(config.server.body_limit, 1024 * 1024);
    assert.deepEqual(config.checks, []);
  });

  test("durations and sizes are parsed in one place", () => {
    const config = configOf(`
server: { body_limit: 2MB, shutdown_timeout: 1m30s }
checks:
  - { id: a, http: { url: "http://127.0.0.1/" }, every: 1h30m, timeout: 5s }
`);
    assert.equal(config.server.body_limit, 2_000_000);
    assert.equal(config.server.shutdown_timeout, 90_000);
    assert.equal(config.checks[0]?.every, 5_400_000);
    assert.equal(config.checks[0]?.timeout, 5_000);
    assert.deepEqual(config.checks[0]?.expect, ["status < 400"]);
  });

  test("reports every problem at once, each with line, column and path", () => {
    const problems = problemsOf(`timezone: Asia/Tokio
server:
  port: "eighty"
checks:
  - id: ok-check
    http: { url: "http://127.0.0.1/" }
  - id: Bad Id
    http: { url: "ftp://x" }
    every: 1x
    expect: [ "status 200" ]
`);
    const byPath = new Map(problems.map((p) => [p.path, p]));
    assert.ok(problems.length >= 5, JSON.stringify(problems));
    assert.match(byPath.get("timezone")?.message ?? "", /not an IANA time zone.*Asia\/Tokyo/);
    assert.equal(byPath.get("timezone")?.line, 1);
    assert.equal(byPath.get("timezone")?.column, 11);
    assert.match(byPath.get("server.port")?.message ?? "", /port number.*got "eighty"/);
    assert.equal(byPath.get("server.port")?.line, 3);
    assert.match(byPath.get("checks[1].id")?.message ?? "", /expected an id/);
    assert.equal(byPath.get("checks[1].id")?.line, 7);
    assert.match(byPath.get("checks[1].http.url")?.message ?? "", /http\(s\) URL/);
    const every = byPath.get("checks[1].every");
    assert.match(every?.message ?? "", /"1x" is not a duration.*30s/);
    assert.deepEqual([every?.line, every?.column], [9, 12]);
    assert.match(byPath.get("checks[1].expect[0]")?.message ?? "", /operator/);
    // Sorted by position, so they read top to bottom.
    const lines = problems.map((p) => p.line);
    assert.deepEqual(
      lines,
      [...lines].sort((a, b) => a - b),
    );
  });

  test("an unknown key is an error with a did-you-mean suggestion, pointing at the key", () => {
    const problems = problemsOf(`checks:
  - id: a
    http: { url: "http://127.0.0.1/" }
    evry: 1m
servr:
  port: 1
`);
    const evry = problems.find((p) => p.path === "checks[0].evry");
    assert.match(evry?.message ?? "", /unknown key "evry": did you mean "every"\?/);
    assert.deepEqual([evry?.line, evry?.column], [4, 5]);
    const servr = problems.find((p) => p.path === "servr");
    assert.match(servr?.message ?? "", /did you mean "server"/);
    assert.deepEqual([servr?.line, servr?.column], [5, 1]);
  });

  test("a key far from any known one lists the known keys", () => {
    const [problem] = problemsOf("server: { zzzzzz: 1 }\n");
    assert.match(problem?.message ?? "", /unknown key "zzzzzz"; known keys here: body_limit, host/);
  });

  test("a roadmap section is refused with a message that says so", () => {
    const problems = problemsOf("jobs:\n  - id: nightly\n");
    assert.equal(problems.length, 1);
    assert.match(problems[0]?.message ?? "", /"jobs" is planned but not supported/);
    const two = problemsOf(
      'checks:\n  - { id: a, http: { url: "http://x/" }, tcp: { host: x, port: 1 } }\n',
    );
    assert.match(two[0]?.message ?? "", /exactly one probe; this one has http and tcp/);
  });

  test("malformed YAML is reported with its position", () => {
    const problems = problemsOf("server:\n  port: [1, 2\n");
    assert.ok(problems.length >= 1);
    assert.match(problems[0]?.message ?? "", /YAML syntax error/);
    assert.equal(problems[0]?.path, "");
    assert.ok((problems[0]?.line ?? 0) >= 2);
  });

  test("an interval too short to schedule and a URL that cannot be parsed are refused", () => {
    const problems = problemsOf(`checks:
  - { id: a, http: { url: "http://127.0.0.1:99999/" }, every: 0s }
`);
    assert.match(
      problems.find((p) => p.path === "checks[0].every")?.message ?? "",
      /at least 100ms/,
    );
    assert.match(
      problems.find((p) => p.path === "checks[0].http.url")?.message ?? "",
      /http\(s\) URL/,
    );
  });

  test("duplicate keys and duplicate check ids are errors", () => {
    assert.match(
      problemsOf("timezone: UTC\ntimezone: UTC\n")[0]?.message ?? "",
      /YAML syntax error.*unique/i,
    );
    const dup = problemsOf(`checks:
  - { id: a, http: { url: "http://x/" } }
  - { id: a, http: { url: "http://y/" } }
`);
    assert.equal(dup[0]?.path, "checks[1].id");
    assert.match(dup[0]?.message ?? "", /duplicate check id "a"/);
  });

  test("wrong types say what was expected and what was found", () => {
    const problems = problemsOf("checks: { id: a }\nserver: 3\n");
    assert.match(
      problems.find((p) => p.path === "checks")?.message ?? "",
      /expected a list.*got a mapping/,
    );
    assert.match(
      problems.find((p) => p.path === "server")?.message ?? "",
      /expected a mapping.*got 3/,
    );
  });

  test("a missing required key is reported at the map that should hold it", () => {
    const [problem] = problemsOf("server:\n  port: 1\nchecks:\n  - id: a\n    http: {}\n");
    assert.equal(problem?.path, "checks[0].http.url");
    assert.match(problem?.message ?? "", /required/);
    assert.equal(problem?.line, 5);
  });

  test("default expect: http status < 400, command exit_code == 0, others none", () => {
    const config = configOf(`checks:
  - { id: a, http: { url: "http://x/" } }
  - { id: b, command: { argv: ["true"] } }
  - { id: c, tcp: { host: x, port: 1 } }
`);
    assert.deepEqual(
      config.checks.map((c) => c.expect),
      [["status < 400"], ["exit_code == 0"], []],
    );
  });

  test("subjects on either side of an assertion must exist for the probe kind", () => {
    const [problem] = problemsOf(
      "checks:\n  - { id: a, tcp: { host: x, port: 1 }, expect: ['response_time < status'] }\n",
    );
    assert.match(problem?.message ?? "", /status is not available for tcp checks/);
  });

  test("a check without a probe names the kinds it can have", () => {
    const [problem] = problemsOf("checks:\n  - id: a\n    every: 1m\n");
    assert.equal(problem?.path, "checks[0]");
    assert.match(problem?.message ?? "", /a check needs one probe: http/);
    assert.equal(problem?.line, 2);
  });
});

describe("interpolation", () => {
  test("${VAR} and ${VAR:-default} are substituted; a whole plain reference keeps its type", () => {
    const text = `server:
  port: \${PORT:-9090}
  host: \${HOST}
checks:
  - id: a
    http: { url: "http://\${HOST}:\${PORT:-80}/health?x=$\${literal}" }
`;
    const config = configOf(text, { HOST: "10.0.0.1" });
    assert.equal(config.server.port, 9090);
    assert.equal(config.server.host, "10.0.0.1");
    assert.equal(config.checks[0]?.http?.url, "http://10.0.0.1:80/health?x=${literal}");
    assert.equal(configOf(text, { HOST: "h", PORT: "7000" }).server.port, 7000);
  });

  test("an error message shows ${VAR}, never the value it held (it may be a secret)", () => {
    const problems = problemsOf("timezone: ${DB_PASSWORD}\n", { DB_PASSWORD: "hunter2-secret" });
    assert.equal(problems.length, 1, JSON.stringify(problems));
    assert.match(problems[0]?.message ?? "", /\$\{DB_PASSWORD\}/);
    assert.doesNotMatch(JSON.stringify(problems), /hunter2-secret/);
  });

  test("a missing variable is an error naming it, at its position", () => {
    const problems = problemsOf("server:\n  host: ${UNYO_TEST_MISSING_HOST}\n");
    assert.equal(problems.length, 1, JSON.stringify(problems));
    assert.match(
      problems[0]?.message ?? "",
      /environment variable UNYO_TEST_MISSING_HOST is not set/,
    );
    assert.deepEqual(
      [problems[0]?.line, problems[0]?.column, problems[0]?.path],
      [2, 9, "server.host"],
    );
  });

  test("an empty variable falls back to the default; a malformed reference is an error", () => {
    assert.equal(configOf("server: { host: '${H:-0.0.0.0}' }\n", { H: "" }).server.host, "0.0.0.0");
    assert.match(
      problemsOf("server: { host: '${1BAD}' }\n")[0]?.message ?? "",
      /not a variable reference/,
    );
    assert.match(problemsOf("server: { host: '${OPEN' }\n")[0]?.message ?? "", /unclosed/);
  });

  test("a variable cannot inject YAML structure", () => {
    const config = configOf("server: { host: '${H}' }\n", { H: "x\nport: 1\n{a: b}" });
    assert.equal(config.server.host, "x\nport: 1\n{a: b}");
    assert.equal(config.server.port, 8080);
  });
});

describe("secrets from files", () => {
  test("{ file: path } reads the secret, relative to the config file, without the final newline", () => {
    const dir = mkdtempSync(join(tmpdir(), "unyo-secret-"));
    writeFileSync(join(dir, "db-url"), "postgres://u:p@127.0.0.1/db\n");
    const config = configOf("storage:\n  postgres: { url: { file: db-url } }\n", {}, dir);
    assert.equal(config.storage.postgres?.url, "postgres://u:p@127.0.0.1/db");
  });

  test("an unreadable secret file is a problem that names the file, not the content", () => {
    const dir = mkdtempSync(join(tmpdir(), "unyo-secret-"));
    const result = loadConfigText("storage:\n  postgres: { url: { file: missing } }\n", {
      file: "unyo.yaml",
      env: {},
      baseDir: dir,
    });
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.problems[0]?.path, "storage.postgres.url");
    assert.match(result.problems[0]?.message ?? "", /cannot read secret file .*missing: ENOENT/);
  });
});
