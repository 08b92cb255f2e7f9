import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TokenService } from "../../src/auth/tokens.ts";
import { systemClock } from "../../src/core/clock.ts";
import { openStore } from "../../src/store/store.ts";
import { cliWorkspace } from "../helpers/cli-workspace.ts";

const TOKEN = /^unyo_[A-Za-z0-9_-]{43}$/;

/** A folder with a minimal unyo.yaml; run() runs the CLI in-process on its SQLite store. */
function workspace(config = "timezone: UTC\n") {
  const { run, dbFile } = cliWorkspace("tokens", config);
  async function authenticate(token: string) {
    const store = await openStore({ kind: "sqlite", path: dbFile });
    try {
      return await new TokenService(store.db, systemClock).authenticate(token);
    } finally {
      await store.close();
    }
  }
  return { run, authenticate };
}

// biome-ignore lint/suspicious/noExplicitAny: JSON output is checked field by field.
function json(text: string): any {
  return JSON.parse(text);
}

describe("unyo tokens", () => {
  test("create prints the token once; list, review and the audit log never show it", async () => {
    const w = workspace();
    const created = await w.run([
      "tokens",
      "create",
      "--name",
      "ci",
      "--role",
      "operator",
      "--expires",
      "90d",
    ]);
    assert.equal(created.code, 0, created.stderr);
    const token = created.stdout.trimEnd();
    assert.match(token, TOKEN);
    assert.equal(created.stdout, `${token}\n`, "standard output is the token line alone");
    assert.match(created.stderr, /will not be shown again/);
    assert.ok(!created.stderr.includes(token));

    const record = await w.authenticate(token);
    assert.equal(record?.name, "ci");
    assert.equal(record?.role, "operator");

    const list = await w.run(["tokens", "list"]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(
      list.stdout,
      /^ID\s+NAME\s+OWNER\s+ROLE\s+PREFIX\s+CREATED\s+EXPIRES\s+LAST USED\s+REVOKED\n/,
    );
    assert.match(list.stdout, /\n1\s+ci\s+-\s+operator\s+unyo_\S{8}\s+\S+\s+\S+\s+\S+\s+-\n/);
    const listJson = await w.run(["tokens", "list", "--json"]);
    const [row] = json(listJson.stdout);
    assert.equal(row.name, "ci");
    assert.ok(token.startsWith(row.prefix));
    assert.notEqual(row.expiresAt, null);
    assert.equal(row.lastUsedAt === null, false, "authenticate() recorded a use");

    const others = [
      list,
      listJson,
      await w.run(["users", "review"]),
      await w.run(["users", "review", "--json"]),
      await w.run(["audit", "list", "--json"]),
      await w.run(["audit", "export"]),
    ];
    for (const r of others) {
      assert.ok(!r.stdout.includes(token) && !r.stderr.includes(token), "the token leaked");
    }
  });

  test("--json prints one object including the token; --user ties it to a user", async () => {
    const w = workspace();
    await w.run(
      ["users", "add", "alice", "--role", "operator", "--password-stdin"],
      "Correct-Horse-42!\n",
    );
    const r = await w.run([
      "tokens",
      "create",
      "--name",
      "grafana",
      "--role",
      "viewer",
      "--user",
      "alice",
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const body = json(r.stdout);
    assert.match(body.token, TOKEN);
    assert.equal(body.owner, "alice");
    assert.equal(body.role, "viewer");
    assert.equal(body.expiresAt, null);
    assert.match((await w.run(["tokens", "list"])).stdout, /\n1\s+grafana\s+alice\s+viewer\s/);

    const tooHigh = await w.run([
      "tokens",
      "create",
      "--name",
      "x",
      "--role",
      "admin",
      "--user",
      "alice",
    ]);
    assert.equal(tooHigh.code, 2);
    assert.match(tooHigh.stderr, /higher role than its user/);
    const [failure] = json((await w.run(["audit", "list", "--limit", "1", "--json"])).stdout);
    assert.equal(failure.action, "token.create");
    assert.equal(failure.outcome, "failure");
    assert.equal(failure.target, "token:x");

    const noUser = await w.run([
      "tokens",
      "create",
      "--name",
      "y",
      "--role",
      "viewer",
      "--user",
      "zed",
    ]);
    assert.equal(noUser.code, 1);
  });

  test("revoke by name and by id; a revoked name can be reused", async () => {
    const w = workspace();
    const first = (
      await w.run(["tokens", "create", "--name", "deploy", "--role", "operator"])
    ).stdout.trim();
    await w.run(["tokens", "create", "--name", "backup", "--role", "viewer"]);

    const byName = await w.run(["tokens", "revoke", "deploy"]);
    assert.equal(byName.code, 0, byName.stderr);
    assert.match(byName.stdout, /Revoked API token 1 "deploy"/);
    assert.equal(await w.authenticate(first), null);

    const second = (
      await w.run(["tokens", "create", "--name", "deploy", "--role", "operator"])
    ).stdout.trim();
    assert.notEqual(await w.authenticate(second), null);

    const byId = await w.run(["tokens", "revoke", "2"]);
    assert.equal(byId.code, 0, byId.stderr);
    assert.match(byId.stdout, /Revoked API token 2 "backup"/);
    assert.match((await w.run(["tokens", "revoke", "2"])).stdout, /already revoked/);

    const listed = json((await w.run(["tokens", "list", "--json"])).stdout);
    assert.deepEqual(
      listed.map((t: { id: number; revokedAt: string | null }) => [t.id, t.revokedAt !== null]),
      [
        [1, true],
        [2, true],
        [3, false],
      ],
    );
    const missing = await w.run(["tokens", "revoke", "nope"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No API token/);

    const audit = json(
      (await w.run(["audit", "list", "--action", "token.revoke", "--json"])).stdout,
    );
    assert.deepEqual(
      audit.map((r: { target: string }) => r.target),
      ["token:backup", "token:deploy"],
    );
  });

  test("--expires: a bad duration is a usage error; an expired token is shown as expired", async () => {
    const w = workspace();
    for (const bad of ["90x", "0s", "soon"]) {
      const r = await w.run([
        "tokens",
        "create",
        "--name",
        "t",
        "--role",
        "viewer",
        "--expires",
        bad,
      ]);
      assert.equal(r.code, 2, bad);
      assert.match(r.stderr, /--expires/);
      assert.equal(r.stdout, "");
    }
    const missing = await w.run(["tokens", "create", "--role", "viewer"]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--name is required/);

    const r = await w.run([
      "tokens",
      "create",
      "--name",
      "brief",
      "--role",
      "viewer",
      "--expires",
      "1ms",
    ]);
    assert.equal(r.code, 0, r.stderr);
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(await w.authenticate(r.stdout.trim()), null);
    assert.match((await w.run(["tokens", "list"])).stdout, /\(expired\)/);
    assert.equal(json((await w.run(["tokens", "list", "--json"])).stdout)[0].expired, true);
    assert.match((await w.run(["users", "review"])).stdout, /\nbrief\s+\(service\).*\(expired\)/);
  });

  test("security.token_max_lifetime caps --expires and is the default", async () => {
    const w = workspace("timezone: UTC\nsecurity:\n  token_max_lifetime: 30d\n");
    const long = await w.run([
      "tokens",
      "create",
      "--name",
      "a",
      "--role",
      "viewer",
      "--expires",
      "31d",
    ]);
    assert.equal(long.code, 2);
    assert.match(long.stderr, /token_max_lifetime \(30d\)/);
    const r = await w.run(["tokens", "create", "--name", "b", "--role", "viewer", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const body = json(r.stdout);
    const days = (Date.parse(body.expiresAt) - Date.parse(body.createdAt)) / 86_400_000;
    assert.equal(days, 30);
  });
});
