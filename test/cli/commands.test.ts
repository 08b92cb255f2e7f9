import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseDocument } from "yaml";
import { main } from "../../src/main.ts";
import { runCli, UNYO_BIN } from "../helpers/cli.ts";
import { captureIO } from "../helpers/cli-workspace.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Runs the CLI in-process with captured output (fast); runCli covers the real process. */
async function run(args: string[], env: Record<string, string> = {}) {
  const { io, output } = captureIO(env, ROOT);
  const code = await main(args, io);
  return { code, ...output() };
}

describe("unyo validate", () => {
  test("the demo config is valid, exit 0", async () => {
    const r = await run(["validate", "examples/demo/unyo.yaml"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /examples\/demo\/unyo\.yaml is valid: 6 check\(s\), 6 rule\(s\), 1 scrape target\(s\), 1 calendar\(s\), time zone Asia\/Tokyo/,
    );
  });

  test("reports all problems with file:line:column path: message, exit 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "unyo-validate-"));
    const file = join(dir, "bad.yaml");
    writeFileSync(
      file,
      "timezone: Mars/Base\nchecks:\n  - id: a\n    http: { url: /x }\n    every: fast\n",
    );
    const r = await run(["validate", file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bad\.yaml:1:11 timezone: "Mars\/Base" is not an IANA time zone/);
    assert.match(r.stderr, /bad\.yaml:5:12 checks\[0\]\.every: "fast" is not a duration/);
    assert.match(r.stderr, /2 problems in /);

    const json = await run(["validate", file, "--json"]);
    assert.equal(json.code, 1);
    const body = JSON.parse(json.stdout);
    assert.equal(body.valid, false);
    assert.deepEqual(
      body.problems.map((p: { path: string; line: number; column: number }) => [
        p.path,
        p.line,
        p.column,
      ]),
      [
        ["timezone", 1, 11],
        ["checks[0].every", 5, 12],
      ],
    );
  });

  test("uses UNYO_CONFIG when no file is given; a missing file is exit 3", async () => {
    const ok = await run(["validate", "--json"], { UNYO_CONFIG: "examples/demo/unyo.yaml" });
    assert.equal(ok.code, 0);
    assert.equal(JSON.parse(ok.stdout).valid, true);
    const missing = await run(["validate", "no/such/unyo.yaml"]);
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /Cannot read the configuration file/);
  });
});

describe("unyo schema", () => {
  test("prints a draft-07 JSON Schema that matches the committed docs/schema copy", async () => {
    const r = await run(["schema"]);
    assert.equal(r.code, 0);
    const schema = JSON.parse(r.stdout);
    assert.equal(schema.$schema, "http://json-schema.org/draft-07/schema#");
    assert.equal(schema.additionalProperties, false);
    assert.ok(schema.properties.checks.items.properties.every.pattern);
    assert.deepEqual(Object.keys(schema.properties).sort(), [
      "calendars",
      "checks",
      "history",
      "metrics",
      "rules",
      "security",
      "server",
      "storage",
      "timezone",
    ]);
    const committed = readFileSync(join(ROOT, "docs/schema/unyo.schema.json"), "utf8");
    assert.equal(
      committed,
      r.stdout,
      "docs/schema/unyo.schema.json is stale: run `unyo schema -o docs/schema/unyo.schema.json`",
    );
  });

  test("the demo config carries the yaml-language-server modeline pointing at it", () => {
    const text = readFileSync(join(ROOT, "examples/demo/unyo.yaml"), "utf8");
    assert.match(
      text,
      /^# yaml-language-server: \$schema=\.\.\/\.\.\/docs\/schema\/unyo\.schema\.json/,
    );
    assert.equal(parseDocument(text).errors.length, 0);
  });
});

describe("unyo top level", () => {
  test("help, version, unknown commands and documented exit codes", async () => {
    const help = await run(["--help"]);
    assert.equal(help.code, 0);
    for (const name of ["up", "validate", "schema", "schedule", "version"]) {
      assert.match(help.stdout, new RegExp(`\\n  ${name} `));
      const sub = await run([name, "--help"]);
      assert.equal(sub.code, 0, `${name} --help`);
      assert.match(sub.stdout, /Usage: unyo /);
      assert.match(sub.stdout, /Exit codes/);
    }
    const version = await run(["version", "--json"]);
    assert.deepEqual(Object.keys(JSON.parse(version.stdout)), ["version", "node", "schema"]);
    const unknown = await run(["valdate"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Did you mean "validate"/);
    const bare = await run([]);
    assert.equal(bare.code, 2);
  });

  test("bin/unyo.js runs on the pinned Node 24", async () => {
    const r = await runCli(["version"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^unyo \d+\.\d+\.\d+ \(Node\.js v24\./);
  });

  const systemNode = "/usr/bin/node";
  const systemMajor = existsSync(systemNode)
    ? Number(
        execFileSync(systemNode, ["-p", "process.versions.node.split('.')[0]"], {
          encoding: "utf8",
        }),
      )
    : 0;
  test("bin/unyo.js refuses an older Node with a clear message, exit 3", {
    skip: systemMajor === 0 || systemMajor >= 24 ? "no Node older than 24 on this machine" : false,
  }, () => {
    const r = spawnSync(systemNode, [UNYO_BIN, "version"], { encoding: "utf8" });
    assert.equal(r.status, 3);
    assert.match(r.stderr, /needs Node\.js 24 or newer, but this is v\d+/);
    assert.match(r.stderr, /npm start, npx unyo/);
  });
});
