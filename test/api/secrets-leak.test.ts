import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import type { InjectOptions, LightMyRequestResponse } from "fastify";
import { totpCode } from "../../src/auth/totp.ts";
import { ManualClock } from "../../src/core/clock.ts";
import { type Session, sessionOf } from "../helpers/sessions.ts";
import { startTestUnyo, type TestUnyo } from "../helpers/unyo.ts";

const ADMIN_PW = "Leak-Boss-Pass-31!";
const WRONG = ["Wrong-Guess-Alpha-1!", "Wrong-Guess-Beta-2!"];
const WEAK = ["zx81-zx8", "onlylettersandmorelettersq", "vera-Secret-99!"];
const VERA_PW = "Viewer-Leak-Pass-4?";
const VERA_NEW_PW = "Viewer-Next-Pass-5#";
const CHECK_SECRET = "chk-bearer-6f1e2d9c4b7a";
const CHECK_QUERY_SECRET = "chk-query-0a9b8c7d6e5f";
const CHECK_URL_PW = "chk-userinfo-1b2c3d4e";

interface Recorded {
  what: string;
  text: string;
  /** Secrets this one answer is meant to hand out (a new token, a new session, …). */
  allowed: string[];
}

describe("secrets stay out of answers and logs", () => {
  let t: TestUnyo;
  let target: Server;
  let clock: ManualClock;
  const seenAuthorization: string[] = [];
  const recorded: Recorded[] = [];
  const secrets = new Map<string, string>();
  const secret = (name: string, value: string) => {
    assert.ok(value && value.length >= 8, `${name} is not a usable secret: ${value}`);
    secrets.set(name, value);
    return value;
  };

  /** Sends a request and keeps its answer (body and every header) for the final scan. */
  const call = async (
    what: string,
    options: InjectOptions,
    auth: { session?: Session; token?: string } = {},
    allowed: (res: LightMyRequestResponse) => string[] = () => [],
  ) => {
    const headers: Record<string, string> = {};
    if (auth.token) headers.authorization = `Bearer ${auth.token}`;
    if (auth.session && options.method !== "GET") headers["x-csrf-token"] = auth.session.csrf;
    const res = await t.unyo.app.inject({
      ...options,
      headers: { ...headers, ...options.headers },
      ...(auth.session
        ? { cookies: { unyo_session: auth.session.session, unyo_csrf: auth.session.csrf } }
        : {}),
    });
    recorded.push({
      what: `${what} → ${res.statusCode}`,
      text: `${res.body}\n${JSON.stringify(res.headers)}`,
      allowed: allowed(res),
    });
    return res;
  };
  const sessionSecrets = (res: LightMyRequestResponse) => {
    const s = sessionOf(res);
    secret(`session ${s.session.slice(0, 6)}`, s.session);
    secret(`csrf ${s.csrf.slice(0, 6)}`, s.csrf);
    return [s.session, s.csrf];
  };
  const login = (payload: object, what = "log-in") =>
    call(what, { method: "POST", url: "/api/v1/auth/login", payload }, {}, (res) =>
      res.statusCode === 200 ? sessionSecrets(res) : [],
    );

  before(async () => {
    target = createServer((req, res) => {
      seenAuthorization.push(String(req.headers.authorization));
      res.writeHead(503, { "content-type": "application/json" });
      res.end('{"status":"down"}');
    });
    target.listen(0, "127.0.0.1");
    await once(target, "listening");
    const port = (target.address() as AddressInfo).port;
    clock = new ManualClock(Date.now());
    t = await startTestUnyo(
      `checks:
  - id: leaky
    http:
      url: http://probe:\${CHECK_URL_PW}@127.0.0.1:${port}/health?token=\${CHECK_QUERY_SECRET}
      headers: { Authorization: "Bearer \${CHECK_SECRET}" }
    every: 1m
    expect: [status == 200]
`,
      {
        clock,
        env: { UNYO_ADMIN_PASSWORD: ADMIN_PW, CHECK_SECRET, CHECK_QUERY_SECRET, CHECK_URL_PW },
      },
    );
    secret("admin password", ADMIN_PW);
    secret("admin token of the test", t.adminToken);
    for (const [i, w] of [...WRONG, ...WEAK].entries()) secret(`tried password ${i}`, w);
    secret("vera password", VERA_PW);
    secret("vera new password", VERA_NEW_PW);
    secret("check bearer", CHECK_SECRET);
    secret("check query", CHECK_QUERY_SECRET);
    secret("check url password", CHECK_URL_PW);
  });
  after(async () => {
    await t.close();
    target.close();
  });

  test("the check sends its credentials and fails", { timeout: 10_000 }, async () => {
    const down = new Promise<void>((resolve) => {
      const off = t.unyo.runtime.bus.on("check.transition", (e) => {
        if (e.checkId === "leaky" && e.to === "down") {
          off();
          resolve();
        }
      });
    });
    clock.advance(60_000);
    await down;
    assert.ok(seenAuthorization.includes(`Bearer ${CHECK_SECRET}`), seenAuthorization.join());
    const listed = await call(
      "checks",
      { method: "GET", url: "/api/v1/checks" },
      { token: t.adminToken },
    );
    assert.equal(listed.json()[0].state, "down");
    await call("check", { method: "GET", url: "/api/v1/checks/leaky" }, { token: t.adminToken });
  });

  test("a user's journey: failed log-ins, MFA enrolment, users, tokens, password change", async () => {
    for (const password of WRONG) await login({ username: "admin", password });
    const first = await login({ username: "admin", password: ADMIN_PW });
    assert.equal(first.statusCode, 200, first.body);
    const admin = sessionOf(first);

    const begin = await call(
      "mfa begin",
      { method: "POST", url: "/api/v1/auth/mfa/totp" },
      { session: admin },
      (res) => [secret("totp secret", res.json().secret)],
    );
    const totp: string = begin.json().secret;
    const confirm = await call(
      "mfa confirm",
      {
        method: "POST",
        url: "/api/v1/auth/mfa/totp/confirm",
        payload: { code: totpCode(totp, clock.now()) },
      },
      { session: admin },
      (res) => res.json().recovery_codes.map((c: string, i: number) => secret(`recovery ${i}`, c)),
    );
    const recovery: string[] = confirm.json().recovery_codes;
    assert.equal(recovery.length, 10);

    for (const password of WEAK) {
      const res = await call(
        "weak user",
        {
          method: "POST",
          url: "/api/v1/users",
          payload: { username: "vera", password, role: "viewer" },
        },
        { session: admin },
      );
      assert.equal(res.statusCode, 400, res.body);
    }
    const vera = { username: "vera", password: VERA_PW, role: "viewer" };
    await call("user", { method: "POST", url: "/api/v1/users", payload: vera }, { session: admin });

    const created = await call(
      "token create",
      { method: "POST", url: "/api/v1/tokens", payload: { name: "leak-test" } },
      { session: admin },
      (res) => [secret("api token", res.json().token)],
    );
    const token: string = created.json().token;
    for (const url of [
      "/api/v1/auth/me",
      "/api/v1/tokens",
      "/api/v1/users",
      "/api/v1/users/review",
      "/api/v1/audit?limit=1000",
      "/api/v1/status",
      "/api/v1/openapi.json",
    ]) {
      await call(url, { method: "GET", url }, { token });
    }
    const id = created.json().record.id;
    await call("revoke", { method: "DELETE", url: `/api/v1/tokens/${id}` }, { session: admin });
    const revoked = await call("revoked use", { method: "GET", url: "/api/v1/auth/me" }, { token });
    assert.equal(revoked.statusCode, 401);

    clock.advance(30_000);
    await login({ username: "admin", password: ADMIN_PW, code: "000000" }, "bad code");
    const second = await login({ username: "admin", password: ADMIN_PW, code: recovery[0] });
    assert.equal(second.statusCode, 200, second.body);
    await login({ username: "admin", password: ADMIN_PW, code: recovery[0] }, "reused code");

    const v = sessionOf(await login({ username: "vera", password: VERA_PW }));
    const change = (current: string) =>
      call(
        "password change",
        {
          method: "POST",
          url: "/api/v1/auth/password",
          payload: { current_password: current, new_password: VERA_NEW_PW },
        },
        { session: v },
        (res) => (res.statusCode === 200 ? [...sessionSecrets(res), res.json().csrf_token] : []),
      );
    assert.equal((await change(WRONG[0] as string)).statusCode, 401);
    assert.equal((await change(VERA_PW)).statusCode, 200);
    const cli = await call(
      "cli token",
      {
        method: "POST",
        url: "/api/v1/auth/token",
        payload: { username: "vera", password: VERA_NEW_PW, name: "cli" },
      },
      {},
      (res) => [secret("cli token", res.json().token)],
    );
    assert.equal(cli.statusCode, 201, cli.body);
    await call(
      "audit",
      { method: "GET", url: "/api/v1/audit?limit=1000" },
      { token: t.adminToken },
    );
    await call("review", { method: "GET", url: "/api/v1/users/review" }, { token: t.adminToken });
    await call("logout", { method: "POST", url: "/api/v1/auth/logout" }, { session: admin });
  });

  test("no answer and no log line holds a secret it should not", async () => {
    const hashes = await t.store.db.selectFrom("users").select("password_hash").execute();
    assert.equal(hashes.length, 2);
    for (const [i, { password_hash }] of hashes.entries()) {
      assert.ok(password_hash.startsWith("scrypt$"), "the hash encoding this test looks for");
      secret(`password hash ${i}`, password_hash);
      const key = password_hash.split("$").pop() as string;
      secret(`password hash key ${i}`, key);
    }
    assert.ok(recorded.length > 30, `only ${recorded.length} answers recorded`);
    const leaks: string[] = [];
    for (const r of recorded) {
      if (r.text.includes("scrypt$")) leaks.push(`${r.what}: a password hash`);
      for (const [name, value] of secrets) {
        if (!r.allowed.includes(value) && r.text.includes(value)) leaks.push(`${r.what}: ${name}`);
      }
    }
    const logs = t.rawLogs();
    assert.ok(logs.includes("check leaky is down"), "the check's failure is logged");
    if (logs.includes("scrypt$")) leaks.push("logs: a password hash");
    for (const [name, value] of secrets) {
      if (logs.includes(value)) leaks.push(`logs: ${name}`);
    }
    assert.deepEqual(leaks, []);
  });
});
