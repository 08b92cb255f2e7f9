import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { totpCode } from "../../src/auth/totp.ts";
import { ManualClock } from "../../src/core/clock.ts";
import {
  addUser,
  asSession,
  asToken,
  clearsSession,
  cookieNamed,
  errorCode,
  logIn,
  logInOk,
  type Session,
  sessionOf,
} from "../helpers/sessions.ts";
import { forEachStore } from "../helpers/stores.ts";
import { startTestUnyo, type TestUnyo } from "../helpers/unyo.ts";

const ADMIN_PW = "Flow-Boss-Pass-42!";
const VERA_PW = "Seeing-Only-Pass-7?";
const OTTO_PW = "Operating-Pass-8#";
const STEP = 30_000;

forEachStore("auth flow", (stores) => {
  describe("admin from UNYO_ADMIN_PASSWORD", () => {
    let t: TestUnyo;
    let clock: ManualClock;
    let totpSecret = "";
    let recoveryCodes: string[] = [];
    let admin: Session;

    before(async () => {
      clock = new ManualClock(Date.now());
      t = await startTestUnyo("checks: []\n", {
        env: { UNYO_ADMIN_PASSWORD: ADMIN_PW },
        clock,
        store: await stores.freshConfig(),
      });
    });
    after(() => t.close());

    test("the first admin exists and logs in with secure cookie attributes", async () => {
      assert.equal(t.firstAdmin.kind, "created");
      const res = await logIn(t, "admin", ADMIN_PW);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.user.username, "admin");
      assert.equal(body.user.role, "admin");
      assert.equal(body.restriction, "mfa_enrolment", "require_mfa defaults to [admin]");
      const session = cookieNamed(res, "unyo_session");
      const csrf = cookieNamed(res, "unyo_csrf");
      assert.ok(session && csrf);
      assert.equal(session.httpOnly, true);
      assert.equal(session.sameSite, "Strict");
      assert.equal(session.path, "/");
      assert.ok(!session.secure, "no Secure without https");
      assert.ok(!csrf.httpOnly, "the page must read the CSRF cookie");
      assert.equal(csrf.sameSite, "Strict");
      assert.equal(csrf.value, body.csrf_token);
      assert.equal(Date.parse(body.expires_at), clock.now() + 12 * 3600_000);
      admin = sessionOf(res);
    });

    test("until MFA enrolment the session may only reach the enrolment routes", async () => {
      const status = await asSession(t, admin, { method: "GET", url: "/api/v1/status" });
      assert.equal(status.statusCode, 403);
      assert.equal(errorCode(status), "UNYO_E_MFA_ENROLMENT_REQUIRED");
      const change = await asSession(t, admin, {
        method: "POST",
        url: "/api/v1/tokens",
        payload: { name: "too-early" },
      });
      assert.equal(errorCode(change), "UNYO_E_MFA_ENROLMENT_REQUIRED");
      const me = await asSession(t, admin, { method: "GET", url: "/api/v1/auth/me" });
      assert.equal(me.statusCode, 200);
      assert.equal(me.json().restriction, "mfa_enrolment");
      assert.equal(me.json().kind, "session");
      const cli = await t.unyo.app.inject({
        method: "POST",
        url: "/api/v1/auth/token",
        payload: { username: "admin", password: ADMIN_PW, name: "cli" },
      });
      assert.equal(cli.statusCode, 403, "no token around the enrolment");
      assert.equal(errorCode(cli), "UNYO_E_MFA_ENROLMENT_REQUIRED");
    });

    test("TOTP enrolment: QR code, confirmation with a code, recovery codes", async () => {
      const begin = await asSession(t, admin, { method: "POST", url: "/api/v1/auth/mfa/totp" });
      assert.equal(begin.statusCode, 200, begin.body);
      const { secret, otpauth_uri, qr_svg } = begin.json();
      assert.ok(otpauth_uri.startsWith("otpauth://totp/"), otpauth_uri);
      assert.ok(otpauth_uri.includes(`secret=${secret}`));
      assert.ok(qr_svg.startsWith("<svg"), qr_svg.slice(0, 40));
      const wrong = await asSession(t, admin, {
        method: "POST",
        url: "/api/v1/auth/mfa/totp/confirm",
        payload: { code: totpCode(secret, clock.now() + 10 * STEP) },
      });
      assert.equal(wrong.statusCode, 400);
      const ok = await asSession(t, admin, {
        method: "POST",
        url: "/api/v1/auth/mfa/totp/confirm",
        payload: { code: totpCode(secret, clock.now()) },
      });
      assert.equal(ok.statusCode, 200, ok.body);
      recoveryCodes = ok.json().recovery_codes;
      assert.equal(recoveryCodes.length, 10);
      for (const code of recoveryCodes) assert.match(code, /^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
      totpSecret = secret;
      const status = await asSession(t, admin, { method: "GET", url: "/api/v1/status" });
      assert.equal(status.statusCode, 200, "the same session is free once enrolled");
      const again = await asSession(t, admin, { method: "POST", url: "/api/v1/auth/mfa/totp" });
      assert.equal(again.statusCode, 409, "a second enrolment needs a reset first");
    });

    test("log-in with MFA: code required, replays fail, recovery codes work once", async () => {
      clock.advance(STEP);
      const noCode = await logIn(t, "admin", ADMIN_PW);
      assert.equal(noCode.statusCode, 401);
      assert.equal(errorCode(noCode), "UNYO_E_MFA_REQUIRED");
      assert.equal(cookieNamed(noCode, "unyo_session"), undefined);
      const wrongPassword = await logIn(t, "admin", "Not-The-Password-1!");
      assert.equal(
        errorCode(wrongPassword),
        "UNYO_E_LOGIN_FAILED",
        "no MFA hint without the password",
      );

      const code = totpCode(totpSecret, clock.now());
      const first = await logIn(t, "admin", ADMIN_PW, { code });
      assert.equal(first.statusCode, 200, first.body);
      assert.equal(first.json().restriction, null);
      const replay = await logIn(t, "admin", ADMIN_PW, { code });
      assert.equal(replay.statusCode, 401);
      assert.equal(errorCode(replay), "UNYO_E_LOGIN_FAILED");

      const recovery = recoveryCodes[0] as string;
      const withRecovery = await logIn(t, "admin", ADMIN_PW, { code: recovery.toUpperCase() });
      assert.equal(withRecovery.statusCode, 200, withRecovery.body);
      const reused = await logIn(t, "admin", ADMIN_PW, { code: recovery });
      assert.equal(errorCode(reused), "UNYO_E_LOGIN_FAILED");
      admin = sessionOf(withRecovery);

      clock.advance(STEP);
      const cli = await t.unyo.app.inject({
        method: "POST",
        url: "/api/v1/auth/token",
        payload: {
          username: "admin",
          password: ADMIN_PW,
          code: totpCode(totpSecret, clock.now()),
          name: "admin-cli",
        },
      });
      assert.equal(cli.statusCode, 201, cli.body);
      const me = await asToken(t, cli.json().token, { method: "GET", url: "/api/v1/auth/me" });
      assert.equal(me.json().actor, "admin");
      assert.equal(me.json().kind, "token");
    });

    test("CSRF: cookie changes need the session's token; bearer requests do not", async () => {
      const create = (name: string, csrf: boolean | string, headers = {}) =>
        asSession(
          t,
          admin,
          { method: "POST", url: "/api/v1/tokens", payload: { name }, headers },
          csrf,
        );
      const missing = await create("csrf-a", false);
      assert.equal(missing.statusCode, 403);
      assert.equal(errorCode(missing), "UNYO_E_CSRF");
      assert.equal(errorCode(await create("csrf-b", "x".repeat(43))), "UNYO_E_CSRF");
      assert.equal(errorCode(await create("csrf-c", "")), "UNYO_E_CSRF");
      const other = await logInOk(t, "admin", ADMIN_PW, { code: recoveryCodes[1] as string });
      assert.equal(errorCode(await create("csrf-d", other.csrf)), "UNYO_E_CSRF");
      const form = await t.unyo.app.inject({
        method: "POST",
        url: "/api/v1/tokens",
        cookies: { unyo_session: admin.session, unyo_csrf: admin.csrf },
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: "name=from-a-form",
      });
      assert.equal(errorCode(form), "UNYO_E_CSRF", "a cross-site form post is refused");
      const right = await create("csrf-ok", true);
      assert.equal(right.statusCode, 201, right.body);
      const read = await asSession(t, admin, { method: "GET", url: "/api/v1/tokens" });
      assert.equal(read.statusCode, 200, "reads need no CSRF header");
      const bearer = await t.inject({
        method: "POST",
        url: "/api/v1/tokens",
        payload: { name: "b", service: true },
      });
      assert.equal(bearer.statusCode, 201, bearer.body);
      const names = (await t.inject({ method: "GET", url: "/api/v1/tokens" }))
        .json()
        .tokens.map((x: { name: string }) => x.name);
      assert.ok(!names.some((n: string) => /^csrf-[a-d]$|from-a-form/.test(n)), names.join());
    });

    test("log-out needs CSRF, revokes the session and clears the cookies", async () => {
      const forced = await asSession(
        t,
        admin,
        { method: "POST", url: "/api/v1/auth/logout" },
        false,
      );
      assert.equal(errorCode(forced), "UNYO_E_CSRF");
      const res = await asSession(t, admin, { method: "POST", url: "/api/v1/auth/logout" });
      assert.equal(res.statusCode, 204);
      assert.ok(clearsSession(res), JSON.stringify(res.cookies));
      const after = await asSession(t, admin, { method: "GET", url: "/api/v1/auth/me" });
      assert.equal(after.statusCode, 401);
      assert.equal(errorCode(after), "UNYO_E_UNAUTHENTICATED");
      assert.ok(clearsSession(after));
    });

    test("a password change ends the user's other sessions", async () => {
      await addUser(t, "vera", VERA_PW, "viewer");
      const a = await logInOk(t, "vera", VERA_PW);
      const b = await logInOk(t, "vera", VERA_PW);
      const change = (current: string, next: string) =>
        asSession(t, a, {
          method: "POST",
          url: "/api/v1/auth/password",
          payload: { current_password: current, new_password: next },
        });
      const wrong = await change("Not-Veras-Pass-1!", "Changed-Pass-9!x");
      assert.equal(wrong.statusCode, 401);
      assert.equal(errorCode(wrong), "UNYO_E_LOGIN_FAILED");
      const weak = await change(VERA_PW, "short1!");
      assert.equal(weak.statusCode, 400);
      assert.ok(!weak.body.includes("short1!"), "the error does not echo the password");

      const ok = await change(VERA_PW, "Changed-Pass-9!x");
      assert.equal(ok.statusCode, 200, ok.body);
      const fresh = sessionOf(ok);
      assert.equal(fresh.csrf, ok.json().csrf_token);
      for (const old of [a, b]) {
        const res = await asSession(t, old, { method: "GET", url: "/api/v1/auth/me" });
        assert.equal(res.statusCode, 401, "sessions from before the change end");
      }
      const me = await asSession(t, fresh, { method: "GET", url: "/api/v1/auth/me" });
      assert.equal(me.statusCode, 200);
      assert.equal(errorCode(await logIn(t, "vera", VERA_PW)), "UNYO_E_LOGIN_FAILED");

      const reset = await t.inject({
        method: "PUT",
        url: "/api/v1/users/vera/password",
        payload: { password: VERA_PW },
      });
      assert.equal(reset.statusCode, 200, reset.body);
      const afterReset = await asSession(t, fresh, { method: "GET", url: "/api/v1/auth/me" });
      assert.equal(afterReset.statusCode, 401, "an admin reset ends the sessions too");
    });

    test("a role change or disabling ends sessions; the last admin stays", async () => {
      await addUser(t, "otto", OTTO_PW, "operator");
      const otto = await logInOk(t, "otto", OTTO_PW);
      const token = await asSession(t, otto, {
        method: "POST",
        url: "/api/v1/tokens",
        payload: { name: "otto-token" },
      });
      assert.equal(token.statusCode, 201, token.body);
      const ottoToken: string = token.json().token;
      const patch = (payload: object, user = "otto") =>
        t.inject({ method: "PATCH", url: `/api/v1/users/${user}`, payload });

      assert.equal((await patch({ role: "viewer" })).statusCode, 200);
      const me = () => asSession(t, otto, { method: "GET", url: "/api/v1/auth/me" });
      assert.equal((await me()).statusCode, 401, "a role change ends the sessions");
      const capped = await asToken(t, ottoToken, { method: "GET", url: "/api/v1/auth/me" });
      assert.equal(capped.json().role, "viewer", "tokens follow the demotion");

      const again = await logInOk(t, "otto", OTTO_PW);
      assert.equal((await patch({ disabled: true })).statusCode, 200);
      const disabled = await asSession(t, again, { method: "GET", url: "/api/v1/auth/me" });
      assert.equal(disabled.statusCode, 401);
      const tokenAfter = await asToken(t, ottoToken, { method: "GET", url: "/api/v1/auth/me" });
      assert.equal(tokenAfter.statusCode, 401, "a disabled user's tokens stop working");
      assert.equal(errorCode(await logIn(t, "otto", OTTO_PW)), "UNYO_E_LOGIN_FAILED");
      assert.equal((await patch({ disabled: false })).statusCode, 200);
      // This address has failed three times in this suite by now: wait out the first delay.
      clock.advance(1_000);
      await logInOk(t, "otto", OTTO_PW);

      for (const change of [{ role: "operator" }, { disabled: true }]) {
        const res = await patch(change, "admin");
        assert.equal(res.statusCode, 409, res.body);
        assert.equal(errorCode(res), "UNYO_E_CONFLICT");
      }
      assert.equal((await patch({ role: "viewer" }, "nobody")).statusCode, 404);
      assert.equal((await patch({}, "otto")).statusCode, 400);
    });
  });
});
