import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ManualClock } from "../../src/core/clock.ts";
import {
  addUser,
  asSession,
  cookieNamed,
  errorCode,
  logIn,
  sessionOf,
} from "../helpers/sessions.ts";
import { startTestUnyo } from "../helpers/unyo.ts";

const ADMIN_PW = "Flow-Boss-Pass-42!";
const VERA_PW = "Seeing-Only-Pass-7?";

describe("first-admin setup link", () => {
  const body = (token: string, password = "Setup-Admin-Pass-5!") => ({
    token,
    username: "root-admin",
    password,
  });

  test("the link works once, with the right token, and logs the admin in", async () => {
    const clock = new ManualClock(Date.now());
    const t = await startTestUnyo("checks: []\nsecurity: { setup_link_ttl: 10m }\n", { clock });
    try {
      assert.equal(t.firstAdmin.kind, "setup_link");
      if (t.firstAdmin.kind !== "setup_link") return;
      const { token, expiresAt } = t.firstAdmin;
      assert.equal(expiresAt, clock.now() + 10 * 60_000);
      const setup = (payload: object) =>
        t.unyo.app.inject({ method: "POST", url: "/api/v1/setup", payload });

      const wrong = await setup(body(`${token.slice(0, -2)}xx`));
      assert.equal(wrong.statusCode, 403);
      assert.equal(errorCode(wrong), "UNYO_E_FORBIDDEN");
      const weak = await setup(body(token, "password"));
      assert.equal(weak.statusCode, 400, "a weak password is refused without spending the token");
      const ok = await setup(body(token));
      assert.equal(ok.statusCode, 201, ok.body);
      assert.equal(ok.json().user.role, "admin");
      assert.equal(cookieNamed(ok, "unyo_session")?.httpOnly, true);
      const me = await asSession(t, sessionOf(ok), { method: "GET", url: "/api/v1/auth/me" });
      assert.equal(me.json().user.username, "root-admin");
      assert.equal(me.json().restriction, "mfa_enrolment");

      const second = await setup({ ...body(token), username: "second-admin" });
      assert.equal(second.statusCode, 403, "the token is spent");
      const users = (await t.inject({ method: "GET", url: "/api/v1/users" })).json().users;
      assert.deepEqual(
        users.map((u: { username: string }) => u.username),
        ["root-admin"],
      );
      const audit = (await t.inject({ method: "GET", url: "/api/v1/audit" })).json().entries;
      assert.equal(audit.filter((e: { action: string }) => e.action === "auth.setup").length, 2);
      assert.ok(audit.some((e: { details: { via?: string } }) => e.details?.via === "setup_link"));
    } finally {
      await t.close();
    }
  });

  test("two simultaneous uses of the link make only one admin", async () => {
    const t = await startTestUnyo("checks: []\n");
    try {
      assert.equal(t.firstAdmin.kind, "setup_link");
      if (t.firstAdmin.kind !== "setup_link") return;
      const { token } = t.firstAdmin;
      const answers = await Promise.all(
        ["first-admin", "second-admin"].map((username) =>
          t.unyo.app.inject({
            method: "POST",
            url: "/api/v1/setup",
            payload: { ...body(token), username },
          }),
        ),
      );
      const created = answers.filter((r) => r.statusCode === 201).length;
      assert.equal(created, 1, "a one-time link must create one admin");
    } finally {
      await t.close();
    }
  });

  test("an expired link is refused", async () => {
    const clock = new ManualClock(Date.now());
    const t = await startTestUnyo("checks: []\nsecurity: { setup_link_ttl: 10m }\n", { clock });
    try {
      assert.equal(t.firstAdmin.kind, "setup_link");
      if (t.firstAdmin.kind !== "setup_link") return;
      clock.advance(10 * 60_000);
      const res = await t.unyo.app.inject({
        method: "POST",
        url: "/api/v1/setup",
        payload: body(t.firstAdmin.token),
      });
      assert.equal(res.statusCode, 403);
      assert.equal(errorCode(res), "UNYO_E_FORBIDDEN");
    } finally {
      await t.close();
    }
  });
});

describe("password maximum age", () => {
  test("an expired password restricts the session until it is changed", async () => {
    const clock = new ManualClock(Date.now());
    const t = await startTestUnyo("checks: []\nsecurity:\n  password_policy: { max_age: 30d }\n", {
      clock,
    });
    try {
      await addUser(t, "vera", VERA_PW, "viewer");
      assert.equal((await logIn(t, "vera", VERA_PW)).json().restriction, null);
      clock.advance(30 * 86_400_000);
      const res = await logIn(t, "vera", VERA_PW);
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().restriction, "password_change");
      const s = sessionOf(res);
      const status = await asSession(t, s, { method: "GET", url: "/api/v1/status" });
      assert.equal(status.statusCode, 403);
      assert.equal(errorCode(status), "UNYO_E_PASSWORD_EXPIRED");
      const me = await asSession(t, s, { method: "GET", url: "/api/v1/auth/me" });
      assert.equal(me.json().restriction, "password_change");
      const change = await asSession(t, s, {
        method: "POST",
        url: "/api/v1/auth/password",
        payload: { current_password: VERA_PW, new_password: "Fresh-Pass-3!zz" },
      });
      assert.equal(change.statusCode, 200, change.body);
      assert.equal(change.json().restriction, null);
      const after = await asSession(t, sessionOf(change), { method: "GET", url: "/api/v1/status" });
      assert.equal(after.statusCode, 200);
    } finally {
      await t.close();
    }
  });
});

describe("command-line log-in (POST /api/v1/auth/token)", () => {
  const cliLogIn = (t: Awaited<ReturnType<typeof startTestUnyo>>, extra: object) =>
    t.unyo.app.inject({
      method: "POST",
      url: "/api/v1/auth/token",
      payload: { username: "vera", password: VERA_PW, name: "cli", ...extra },
    });

  test("a password past its maximum age gets no token around the change", async () => {
    const clock = new ManualClock(Date.now());
    const t = await startTestUnyo("checks: []\nsecurity:\n  password_policy: { max_age: 30d }\n", {
      clock,
    });
    try {
      await addUser(t, "vera", VERA_PW, "viewer");
      clock.advance(30 * 86_400_000);
      const res = await cliLogIn(t, { expires_in: "1d" });
      assert.equal(res.statusCode, 403, res.body);
      assert.equal(errorCode(res), "UNYO_E_PASSWORD_EXPIRED");
    } finally {
      await t.close();
    }
  });

  test("tokens from the command-line log-in obey security.token_max_lifetime", async () => {
    const t = await startTestUnyo("checks: []\nsecurity: { token_max_lifetime: 7d }\n");
    try {
      await addUser(t, "vera", VERA_PW, "viewer");
      const long = await cliLogIn(t, { expires_in: "365d" });
      assert.equal(long.statusCode, 400, long.body);
      // The 30d default is only a default: the limit shortens it.
      const byDefault = await cliLogIn(t, {});
      assert.equal(byDefault.statusCode, 201, byDefault.body);
      const lifetime = Date.parse(byDefault.json().expires_at) - Date.now();
      assert.ok(lifetime > 6.9 * 86_400_000 && lifetime <= 7 * 86_400_000, `${lifetime}`);
    } finally {
      await t.close();
    }
  });
});

describe("Secure cookies", () => {
  test("follow server.public_url and security.session.cookie_secure", async () => {
    const t = await startTestUnyo("checks: []\n", { env: { UNYO_ADMIN_PASSWORD: ADMIN_PW } });
    try {
      const secureAfter = async (yaml: string) => {
        t.writeConfig(yaml);
        assert.notEqual((await t.unyo.reload("test")).outcome, "rejected");
        const res = await logIn(t, "admin", ADMIN_PW);
        assert.equal(res.statusCode, 200);
        const flags = ["unyo_session", "unyo_csrf"].map(
          (n) => cookieNamed(res, n)?.secure === true,
        );
        assert.equal(flags[0], flags[1], "both cookies alike");
        return flags[0];
      };
      assert.equal(await secureAfter("checks: []\n"), false);
      const https = "server: { public_url: https://unyo.example.com }\n";
      assert.equal(await secureAfter(`checks: []\n${https}`), true);
      assert.equal(
        await secureAfter("checks: []\nserver: { public_url: http://unyo.lan }\n"),
        false,
      );
      const always = "security: { session: { cookie_secure: always } }\n";
      assert.equal(await secureAfter(`checks: []\n${always}`), true);
      const never = "security: { session: { cookie_secure: never } }\n";
      assert.equal(await secureAfter(`checks: []\n${https}${never}`), false);
    } finally {
      await t.close();
    }
  });
});
