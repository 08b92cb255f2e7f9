import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ManualClock } from "../../src/core/clock.ts";
import {
  addUser,
  asSession,
  asToken,
  errorCode,
  logIn,
  logInOk,
  type Session,
} from "../helpers/sessions.ts";
import { forEachStore } from "../helpers/stores.ts";
import { startTestUnyo, type TestUnyo } from "../helpers/unyo.ts";

const ADMIN_PW = "Review-Boss-Pass-1!";
const VERA_PW = "Seeing-Only-Pass-2?";
const OTTO_PW = "Operating-Pass-3#";
const VERA_IP = "198.51.100.20";
const ATTACKER_IP = "203.0.113.9";
const TOKEN = /^unyo_[A-Za-z0-9_-]{43}$/;

interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  source_ip: string | null;
  outcome: string;
  details: Record<string, unknown> | null;
}

forEachStore("tokens, access review and audit", (stores) => {
  describe("as users and admins", () => {
    let t: TestUnyo;
    let clock: ManualClock;
    let vera: Session;
    let otto: Session;
    let loginAt = 0;

    const audit = async (query = ""): Promise<AuditEntry[]> => {
      const res = await t.inject({ method: "GET", url: `/api/v1/audit${query}` });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().entries;
    };
    const createToken = (s: Session, payload: object) =>
      asSession(t, s, { method: "POST", url: "/api/v1/tokens", payload });

    before(async () => {
      clock = new ManualClock(Date.now());
      t = await startTestUnyo("checks: []\n", {
        env: { UNYO_ADMIN_PASSWORD: ADMIN_PW },
        clock,
        store: await stores.freshConfig(),
      });
      await addUser(t, "vera", VERA_PW, "viewer");
      await addUser(t, "otto", OTTO_PW, "operator");
      loginAt = clock.now();
      vera = await logInOk(t, "vera", VERA_PW, { remoteAddress: VERA_IP });
      otto = await logInOk(t, "otto", OTTO_PW);
    });
    after(() => t.close());

    test("users make their own tokens up to their role; only admins make service tokens", async () => {
      const own = await createToken(vera, { name: "vera-ci" });
      assert.equal(own.statusCode, 201, own.body);
      assert.match(own.json().token, TOKEN);
      const record = own.json().record;
      assert.equal(record.role, "viewer");
      assert.equal(record.owner, "vera");
      assert.equal(record.prefix, own.json().token.slice(0, 13));
      assert.deepEqual(Object.keys(record).sort(), [
        "created_at",
        "expires_at",
        "id",
        "last_used_at",
        "name",
        "owner",
        "prefix",
        "revoked_at",
        "role",
      ]);

      const larger = await createToken(vera, { name: "vera-op", role: "operator" });
      assert.equal(larger.statusCode, 403);
      assert.equal(errorCode(larger), "UNYO_E_FORBIDDEN");
      const service = await createToken(otto, { name: "otto-svc", service: true });
      assert.equal(service.statusCode, 403);
      const smaller = await createToken(otto, { name: "otto-read", role: "viewer" });
      assert.equal(smaller.json().record.role, "viewer");
      const duplicate = await createToken(vera, { name: "vera-ci" });
      assert.equal(duplicate.statusCode, 400);

      const svc = await t.inject({
        method: "POST",
        url: "/api/v1/tokens",
        payload: { name: "deploy-bot", role: "operator", service: true },
      });
      assert.equal(svc.statusCode, 201, svc.body);
      assert.equal(svc.json().record.owner, null);
      const bot = await asToken(t, svc.json().token, { method: "GET", url: "/api/v1/auth/me" });
      assert.equal(bot.json().actor, "token:deploy-bot");
      assert.equal(bot.json().role, "operator");

      const mine = await asSession(t, vera, { method: "GET", url: "/api/v1/tokens" });
      assert.deepEqual(
        mine.json().tokens.map((x: { name: string }) => x.name),
        ["vera-ci"],
      );
      const all = (await t.inject({ method: "GET", url: "/api/v1/tokens" })).json().tokens;
      assert.ok(all.length >= 4);
      assert.doesNotMatch(
        JSON.stringify(all),
        /unyo_[A-Za-z0-9_-]{43}/,
        "lists never hold secrets",
      );
    });

    test("a token's use is recorded; revocation and expiry end it", async () => {
      const created = await createToken(vera, { name: "short-lived", expires_in: "1h" });
      const { token, record } = created.json();
      assert.equal(Date.parse(record.expires_at), clock.now() + 3_600_000);
      assert.equal(record.last_used_at, null);
      const usedAt = clock.now();
      assert.equal(
        (await asToken(t, token, { method: "GET", url: "/api/v1/auth/me" })).statusCode,
        200,
      );
      const listed = async (id: number) =>
        (await asSession(t, vera, { method: "GET", url: "/api/v1/tokens" }))
          .json()
          .tokens.find((x: { id: number }) => x.id === id);
      assert.equal(Date.parse((await listed(record.id)).last_used_at), usedAt);

      clock.advance(3_600_000);
      const expired = await asToken(t, token, { method: "GET", url: "/api/v1/auth/me" });
      assert.equal(expired.statusCode, 401);
      assert.equal(errorCode(expired), "UNYO_E_UNAUTHENTICATED");

      vera = await logInOk(t, "vera", VERA_PW, { remoteAddress: VERA_IP });
      const doomed = (await createToken(vera, { name: "to-revoke" })).json();
      assert.equal(
        (await asToken(t, doomed.token, { method: "GET", url: "/api/v1/auth/me" })).statusCode,
        200,
      );
      const all = (await t.inject({ method: "GET", url: "/api/v1/tokens" })).json().tokens;
      const foreign = all.find((x: { owner: string | null }) => x.owner === "otto").id;
      const notHers = await asSession(t, vera, {
        method: "DELETE",
        url: `/api/v1/tokens/${foreign}`,
      });
      assert.equal(notHers.statusCode, 404, "someone else's token looks missing");
      const revoke = await asSession(t, vera, {
        method: "DELETE",
        url: `/api/v1/tokens/${doomed.record.id}`,
      });
      assert.equal(revoke.statusCode, 200, revoke.body);
      assert.ok(revoke.json().revoked_at);
      const after = await asToken(t, doomed.token, { method: "GET", url: "/api/v1/auth/me" });
      assert.equal(after.statusCode, 401);
      assert.equal(
        (await t.inject({ method: "DELETE", url: "/api/v1/tokens/9999" })).statusCode,
        404,
      );
    });

    test("the access review lists users with MFA state, last log-in and live tokens", async () => {
      const res = await t.inject({ method: "GET", url: "/api/v1/users/review" });
      assert.equal(res.statusCode, 200, res.body);
      const review = res.json();
      assert.equal(Date.parse(review.generated_at), clock.now());
      const byName = new Map(review.users.map((u: { username: string }) => [u.username, u]));
      assert.deepEqual([...byName.keys()], ["admin", "otto", "vera"]);
      const v = byName.get("vera") as Record<string, unknown> & { tokens: { name: string }[] };
      assert.equal(v.role, "viewer");
      assert.equal(v.mfa_enabled, false);
      assert.equal(v.disabled, false);
      assert.ok(Date.parse(v.last_login_at as string) >= loginAt);
      const names = v.tokens.map((x) => x.name).sort();
      assert.deepEqual(names, ["short-lived", "vera-ci"], "revoked tokens drop out, expired stay");
      const admin = byName.get("admin") as Record<string, unknown>;
      assert.equal(admin.last_login_at, null, "admin never logged in");
      const services = review.service_tokens.map((x: { name: string }) => x.name).sort();
      assert.deepEqual(services, ["deploy-bot", "test-admin"]);
      assert.doesNotMatch(res.body, /unyo_[A-Za-z0-9_-]{43}|scrypt\$/);
    });

    test("the audit log records log-ins, users, tokens and reloads, filterable", async () => {
      clock.advance(3_600_000);
      const since = clock.now();
      const failed = await logIn(t, "vera", "Wrong-Guess-Pass-9!", { remoteAddress: ATTACKER_IP });
      assert.equal(errorCode(failed), "UNYO_E_LOGIN_FAILED");
      clock.advance(60_000);
      const until = clock.now();
      const patch = await t.inject({
        method: "PATCH",
        url: "/api/v1/users/otto",
        payload: { role: "viewer" },
      });
      assert.equal(patch.statusCode, 200);
      t.writeConfig("checks: []\nsecurity: { public_metrics: true }\n");
      assert.equal((await t.unyo.reload("test")).outcome, "applied");

      const all = await audit("?limit=1000");
      const find = (action: string, match: (e: AuditEntry) => boolean = () => true) => {
        const entry = all.find((e) => e.action === action && match(e));
        assert.ok(entry, `no ${action} entry in ${JSON.stringify(all.map((e) => e.action))}`);
        return entry;
      };
      const ok = find("auth.login", (e) => e.outcome === "success" && e.actor === "vera");
      assert.equal(ok.source_ip, VERA_IP);
      const bad = find("auth.login", (e) => e.outcome === "failure");
      assert.equal(bad.actor, "vera");
      assert.equal(bad.source_ip, ATTACKER_IP);
      assert.equal(bad.details?.reason, "bad_credentials");
      find("user.create", (e) => e.target === "admin" && e.actor === "system");
      assert.equal(find("user.create", (e) => e.target === "vera").actor, "token:test-admin");
      const role = find("user.role_change", (e) => e.target === "otto");
      assert.equal(role.details?.role, "viewer");
      assert.equal(find("token.create", (e) => e.target === "token:vera-ci").actor, "vera");
      assert.equal(find("token.revoke", (e) => e.target === "token:to-revoke").actor, "vera");
      const denied = find("token.create", (e) => e.target === "token:vera-op");
      assert.equal(denied.outcome, "failure");
      assert.equal(denied.details?.error, "UNYO_E_FORBIDDEN");
      const reload = find("config.reload", (e) => e.outcome === "success");
      assert.equal(reload.actor, "system");

      const byVera = await audit("?actor=vera&limit=1000");
      assert.ok(byVera.length >= 5);
      assert.ok(byVera.every((e) => e.actor === "vera"));
      const users = await audit("?action=user.*&limit=1000");
      assert.ok(users.every((e) => e.action.startsWith("user.")));
      const actions = new Set(users.map((e) => e.action));
      for (const a of ["user.create", "user.role_change"]) assert.ok(actions.has(a), a);
      assert.deepEqual(await audit("?action=user"), [], "without .* the action is exact");
      const window = await audit(
        `?since=${new Date(since).toISOString()}&until=${new Date(until).toISOString()}`,
      );
      assert.deepEqual(
        window.map((e) => `${e.action}/${e.outcome}`),
        ["auth.login/failure"],
      );
      const later = await audit(`?since=${new Date(until).toISOString()}`);
      assert.ok(later.some((e) => e.action === "config.reload"));
      assert.ok(!later.some((e) => e.action === "auth.login"));
      const bad400 = await t.inject({ method: "GET", url: "/api/v1/audit?since=yesterday" });
      assert.equal(bad400.statusCode, 400);

      const page1 = await audit("?limit=2");
      assert.equal(page1.length, 2);
      assert.ok((page1[0] as AuditEntry).id > (page1[1] as AuditEntry).id, "newest first");
      const page2 = await audit(`?limit=2&before_id=${(page1[1] as AuditEntry).id}`);
      assert.ok(page2.every((e) => e.id < (page1[1] as AuditEntry).id));

      const verify = await t.inject({ method: "GET", url: "/api/v1/audit/verify" });
      assert.equal(verify.statusCode, 200);
      assert.equal(verify.json().ok, true);
      assert.equal(verify.json().checked, all.length);
    });

    test("verification finds an edited audit row", async () => {
      const [entry] = await audit("?action=auth.login&limit=1");
      assert.ok(entry);
      await t.store.db
        .updateTable("audit_log")
        .set({ actor: "someone-else" })
        .where("id", "=", entry.id)
        .execute();
      const verify = (await t.inject({ method: "GET", url: "/api/v1/audit/verify" })).json();
      assert.equal(verify.ok, false);
      assert.equal(verify.first_bad_id, entry.id);
    });
  });
});
