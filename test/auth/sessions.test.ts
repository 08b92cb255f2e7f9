import assert from "node:assert/strict";
import { test } from "node:test";
import {
  hashSessionSecret,
  LAST_SEEN_RESOLUTION_MS,
  SessionService,
} from "../../src/auth/sessions.ts";
import { ManualClock } from "../../src/core/clock.ts";
import type { Store } from "../../src/store/store.ts";
import { forEachStore } from "../helpers/stores.ts";

const START = Date.UTC(2031, 0, 1);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

forEachStore("sessions", (stores) => {
  async function addUser(store: Store, username: string): Promise<number> {
    await store.db
      .insertInto("users")
      .values({
        username,
        role: "viewer",
        password_hash: "not-a-real-hash",
        password_changed_at: START,
        created_at: START,
      })
      .execute();
    const row = await store.db
      .selectFrom("users")
      .select("id")
      .where("username", "=", username)
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async function setup(options?: ConstructorParameters<typeof SessionService>[2]) {
    const store = await stores.open();
    const clock = new ManualClock(START);
    const sessions = new SessionService(store.db, clock, options);
    const kim = await addUser(store, "kim");
    return { store, clock, sessions, kim };
  }

  test("create and authenticate; only hashes are stored", async () => {
    const { store, sessions, kim } = await setup();
    const { secret, csrfToken, session } = await sessions.create(kim, {
      sourceIp: "10.0.0.1",
      userAgent: "x".repeat(300),
    });
    assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
    assert.match(csrfToken, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(secret, csrfToken);
    assert.deepEqual(session, {
      id: hashSessionSecret(secret),
      userId: kim,
      csrfHash: hashSessionSecret(csrfToken),
      createdAt: START,
      lastSeenAt: START,
      expiresAt: START + 12 * HOUR,
      idleExpiresAt: START + HOUR,
      revokedAt: null,
      sourceIp: "10.0.0.1",
      userAgent: "x".repeat(256),
    });

    const raw = await store.db.selectFrom("sessions").selectAll().execute();
    assert.equal(raw.length, 1);
    assert.match(raw[0]?.id ?? "", /^[0-9a-f]{64}$/);
    const rawText = JSON.stringify(raw);
    assert.ok(!rawText.includes(secret));
    assert.ok(!rawText.includes(csrfToken));

    assert.deepEqual(await sessions.authenticate(secret), { session, userId: kim });
    assert.equal(await sessions.authenticate("A".repeat(43)), null);
    assert.equal(await sessions.authenticate("short"), null);
    assert.equal(await sessions.authenticate(hashSessionSecret(secret)), null);
  });

  test("CSRF check", async () => {
    const { sessions, kim } = await setup();
    const a = await sessions.create(kim);
    const b = await sessions.create(kim);
    assert.equal(sessions.checkCsrf(a.session, a.csrfToken), true);
    assert.equal(sessions.checkCsrf(a.session, b.csrfToken), false);
    assert.equal(sessions.checkCsrf(a.session, ""), false);
    assert.equal(sessions.checkCsrf(a.session, a.secret), false);
    const authed = await sessions.authenticate(a.secret);
    assert.ok(authed);
    assert.equal(sessions.checkCsrf(authed.session, a.csrfToken), true);
  });

  test("idle expiry, sliding with throttled writes", async () => {
    const { store, clock, sessions, kim } = await setup();
    const { secret } = await sessions.create(kim);
    const lastSeen = async () =>
      Number(
        (await store.db.selectFrom("sessions").select("last_seen_at").executeTakeFirstOrThrow())
          .last_seen_at,
      );

    clock.advance(30_000);
    assert.ok(await sessions.authenticate(secret));
    assert.equal(await lastSeen(), START, "no write within a minute");

    clock.advance(LAST_SEEN_RESOLUTION_MS - 30_000);
    const slid = await sessions.authenticate(secret);
    assert.equal(slid?.session.idleExpiresAt, START + MINUTE + HOUR);
    assert.equal(await lastSeen(), START + MINUTE);

    clock.advance(HOUR - 1);
    assert.ok(await sessions.authenticate(secret), "still inside the slid idle window");
    clock.advance(HOUR);
    assert.equal(await sessions.authenticate(secret), null, "idle for an hour");
  });

  test("absolute expiry is not extended by use", async () => {
    const { clock, sessions, kim } = await setup({ absoluteTtlMs: 2 * HOUR, idleTtlMs: HOUR });
    const { secret } = await sessions.create(kim);
    for (let i = 0; i < 5; i++) {
      clock.advance(20 * MINUTE);
      const authed = await sessions.authenticate(secret);
      assert.ok(authed, `use ${i}`);
      assert.ok(authed.session.idleExpiresAt <= START + 2 * HOUR);
    }
    clock.advance(20 * MINUTE - 1);
    assert.ok(await sessions.authenticate(secret));
    clock.advance(1);
    assert.equal(await sessions.authenticate(secret), null, "the absolute expiry");
  });

  test("revoke and revokeAllForUser", async () => {
    const { store, sessions, kim } = await setup();
    const lee = await addUser(store, "lee");
    const a = await sessions.create(kim);
    const b = await sessions.create(kim);
    const c = await sessions.create(kim);
    const d = await sessions.create(lee);

    assert.equal(await sessions.revoke(a.secret), true);
    assert.equal(await sessions.revoke(a.secret), false);
    assert.equal(await sessions.authenticate(a.secret), null);
    assert.ok(await sessions.authenticate(b.secret));

    assert.equal(await sessions.revokeAllForUser(kim), 2);
    assert.equal(await sessions.authenticate(b.secret), null);
    assert.equal(await sessions.authenticate(c.secret), null);
    assert.ok(await sessions.authenticate(d.secret), "other users keep their sessions");
  });

  test("a disabled or deleted user's sessions do not authenticate", async () => {
    const { store, sessions, kim } = await setup();
    const lee = await addUser(store, "lee");
    const a = await sessions.create(kim);
    const b = await sessions.create(lee);
    await store.db.updateTable("users").set({ disabled: 1 }).where("id", "=", kim).execute();
    assert.equal(await sessions.authenticate(a.secret), null);
    await store.db.deleteFrom("users").where("id", "=", lee).execute();
    assert.equal(await sessions.authenticate(b.secret), null);
  });

  test("purgeExpired deletes expired and revoked sessions only", async () => {
    const { store, clock, sessions, kim } = await setup();
    const idle = await sessions.create(kim);
    const revoked = await sessions.create(kim);
    await sessions.revoke(revoked.secret);
    clock.advance(50 * MINUTE);
    const fresh = await sessions.create(kim);
    clock.advance(10 * MINUTE);
    assert.equal(await sessions.purgeExpired(), 2);
    const ids = (await store.db.selectFrom("sessions").select("id").execute()).map((r) => r.id);
    assert.deepEqual(ids, [fresh.session.id]);
    assert.notEqual(idle.session.id, fresh.session.id);
    assert.ok(await sessions.authenticate(fresh.secret));
  });

  test("options are validated", async () => {
    const store = await stores.open();
    assert.throws(
      () => new SessionService(store.db, new ManualClock(0), { idleTtlMs: 0 }),
      /idleTtlMs/,
    );
  });
});
