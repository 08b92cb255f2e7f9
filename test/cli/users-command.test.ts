import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { describe, test } from "node:test";
import { SessionService } from "../../src/auth/sessions.ts";
import { UserService } from "../../src/auth/users.ts";
import { systemClock } from "../../src/core/clock.ts";
import { openStore } from "../../src/store/store.ts";
import { runCli } from "../helpers/cli.ts";
import { cliWorkspace } from "../helpers/cli-workspace.ts";

const PASSWORD = "Correct-Horse-42!";
const NEW_PASSWORD = "Battery-Staple-77?";

/** A folder with a minimal unyo.yaml; run() runs the CLI in-process on its SQLite store. */
function workspace() {
  const ws = cliWorkspace("users", "timezone: Asia/Tokyo\n");
  /** Opens the store directly, as the server would, for checks the CLI cannot make. */
  async function withStore<T>(fn: (db: Awaited<ReturnType<typeof openStore>>["db"]) => Promise<T>) {
    const store = await openStore({ kind: "sqlite", path: ws.dbFile });
    try {
      return await fn(store.db);
    } finally {
      await store.close();
    }
  }
  return { ...ws, withStore };
}

// biome-ignore lint/suspicious/noExplicitAny: JSON output is checked field by field.
function json(text: string): any {
  return JSON.parse(text);
}

describe("unyo users", () => {
  test("add reads the password from stdin; list shows the user as a table and as JSON", async () => {
    const w = workspace();
    const added = await w.run(
      [
        "users",
        "add",
        "Alice",
        "--role",
        "admin",
        "--display-name",
        "Alice Sato",
        "--password-stdin",
      ],
      `${PASSWORD}\nignored second line\n`,
    );
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /Added user alice \(admin\)/);
    assert.ok(!added.stdout.includes(PASSWORD) && !added.stderr.includes(PASSWORD));

    const list = await w.run(["users", "list"]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^USERNAME\s+ROLE\s+STATUS\s+MFA\s+LAST LOGIN\s+DISPLAY NAME\n/);
    assert.match(list.stdout, /\nalice\s+admin\s+enabled\s+off\s+never\s+Alice Sato\n/);

    const listed = json((await w.run(["users", "list", "--json"])).stdout);
    assert.equal(listed.length, 1);
    assert.equal(listed[0].username, "alice");
    assert.equal(listed[0].role, "admin");
    assert.equal(listed[0].lastLoginAt, null);
    assert.ok(!JSON.stringify(listed).includes("hash"));

    const ok = await w.withStore((db) =>
      new UserService(db, systemClock).verifyCredentials("alice", PASSWORD),
    );
    assert.equal(ok?.username, "alice");
  });

  test("a weak password is refused with every policy problem, and nothing is created", async () => {
    const w = workspace();
    const r = await w.run(["users", "add", "bob", "--role", "viewer", "--password-stdin"], "bob\n");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /must be at least 12 characters/);
    assert.match(r.stderr, /must contain a digit/);
    assert.match(r.stderr, /must contain a symbol/);
    assert.deepEqual(json((await w.run(["users", "list", "--json"])).stdout), []);
    const audit = await w.run(["audit", "list", "--action", "user.create", "--json"]);
    const [row] = json(audit.stdout);
    assert.equal(row.outcome, "failure");
    assert.equal(row.target, "bob");
  });

  test("a duplicate user (usernames are case-insensitive) is refused, exit 2", async () => {
    const w = workspace();
    const args = ["users", "add", "carol", "--role", "operator", "--password-stdin"];
    assert.equal((await w.run(args, `${PASSWORD}\n`)).code, 0);
    const again = await w.run(["users", "add", "CAROL", ...args.slice(3)], `${NEW_PASSWORD}\n`);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /A user named "carol" already exists/);
    assert.equal(json((await w.run(["users", "list", "--json"])).stdout).length, 1);
  });

  test("without a terminal and without --password-stdin the password is not guessed", async () => {
    const w = workspace();
    const r = await w.run(["users", "add", "dave", "--role", "viewer"], `${PASSWORD}\n`);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not a terminal/);
    assert.match(r.stderr, /--password-stdin/);
    const usageErrors = [
      await w.run(["users", "add", "dave", "--password-stdin"], `${PASSWORD}\n`),
      await w.run(["users", "add", "dave", "--role", "root", "--password-stdin"], `${PASSWORD}\n`),
      await w.run(["users", "add", "--role", "viewer", "--password-stdin"], `${PASSWORD}\n`),
      await w.run(["users", "frobnicate"]),
    ];
    for (const u of usageErrors) assert.equal(u.code, 2, u.stderr);
    assert.match(usageErrors[0]?.stderr ?? "", /--role is required/);
    assert.deepEqual(json((await w.run(["users", "list", "--json"])).stdout), []);
  });

  test("role, disable, enable, passwd and mfa-reset change the user and end their sessions", async () => {
    const w = workspace();
    const add = ["users", "add", "erin", "--role", "admin", "--password-stdin"];
    assert.equal((await w.run(add, `${PASSWORD}\n`)).code, 0);
    const newSession = () =>
      w.withStore(async (db) => {
        const user = await new UserService(db, systemClock).get("erin");
        return (await new SessionService(db, systemClock).create(user?.id ?? 0)).secret;
      });
    const sessionAlive = (secret: string) =>
      w.withStore(
        async (db) => (await new SessionService(db, systemClock).authenticate(secret)) !== null,
      );

    let secret = await newSession();
    const role = await w.run(["users", "role", "erin", "operator"]);
    assert.equal(role.code, 0, role.stderr);
    assert.match(role.stdout, /erin is now operator \(was admin\); ended 1 session/);
    assert.equal(await sessionAlive(secret), false);
    assert.match((await w.run(["users", "role", "erin", "operator"])).stdout, /already operator/);
    assert.equal((await w.run(["users", "role", "erin", "boss"])).code, 2);

    secret = await newSession();
    assert.equal((await w.run(["users", "disable", "erin"])).code, 0);
    assert.equal(await sessionAlive(secret), false);
    assert.match((await w.run(["users", "list"])).stdout, /\nerin\s+operator\s+disabled\s/);
    assert.equal((await w.run(["users", "enable", "erin"])).code, 0);
    assert.equal(json((await w.run(["users", "list", "--json"])).stdout)[0].disabled, false);

    secret = await newSession();
    const weak = await w.run(["users", "passwd", "erin", "--password-stdin"], "erin-password\n");
    assert.equal(weak.code, 2);
    assert.equal(await sessionAlive(secret), true, "a refused password ends no session");
    const passwd = await w.run(
      ["users", "passwd", "erin", "--password-stdin"],
      `${NEW_PASSWORD}\n`,
    );
    assert.equal(passwd.code, 0, passwd.stderr);
    assert.equal(await sessionAlive(secret), false);
    const verified = await w.withStore((db) =>
      new UserService(db, systemClock).verifyCredentials("erin", NEW_PASSWORD),
    );
    assert.equal(verified?.username, "erin");

    const sql = new DatabaseSync(w.dbFile);
    sql.exec(
      "update users set mfa_enabled = 1, totp_secret = 'JBSWY3DPEHPK3PXP' where username = 'erin'",
    );
    sql.close();
    assert.match((await w.run(["users", "review"])).stdout, /\nerin\s+operator\s+enabled\s+on\s/);
    secret = await newSession();
    const reset = await w.run(["users", "mfa-reset", "erin"]);
    assert.equal(reset.code, 0, reset.stderr);
    assert.equal(await sessionAlive(secret), false);
    assert.equal(json((await w.run(["users", "list", "--json"])).stdout)[0].mfaEnabled, false);

    const audit = json((await w.run(["audit", "list", "--json", "--limit", "100"])).stdout);
    const actions = audit.map(
      (r: { action: string; outcome: string }) => `${r.action}:${r.outcome}`,
    );
    assert.deepEqual(actions.reverse(), [
      "user.create:success",
      "user.role_change:success",
      "user.disable:success",
      "user.enable:success",
      "user.password_change:failure",
      "user.password_change:success",
      "user.mfa_reset:success",
    ]);
    assert.ok(audit.every((r: { actor: string }) => r.actor.startsWith("cli:")));
    const text = JSON.stringify(audit);
    assert.ok(
      !text.includes(PASSWORD) && !text.includes(NEW_PASSWORD) && !text.includes("erin-password"),
    );

    const missing = await w.run(["users", "disable", "nobody"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No user named "nobody"/);
  });

  test("review shows each user's role, MFA state, last log-in and tokens", async () => {
    const w = workspace();
    await w.run(
      ["users", "add", "frank", "--role", "operator", "--password-stdin"],
      `${PASSWORD}\n`,
    );
    assert.equal(
      (
        await w.run([
          "tokens",
          "create",
          "--name",
          "frank-ci",
          "--role",
          "viewer",
          "--user",
          "frank",
        ])
      ).code,
      0,
    );
    assert.equal(
      (await w.run(["tokens", "create", "--name", "backup", "--role", "viewer"])).code,
      0,
    );
    const review = await w.run(["users", "review"]);
    assert.equal(review.code, 0, review.stderr);
    assert.match(review.stdout, /\nfrank\s+operator\s+enabled\s+off\s+never\s+1\n/);
    assert.match(review.stdout, /\nfrank-ci\s+frank\s+viewer\s+\d{4}-\S+\+09:00\s+never\s+never\n/);
    assert.match(review.stdout, /\nbackup\s+\(service\)\s+viewer\s/);

    const body = json((await w.run(["users", "review", "--json"])).stdout);
    assert.equal(body.users[0].username, "frank");
    assert.equal(body.users[0].mfaEnabled, false);
    assert.equal(body.users[0].tokens[0].name, "frank-ci");
    assert.equal(body.users[0].tokens[0].expiresAt, null);
    assert.equal(body.serviceTokens[0].name, "backup");
  });

  test("help, and the real process reading a piped password", async () => {
    const w = workspace();
    const help = await w.run(["users", "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: unyo users/);
    assert.match(help.stdout, /Exit codes/);
    assert.match(help.stdout, /Examples/);

    const r = await runCli(
      ["users", "add", "gina", "--role", "viewer", "--password-stdin", "--data-dir", w.dataDir],
      {
        cwd: w.dir,
        input: `${PASSWORD}\n`,
        env: { UNYO_DATABASE_URL: undefined, UNYO_CONFIG: undefined },
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Added user gina \(viewer\)/);
    assert.equal(json((await w.run(["users", "list", "--json"])).stdout)[0].username, "gina");
  });
});
