import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { totpCode } from "../../src/auth/totp.ts";
import { runCli } from "../helpers/cli.ts";
import { startTestUnyo, type TestUnyo } from "../helpers/unyo.ts";

const PASSWORD = "Login-test-Pa55!";

describe("unyo login | whoami | logout against a running server", () => {
  let t: TestUnyo;
  let secret: string;
  let home: string;
  const env = () => ({ XDG_CONFIG_HOME: home, UNYO_URL: t.baseUrl });

  before(async () => {
    t = await startTestUnyo("checks: []\n", { listen: true });
    home = mkdtempSync(join(tmpdir(), "unyo-login-"));
    const auth = t.unyo.runtime.auth;
    const alice = await auth.users.add({ username: "alice", password: PASSWORD, role: "operator" });
    secret = (await auth.mfa.begin(alice.id)).secret;
    // Confirm with the previous step's code so the login below can use the current one.
    await auth.mfa.confirm(alice.id, totpCode(secret, Date.now() - 30_000));
  });
  after(() => t.close());

  test("a wrong password is refused with the generic message and exit 1", async () => {
    const r = await runCli(["login", "--user", "alice", "--password-stdin", "--code", "000000"], {
      input: "wrong-password\n",
      env: env(),
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /username, password or code is wrong/);
    assert.doesNotMatch(r.stderr + r.stdout, /wrong-password/);
  });

  test("MFA without --code on a non-terminal says how to pass it", async () => {
    const r = await runCli(["login", "--user", "alice", "--password-stdin"], {
      input: `${PASSWORD}\n`,
      env: env(),
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /needs a two-factor code[\s\S]*--code/);
  });

  test("logs in with password and TOTP code, saves a private token, whoami, logout", async () => {
    const code = totpCode(secret, Date.now());
    const login = await runCli(
      ["login", "--user", "alice", "--password-stdin", "--code", code, "--expires", "1d"],
      { input: `${PASSWORD}\n`, env: env() },
    );
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, /Logged in to .* as alice \(operator\)/);
    assert.doesNotMatch(login.stdout + login.stderr, /unyo_[A-Za-z0-9_-]{20}/);

    const file = join(home, "unyo", "credentials.json");
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const saved = JSON.parse(readFileSync(file, "utf8")).servers[t.baseUrl];
    assert.match(saved.token, /^unyo_/);

    const who = await runCli(["whoami", "--json"], { env: env() });
    assert.equal(who.code, 0, who.stderr);
    const me = JSON.parse(who.stdout);
    assert.equal(me.actor, "alice");
    assert.equal(me.role, "operator");

    const out = await runCli(["logout"], { env: env() });
    assert.equal(out.code, 0, out.stderr);
    // The token was revoked on the server, not only forgotten here.
    const res = await fetch(`${t.baseUrl}/api/v1/auth/me`, {
      headers: { authorization: `Bearer ${saved.token}` },
    });
    assert.equal(res.status, 401);
    const again = await runCli(["whoami"], { env: env() });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /Not logged in/);
  });

  test("an unreachable server is exit 3 with the URL named", async () => {
    const r = await runCli(["whoami", "--url", "http://127.0.0.1:1"], {
      env: { XDG_CONFIG_HOME: home },
    });
    assert.equal(r.code, 1, r.stderr); // nothing saved for that URL
    const login = await runCli(
      ["login", "--user", "alice", "--password-stdin", "--url", "http://127.0.0.1:1"],
      { input: "x\n", env: { XDG_CONFIG_HOME: home } },
    );
    assert.equal(login.code, 3, login.stderr);
    assert.match(login.stderr, /Cannot reach Unyo at http:\/\/127\.0\.0\.1:1/);
  });
});
