import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { ManualClock } from "../../src/core/clock.ts";
import {
  addUser,
  asSession,
  asToken,
  clearsSession,
  errorCode,
  logIn,
  logInOk,
  sessionOf,
} from "../helpers/sessions.ts";
import { startTestUnyo, type TestUnyo } from "../helpers/unyo.ts";

const MIKA_PW = "Victim-Secret-Pass-1!";
const KENJI_PW = "Bystander-Pass-2?";
const ATTACKER = "203.0.113.66";

/** What a log-in failure tells the caller, without the per-request id. */
const failureShape = (res: Awaited<ReturnType<typeof logIn>>) => {
  const { code, message, hint } = res.json().error;
  return { status: res.statusCode, code, message, hint };
};

describe("password guessing", () => {
  let t: TestUnyo;
  let clock: ManualClock;
  before(async () => {
    clock = new ManualClock(Date.now());
    t = await startTestUnyo("checks: []\n", { clock });
    await addUser(t, "mika", MIKA_PW, "viewer");
    await addUser(t, "kenji", KENJI_PW, "viewer");
  });
  after(() => t.close());

  test("after repeated failures the account locks and answers like a wrong password", async () => {
    const answers = [];
    for (let i = 0; i < 12; i++) {
      // Wait out each growing delay, so every guess until the lock is really tried.
      clock.advance(60_000);
      answers.push(await logIn(t, "mika", `Guess-${i}-Pass-x!`, { remoteAddress: ATTACKER }));
    }
    const wrong = failureShape(answers[0] as (typeof answers)[number]);
    assert.equal(wrong.status, 401);
    assert.equal(wrong.code, "UNYO_E_LOGIN_FAILED");
    for (const [i, res] of answers.entries()) {
      assert.deepEqual(failureShape(res), wrong, `attempt ${i + 1}`);
      assert.equal(res.headers["retry-after"] !== undefined, i >= 10, `Retry-After on ${i + 1}`);
    }
    // Locked at the 10th failure for 15 minutes; the 11th and 12th come 1 and 2 minutes later.
    assert.equal(answers[10]?.headers["retry-after"], "840");
    assert.equal(answers[11]?.headers["retry-after"], "780");

    const right = await logIn(t, "mika", MIKA_PW, { remoteAddress: ATTACKER });
    assert.deepEqual(failureShape(right), wrong, "the right password changes nothing while locked");
    assert.ok(right.headers["retry-after"]);
    const elsewhere = await logIn(t, "mika", MIKA_PW, { remoteAddress: "198.51.100.1" });
    assert.deepEqual(failureShape(elsewhere), wrong, "the account is locked from every address");
    const spray = await logIn(t, "kenji", KENJI_PW, { remoteAddress: ATTACKER });
    assert.deepEqual(failureShape(spray), wrong, "the address is locked for every account");

    const bystander = await logIn(t, "kenji", KENJI_PW, { remoteAddress: "198.51.100.2" });
    assert.equal(bystander.statusCode, 200, "another user from another address is not affected");

    const reasons = (await t.inject({ method: "GET", url: "/api/v1/audit?actor=mika&limit=50" }))
      .json()
      .entries.map((e: { details: { reason: string } }) => e.details.reason);
    assert.equal(reasons.filter((r: string) => r === "bad_credentials").length, 10);
    assert.ok(reasons.includes("throttled_locked"));

    clock.advance(15 * 60_000);
    const later = await logIn(t, "mika", MIKA_PW, { remoteAddress: "198.51.100.1" });
    assert.equal(later.statusCode, 200, "the lock ends");
  });

  test("unknown user, wrong password and disabled account answer alike", async () => {
    await addUser(t, "dora", "Disabled-Pass-3#", "viewer");
    await t.inject({ method: "PATCH", url: "/api/v1/users/dora", payload: { disabled: true } });
    const shapes = [
      await logIn(t, "ghost", "Whatever-Pass-4$", { remoteAddress: "192.0.2.1" }),
      await logIn(t, "kenji", "Whatever-Pass-4$", { remoteAddress: "192.0.2.2" }),
      await logIn(t, "dora", "Disabled-Pass-3#", { remoteAddress: "192.0.2.3" }),
      await logIn(t, "KENJI ", "Whatever-Pass-4$", { remoteAddress: "192.0.2.4" }),
    ].map(failureShape);
    for (const shape of shapes) assert.deepEqual(shape, shapes[0]);
  });

  test("the password-change form is throttled like the log-in form", async () => {
    clock.advance(60 * 60_000);
    const s = await logInOk(t, "kenji", KENJI_PW, { remoteAddress: "198.51.100.3" });
    const change = (current: string) =>
      asSession(t, s, {
        method: "POST",
        url: "/api/v1/auth/password",
        payload: { current_password: current, new_password: "Taken-Over-Pass-5%" },
        remoteAddress: "198.51.100.3",
      });
    for (let i = 0; i < 12; i++) await change(`Guess-${i}-Pass-y!`);
    const res = await change(KENJI_PW);
    assert.equal(res.statusCode, 401, "a stolen session must not guess the password unthrottled");
    assert.ok(res.headers["retry-after"]);
  });
});

const CONFIG = `
server: { body_limit: 2KB }
checks:
  - id: web
    http: { url: /api/health }
    every: 1h
`;

describe("forged, stolen and malformed credentials", () => {
  let t: TestUnyo;
  let clock: ManualClock;
  let viewerToken: string;
  before(async () => {
    clock = new ManualClock(Date.now());
    t = await startTestUnyo(CONFIG, { clock });
    await addUser(t, "vera", KENJI_PW, "viewer");
    const s = await logInOk(t, "vera", KENJI_PW);
    const res = await asSession(t, s, {
      method: "POST",
      url: "/api/v1/tokens",
      payload: { name: "v" },
    });
    viewerToken = res.json().token;
  });
  after(() => t.close());

  const me = (cookie: string) =>
    t.unyo.app.inject({ method: "GET", url: "/api/v1/auth/me", cookies: { unyo_session: cookie } });

  test("a forged session cookie is refused and cleared", async () => {
    for (const forged of [randomBytes(32).toString("base64url"), "x", "' OR 1=1 --"]) {
      const res = await me(forged);
      assert.equal(res.statusCode, 401, forged);
      assert.equal(errorCode(res), "UNYO_E_UNAUTHENTICATED");
      assert.ok(clearsSession(res), forged);
    }
  });

  test("a logged-out or expired session is refused and cleared", async () => {
    const revoked = await logInOk(t, "vera", KENJI_PW);
    await asSession(t, revoked, { method: "POST", url: "/api/v1/auth/logout" });
    const afterLogout = await me(revoked.session);
    assert.equal(afterLogout.statusCode, 401);
    assert.ok(clearsSession(afterLogout));

    const idle = await logInOk(t, "vera", KENJI_PW);
    clock.advance(59 * 60_000);
    assert.equal((await me(idle.session)).statusCode, 200, "use slides the idle expiry");
    clock.advance(60 * 60_000);
    const idled = await me(idle.session);
    assert.equal(idled.statusCode, 401, "an hour without use ends the session");
    assert.ok(clearsSession(idled));

    const busy = await logInOk(t, "vera", KENJI_PW);
    for (let h = 0; h < 12; h++) {
      clock.advance(30 * 60_000);
      assert.equal((await me(busy.session)).statusCode, 200);
      clock.advance(30 * 60_000);
      const res = await me(busy.session);
      if (h < 11) assert.equal(res.statusCode, 200, `hour ${h + 1}`);
      else assert.equal(res.statusCode, 401, "12 hours after log-in the session ends anyway");
    }
  });

  test("a new log-in never keeps a session id the client brought", async () => {
    const planted = randomBytes(32).toString("base64url");
    const res = await t.unyo.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      cookies: { unyo_session: planted },
      payload: { username: "vera", password: KENJI_PW },
    });
    assert.equal(res.statusCode, 200);
    assert.notEqual(sessionOf(res).session, planted);
  });

  test("malformed Authorization headers are 401, even beside a valid cookie", async () => {
    const s = await logInOk(t, "vera", KENJI_PW);
    for (const authorization of [
      "Bearer",
      "Bearer ",
      "Basic x",
      "Basic dmVyYTpwYXNz",
      "Bearer unyo_short",
      `Bearer unyo_${"A".repeat(43)}`,
      "Bearer unyo_' OR '1'='1",
      "Bearer ' OR 1=1 --",
      `Bearer ${viewerToken} extra`,
      `Bearer ${viewerToken}x`,
      `Token ${viewerToken}`,
    ]) {
      const res = await t.unyo.app.inject({
        method: "GET",
        url: "/api/v1/status",
        cookies: { unyo_session: s.session },
        headers: { authorization },
      });
      assert.equal(res.statusCode, 401, authorization);
      assert.equal(errorCode(res), "UNYO_E_UNAUTHENTICATED", authorization);
    }
  });

  test("a viewer token cannot use admin routes", async () => {
    for (const [method, url] of [
      ["GET", "/api/v1/users"],
      ["GET", "/api/v1/audit"],
      ["POST", "/api/v1/users"],
    ] as const) {
      const res = await asToken(t, viewerToken, {
        method,
        url,
        ...(method === "POST"
          ? { payload: { username: "evil", password: "x", role: "admin" } }
          : {}),
      });
      assert.equal(res.statusCode, 403, url);
      assert.equal(errorCode(res), "UNYO_E_FORBIDDEN");
    }
    const promote = await asToken(t, viewerToken, {
      method: "PATCH",
      url: "/api/v1/users/vera",
      payload: { role: "admin" },
    });
    assert.equal(promote.statusCode, 403, "no self-promotion");
  });

  test("a body over server.body_limit is 413, after authentication", async () => {
    const payload = {
      username: "big",
      password: "Big-Body-Pass-6&",
      role: "viewer",
      display_name: "x".repeat(3000),
    };
    const res = await t.inject({ method: "POST", url: "/api/v1/users", payload });
    assert.equal(res.statusCode, 413);
    assert.equal(errorCode(res), "UNYO_E_PAYLOAD_TOO_LARGE");
    const anonymous = await t.unyo.app.inject({ method: "POST", url: "/api/v1/users", payload });
    assert.equal(anonymous.statusCode, 401, "strangers are refused before the body is read");
    const login = await logIn(t, "vera", "y".repeat(3000));
    assert.equal(login.statusCode, 413);
  });

  test("unknown JSON fields are refused, not ignored", async () => {
    const cases: [string, string, object][] = [
      ["POST", "/api/v1/auth/login", { username: "vera", password: KENJI_PW, role: "admin" }],
      [
        "POST",
        "/api/v1/users",
        { username: "eve", password: "Eve-Long-Pass-7*", role: "viewer", admin: true },
      ],
      ["PATCH", "/api/v1/users/vera", { role: "viewer", mfa_enabled: false }],
      ["POST", "/api/v1/tokens", { name: "t2", service: true, user_id: 1 }],
      ["POST", "/api/v1/setup", { token: "x", username: "eve", password: "p", role: "admin" }],
      ["PUT", "/api/v1/users/vera/password", { password: "Another-Pass-8(", force: true }],
    ];
    for (const [method, url, payload] of cases) {
      const res = await t.inject({ method: method as "POST", url, payload });
      assert.equal(res.statusCode, 400, `${method} ${url}: ${res.body}`);
      assert.equal(errorCode(res), "UNYO_E_VALIDATION");
    }
  });
});

const NASTY = [
  "' OR 1=1 --",
  '"; DROP TABLE users; --',
  "admin'--",
  "%",
  "_",
  "\\",
  "%' OR '%'='",
  "1; SELECT pg_sleep(5)",
  "ユーザー🔑",
  "*",
];

describe("injection and traversal", () => {
  let t: TestUnyo;
  before(async () => {
    t = await startTestUnyo(CONFIG);
    await addUser(t, "vera", KENJI_PW, "viewer");
  });
  after(() => t.close());

  test("SQL metacharacters in filters, ids and usernames are 400 or nothing, never 500", async () => {
    const urls = NASTY.flatMap((v) => {
      const q = encodeURIComponent(v);
      return [
        `/api/v1/audit?actor=${q}`,
        `/api/v1/audit?action=${q}`,
        `/api/v1/audit?action=${q}.*`,
        `/api/v1/audit?since=${q}`,
        `/api/v1/audit?until=2026-01-01${q}`,
        `/api/v1/checks/${q}`,
        `/api/v1/checks/web${q}`,
      ];
    });
    for (const url of urls) {
      const res = await t.inject({ method: "GET", url });
      assert.ok([200, 400, 404].includes(res.statusCode), `${url}: ${res.statusCode} ${res.body}`);
      if (res.statusCode === 200) {
        assert.deepEqual(res.json().entries, [], `${url} matched rows`);
      }
    }
    for (const [i, username] of NASTY.entries()) {
      const res = await logIn(t, username, username, { remoteAddress: `10.9.0.${i + 1}` });
      assert.ok([400, 401].includes(res.statusCode), `${username}: ${res.body}`);
    }
    const users = await t.store.db.selectFrom("users").select("username").execute();
    assert.deepEqual(users, [{ username: "vera" }], "the users table is still there, untouched");
    assert.equal((await t.inject({ method: "GET", url: "/api/v1/users" })).statusCode, 200);
    assert.equal((await t.inject({ method: "GET", url: "/api/v1/audit/verify" })).json().ok, true);
  });

  test("a malformed token lifetime is a 400, not an internal error", async () => {
    const res = await t.inject({
      method: "POST",
      url: "/api/v1/tokens",
      payload: { name: "bad-expiry", service: true, expires_in: "soon" },
    });
    assert.equal(res.statusCode, 400, res.body);
  });

  test("path traversal never serves a file", async () => {
    for (const url of [
      "/setup/../../etc/passwd",
      "/setup/%2e%2e/%2e%2e/etc/passwd",
      "/..%2f..%2fetc/passwd",
      "/api/v1/checks/..%2f..%2fetc%2fpasswd",
      "/api/v1/checks/../../../etc/passwd",
      "/%2e%2e/%2e%2e/etc/passwd",
      "/setup?file=../../etc/passwd",
    ]) {
      for (const res of [
        await t.unyo.app.inject({ method: "GET", url }),
        await t.inject({ method: "GET", url }),
      ]) {
        assert.doesNotMatch(res.body, /root:/, url);
        if (res.statusCode === 200) assert.ok(url.startsWith("/setup?"), `${url} answered 200`);
      }
    }
  });
});
