import assert from "node:assert/strict";
import { test } from "node:test";
import { TokenService } from "../../src/auth/tokens.ts";
import { UserService } from "../../src/auth/users.ts";
import { ManualClock } from "../../src/core/clock.ts";
import { isUnyoError } from "../../src/core/errors.ts";
import type { Store } from "../../src/store/store.ts";
import { forEachStore } from "../helpers/stores.ts";

const START = Date.UTC(2031, 0, 1);
const GOOD = "Correct-Horse-42-battery";
const OTHER = "Another-Staple-97-cloud";

function isValidationError(message: RegExp) {
  return (error: unknown) => {
    assert.ok(isUnyoError(error), String(error));
    assert.equal(error.code, "UNYO_E_VALIDATION");
    assert.match(error.message, message);
    return true;
  };
}

forEachStore("users", (stores) => {
  async function setup(): Promise<{ users: UserService; clock: ManualClock; store: Store }> {
    const store = await stores.open();
    const clock = new ManualClock(START);
    return { users: new UserService(store.db, clock), clock, store };
  }

  test("add, list and get; usernames are lower-cased", async () => {
    const { users } = await setup();
    const alice = await users.add({
      username: "Alice",
      password: GOOD,
      role: "admin",
      displayName: "Alice A.",
    });
    assert.deepEqual(alice, {
      id: alice.id,
      username: "alice",
      displayName: "Alice A.",
      role: "admin",
      disabled: false,
      mfaEnabled: false,
      createdAt: START,
      passwordChangedAt: START,
      lastLoginAt: null,
    });
    await users.add({ username: "bob@example.com", password: OTHER, role: "viewer" });
    assert.deepEqual(
      (await users.list()).map((u) => [u.username, u.role]),
      [
        ["alice", "admin"],
        ["bob@example.com", "viewer"],
      ],
    );
    assert.deepEqual(await users.get("ALICE"), alice);
    assert.equal(await users.get("nobody"), undefined);
  });

  test("duplicate usernames are refused, case-insensitively", async () => {
    const { users } = await setup();
    await users.add({ username: "carol", password: GOOD, role: "viewer" });
    await assert.rejects(
      users.add({ username: "CAROL", password: GOOD, role: "viewer" }),
      isValidationError(/already exists/),
    );
  });

  test("every password policy violation is reported at once", async () => {
    const { users } = await setup();
    await assert.rejects(users.add({ username: "dave", password: "dave", role: "viewer" }), (e) => {
      assert.ok(isUnyoError(e));
      assert.equal(e.code, "UNYO_E_VALIDATION");
      const problems = (e.details as { problems: string[] }).problems;
      assert.ok(problems.length >= 2, problems.join(", "));
      for (const p of problems) assert.ok(e.message.includes(p));
      return true;
    });
    assert.equal(await users.get("dave"), undefined);
    await users.add({ username: "dave", password: GOOD, role: "viewer" });
    await assert.rejects(users.setPassword("dave", "short"), isValidationError(/password/));
  });

  test("invalid usernames and roles are refused; SQL metacharacters are harmless", async () => {
    const { users } = await setup();
    for (const username of [
      "x",
      "-lead",
      "a b",
      "robert'); drop table users;--",
      "é",
      "a".repeat(65),
    ]) {
      await assert.rejects(
        users.add({ username, password: GOOD, role: "viewer" }),
        isValidationError(/username/),
      );
    }
    await assert.rejects(
      // @ts-expect-error: a role that does not exist
      users.add({ username: "erin", password: GOOD, role: "root" }),
      isValidationError(/role/),
    );
    assert.equal(await users.get("x' or '1'='1"), undefined);
    assert.equal(await users.verifyCredentials("x' or '1'='1", GOOD), null);
    assert.deepEqual(await users.list(), []);
  });

  test("verifyCredentials: right, wrong, disabled, unknown", async () => {
    const { users, clock } = await setup();
    const frank = await users.add({ username: "frank", password: GOOD, role: "operator" });
    assert.equal((await users.verifyCredentials("Frank", GOOD))?.id, frank.id);
    assert.equal(await users.verifyCredentials("frank", OTHER), null);
    assert.equal(await users.verifyCredentials("nobody", GOOD), null);

    await users.disable("frank");
    assert.equal((await users.get("frank"))?.disabled, true);
    assert.equal(await users.verifyCredentials("frank", GOOD), null);
    await users.enable("frank");
    assert.ok(await users.verifyCredentials("frank", GOOD));

    clock.advance(5000);
    const changed = await users.setPassword("frank", OTHER);
    assert.equal(changed.passwordChangedAt, START + 5000);
    assert.equal(await users.verifyCredentials("frank", GOOD), null);
    assert.ok(await users.verifyCredentials("frank", OTHER));

    clock.advance(1000);
    await users.recordLogin(frank.id);
    assert.equal((await users.get("frank"))?.lastLoginAt, START + 6000);
  });

  test("role changes; unknown users are NOT_FOUND", async () => {
    const { users } = await setup();
    await users.add({ username: "gina", password: GOOD, role: "viewer" });
    assert.equal((await users.setRole("gina", "operator")).role, "operator");
    assert.equal((await users.get("gina"))?.role, "operator");
    await assert.rejects(users.setRole("nobody", "admin"), (e) => {
      assert.ok(isUnyoError(e));
      assert.equal(e.code, "UNYO_E_NOT_FOUND");
      return true;
    });
  });

  test("secrets never appear in list, get or the access review", async () => {
    const { users, store } = await setup();
    const hank = await users.add({ username: "hank", password: GOOD, role: "admin" });
    await store.db
      .updateTable("users")
      .set({ totp_secret: "JBSWY3DPEHPK3PXP", recovery_codes: JSON.stringify(["ab".repeat(32)]) })
      .where("id", "=", hank.id)
      .execute();
    const raw = await store.db.selectFrom("users").selectAll().executeTakeFirstOrThrow();
    assert.match(raw.password_hash, /^scrypt\$/);
    assert.ok(!raw.password_hash.includes(GOOD));
    const shown = JSON.stringify([
      await users.list(),
      await users.get("hank"),
      await users.verifyCredentials("hank", GOOD),
      await users.accessReview(),
    ]);
    for (const secret of [raw.password_hash, "scrypt", "JBSWY3DPEHPK3PXP", "ab".repeat(32), GOOD]) {
      assert.ok(!shown.includes(secret), `output contains ${secret}`);
    }
    const secrets = await users.secretsOf(hank.id);
    assert.equal(secrets?.passwordHash, raw.password_hash);
    assert.equal(secrets?.totpSecret, "JBSWY3DPEHPK3PXP");
    assert.deepEqual(secrets?.recoveryCodes, ["ab".repeat(32)]);
  });

  test("access review lists users with role, MFA, last log-in and tokens", async () => {
    const { users, clock, store } = await setup();
    const tokens = new TokenService(store.db, clock);
    const ivy = await users.add({ username: "ivy", password: GOOD, role: "admin" });
    await users.add({ username: "jack", password: OTHER, role: "viewer" });
    await users.disable("jack");
    await store.db.updateTable("users").set({ mfa_enabled: 1 }).where("id", "=", ivy.id).execute();
    clock.advance(1000);
    await users.recordLogin(ivy.id);
    const { token } = await tokens.create({ name: "ivy-laptop", role: "operator", userId: ivy.id });
    const gone = await tokens.create({ name: "old", role: "viewer", userId: ivy.id });
    await tokens.revoke(gone.record.id);
    await tokens.create({ name: "ci", role: "viewer" });
    clock.advance(1000);
    await tokens.authenticate(token);

    const review = await users.accessReview();
    assert.equal(review.generatedAt, START + 2000);
    assert.deepEqual(
      review.users.map((u) => ({
        ...u,
        tokens: u.tokens.map((t) => [t.name, t.role, t.lastUsedAt]),
      })),
      [
        {
          username: "ivy",
          displayName: null,
          role: "admin",
          disabled: false,
          mfaEnabled: true,
          lastLoginAt: START + 1000,
          tokens: [["ivy-laptop", "operator", START + 2000]],
        },
        {
          username: "jack",
          displayName: null,
          role: "viewer",
          disabled: true,
          mfaEnabled: false,
          lastLoginAt: null,
          tokens: [],
        },
      ],
    );
    assert.deepEqual(
      review.serviceTokens.map((t) => [t.name, t.lastUsedAt]),
      [["ci", null]],
    );
  });
});
