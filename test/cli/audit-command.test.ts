import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, test } from "node:test";
import { auditRowHash } from "../../src/audit/audit-log.ts";
import { cliWorkspace } from "../helpers/cli-workspace.ts";

const PASSWORD = "Correct-Horse-42!";
const NEW_PASSWORD = "Battery-Staple-77?";
const ACTOR = `cli:${userInfo().username}`;

/** A folder with a minimal unyo.yaml; run() runs the CLI in-process on its SQLite store. */
function workspace(config = "timezone: Asia/Tokyo\n") {
  return cliWorkspace("audit", config);
}

// biome-ignore lint/suspicious/noExplicitAny: JSON output is checked field by field.
function json(text: string): any {
  return JSON.parse(text);
}

function jsonLines(text: string) {
  assert.ok(text === "" || text.endsWith("\n"), "every line ends with a newline");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => json(line));
}

/** Users and tokens changed in every way the CLI records; returns the secrets used. */
async function someActivity(w: ReturnType<typeof workspace>) {
  const add = ["users", "add", "alice", "--role", "admin", "--password-stdin"];
  assert.equal((await w.run(add, `${PASSWORD}\n`)).code, 0);
  assert.equal(
    (await w.run(["users", "add", "bob", "--role", "viewer", "--password-stdin"], "Zq9!\n")).code,
    2,
  );
  assert.equal(
    (await w.run(["users", "passwd", "alice", "--password-stdin"], `${NEW_PASSWORD}\n`)).code,
    0,
  );
  assert.equal((await w.run(["users", "role", "alice", "operator"])).code, 0);
  const created = await w.run([
    "tokens",
    "create",
    "--name",
    "ci",
    "--role",
    "viewer",
    "--user",
    "alice",
  ]);
  assert.equal(created.code, 0, created.stderr);
  assert.equal((await w.run(["tokens", "revoke", "ci"])).code, 0);
  return { secrets: [PASSWORD, NEW_PASSWORD, "Zq9!", created.stdout.trim()] };
}

describe("unyo audit", () => {
  test("verify passes after CLI changes and names the first bad row after a direct edit", async () => {
    const w = workspace();
    await someActivity(w);
    const ok = await w.run(["audit", "verify"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /The audit log is intact: 6 row\(s\) checked/);
    assert.match(ok.stdout, /Head: id 6, hash [0-9a-f]{64}/);
    const okJson = json((await w.run(["audit", "verify", "--json"])).stdout);
    assert.equal(okJson.ok, true);
    assert.equal(okJson.head.id, 6);

    const db = new DatabaseSync(w.dbFile);
    db.exec("update audit_log set target = 'mallory' where id = 3");
    db.close();
    const bad = await w.run(["audit", "verify"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /NOT intact: the first bad row is id 3: row 3 was edited/);
    const badJson = await w.run(["audit", "verify", "--json"]);
    assert.equal(badJson.code, 1);
    assert.equal(json(badJson.stdout).firstBadId, 3);
  });

  test("an empty log verifies; a missing or invalid config is reported", async () => {
    const w = workspace();
    const empty = await w.run(["audit", "verify"]);
    assert.equal(empty.code, 0, empty.stderr);
    assert.match(empty.stdout, /empty/);

    const invalid = workspace("timezone: Mars/Base\n");
    const r = await invalid.run(["audit", "verify"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unyo\.yaml:1:11 timezone: "Mars\/Base" is not an IANA time zone/);
    const missing = await w.run(["audit", "verify", "--config", "nope.yaml"]);
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /Cannot read the configuration file/);
  });

  test("export writes valid JSON lines, honours --since, and holds no secrets", async () => {
    const w = workspace();
    const { secrets } = await someActivity(w);
    const all = await w.run(["audit", "export"]);
    assert.equal(all.code, 0, all.stderr);
    const rows = jsonLines(all.stdout);
    assert.equal(rows.length, 6);
    assert.deepEqual(
      rows.map((r) => r.id),
      [1, 2, 3, 4, 5, 6],
    );
    for (const row of rows) {
      const { hash, prevHash, sourceIp, details, ...rest } = row;
      const stored = {
        ...rest,
        source_ip: sourceIp,
        details: details === null ? null : JSON.stringify(details),
        prev_hash: prevHash,
      };
      assert.equal(auditRowHash(stored), hash, `row ${row.id} is exported as stored`);
      assert.equal(row.actor, ACTOR);
    }
    for (const secret of secrets) assert.ok(!all.stdout.includes(secret), "a secret leaked");

    const middle = new Date(rows[3].at).toISOString();
    const since = jsonLines((await w.run(["audit", "export", "--since", middle])).stdout);
    assert.deepEqual(
      since.filter((r) => r.action !== "audit.export").map((r) => r.id),
      rows.filter((r) => r.at >= rows[3].at).map((r) => r.id),
    );
    assert.ok(since.every((r) => r.at >= rows[3].at));
    assert.equal(
      jsonLines((await w.run(["audit", "export", "--since", "2999-01-01"])).stdout).length,
      0,
    );
    assert.ok(jsonLines((await w.run(["audit", "export", "--since", "1h"])).stdout).length >= 6);

    const bad = await w.run(["audit", "export", "--since", "yesterday"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--since "yesterday" is not a time/);
  });

  test("export -o FILE writes the file, reports progress on stderr, and is itself audited", async () => {
    const w = workspace();
    await someActivity(w);
    const r = await w.run(["audit", "export", "--since", "30d", "-o", "out.jsonl"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /Exported 6 audit row\(s\) to .*out\.jsonl/);
    const lines = jsonLines(readFileSync(join(w.dir, "out.jsonl"), "utf8"));
    assert.equal(lines.length, 6);

    const [entry] = json(
      (await w.run(["audit", "list", "--action", "audit.export", "--json"])).stdout,
    );
    assert.equal(entry.actor, ACTOR);
    assert.equal(entry.details.rows, 6);
    assert.match(entry.details.destination, /out\.jsonl$/);
    assert.equal((await w.run(["audit", "verify"])).code, 0);
  });

  test("list filters by actor, action, time and limit", async () => {
    const w = workspace();
    await someActivity(w);
    const table = await w.run(["audit", "list"]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^ID\s+TIME\s+ACTOR\s+ACTION\s+TARGET\s+OUTCOME\s+DETAILS\n6\s/);
    assert.match(table.stdout, /\n2\s+\S+\+09:00\s+cli:\S+\s+user\.create\s+bob\s+failure\s+\{/);

    const users = json((await w.run(["audit", "list", "--action", "user.*", "--json"])).stdout);
    assert.deepEqual(
      users.map((r: { action: string }) => r.action),
      ["user.role_change", "user.password_change", "user.create", "user.create"],
    );
    const one = json((await w.run(["audit", "list", "--limit", "1", "--json"])).stdout);
    assert.equal(one.length, 1);
    assert.equal(one[0].action, "token.revoke");
    assert.equal(
      json((await w.run(["audit", "list", "--actor", ACTOR, "--json"])).stdout).length,
      6,
    );
    assert.equal(
      json((await w.run(["audit", "list", "--actor", "someone", "--json"])).stdout).length,
      0,
    );
    assert.match(
      (await w.run(["audit", "list", "--since", "2999-01-01"])).stdout,
      /No audit rows match/,
    );
    assert.equal((await w.run(["audit", "list", "--limit", "0"])).code, 2);
    assert.equal((await w.run(["audit", "list", "--since", "2026-13-01"])).code, 2);
  });
});
