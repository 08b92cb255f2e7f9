import assert from "node:assert/strict";
import { test } from "node:test";
import { hashToken, LAST_USED_RESOLUTION_MS, TokenService } from "../../src/auth/tokens.ts";
import { UserService } from "../../src/auth/users.ts";
import { ManualClock } from "../../src/core/clock.ts";
import { isUnyoError } from "../../src/core/errors.ts";
import type { Store } from "../../src/store/store.ts";
import { forEachStore } from "../helpers/stores.ts";

const START = Date.UTC(2031, 0, 1);
const HOUR = 60 * 60 * 1000;

function isError(code: string, message: RegExp) {
  return (error: unknown) => {
    assert.ok(isUnyoError(error), String(error));
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  };
}

forEachStore("api tokens", (stores) => {
  async function setup(): Promise<{ tokens: TokenService; clock: ManualClock; store: Store }> {
    const store = await stores.open();
    const clock = new ManualClock(START);
    return { tokens: new TokenService(store.db, clock), clock, store };
  }

  test("create shows the token once and stores only its sha256", async () => {
    const { tokens, store } = await setup();
    const { token, record } = await tokens.create({ name: "ci", role: "operator" });
    assert.match(token, /^unyo_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(record, {
      id: record.id,
      name: "ci",
      userId: null,
      role: "operator",
      prefix: token.slice(0, 13),
      createdAt: START,
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
    });
    const raw = await store.db.selectFrom("api_tokens").selectAll().execute();
    assert.equal(raw.length, 1);
    assert.equal(raw[0]?.token_hash, hashToken(token));
    assert.match(raw[0]?.token_hash ?? "", /^[0-9a-f]{64}$/);
    const rawText = JSON.stringify(raw);
    assert.ok(!rawText.includes(token));
    assert.ok(!rawText.includes(token.slice(13)));

    const listed = await tokens.list();
    assert.deepEqual(listed, [record]);
    assert.ok(!JSON.stringify(listed).includes(raw[0]?.token_hash ?? "?"));
  });

  test("authenticate: known, unknown, malformed", async () => {
    const { tokens } = await setup();
    const { token, record } = await tokens.create({ name: "ci", role: "viewer" });
    assert.equal((await tokens.authenticate(token))?.id, record.id);
    assert.equal(
      await tokens.authenticate(`${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`),
      null,
    );
    assert.equal(await tokens.authenticate("unyo_' or '1'='1"), null);
    assert.equal(await tokens.authenticate(""), null);
  });

  test("tokens expire", async () => {
    const { tokens, clock } = await setup();
    const { token, record } = await tokens.create({
      name: "temp",
      role: "viewer",
      expiresInMs: HOUR,
    });
    assert.equal(record.expiresAt, START + HOUR);
    clock.advance(HOUR - 1);
    assert.ok(await tokens.authenticate(token));
    clock.advance(1);
    assert.equal(await tokens.authenticate(token), null);
    await assert.rejects(
      tokens.create({ name: "bad", role: "viewer", expiresInMs: -5 }),
      isError("UNYO_E_VALIDATION", /expiresInMs/),
    );
  });

  test("revoked tokens stop working; their name can be reused", async () => {
    const { tokens, clock } = await setup();
    const { token, record } = await tokens.create({ name: "ci", role: "admin" });
    await assert.rejects(
      tokens.create({ name: "ci", role: "viewer" }),
      isError("UNYO_E_VALIDATION", /already exists/),
    );
    clock.advance(10);
    const revoked = await tokens.revoke(record.id);
    assert.equal(revoked.revokedAt, START + 10);
    assert.equal((await tokens.revoke(record.id)).revokedAt, START + 10);
    assert.equal(await tokens.authenticate(token), null);
    const again = await tokens.create({ name: "ci", role: "viewer" });
    assert.ok(await tokens.authenticate(again.token));
    assert.equal((await tokens.list()).length, 2);
    await assert.rejects(tokens.revoke(9999), isError("UNYO_E_NOT_FOUND", /9999/));
  });

  test("last use is recorded at most once a minute", async () => {
    const { tokens, clock } = await setup();
    const { token, record } = await tokens.create({ name: "ci", role: "viewer" });
    const lastUsed = async () => (await tokens.list()).find((t) => t.id === record.id)?.lastUsedAt;
    clock.advance(1000);
    await tokens.authenticate(token);
    assert.equal(await lastUsed(), START + 1000);
    clock.advance(LAST_USED_RESOLUTION_MS - 1);
    const seen = await tokens.authenticate(token);
    assert.equal(seen?.lastUsedAt, START + 1000);
    assert.equal(await lastUsed(), START + 1000);
    clock.advance(1);
    await tokens.authenticate(token);
    assert.equal(await lastUsed(), START + 1000 + LAST_USED_RESOLUTION_MS);
  });

  test("user tokens: role capped by the user's, refused while the user is disabled", async () => {
    const { tokens, clock, store } = await setup();
    const users = new UserService(store.db, clock);
    const kim = await users.add({
      username: "kim",
      password: "Correct-Horse-42-battery",
      role: "operator",
    });
    await assert.rejects(
      tokens.create({ name: "too-high", role: "admin", userId: kim.id }),
      isError("UNYO_E_VALIDATION", /higher role/),
    );
    await assert.rejects(
      tokens.create({ name: "ghost", role: "viewer", userId: kim.id + 100 }),
      isError("UNYO_E_NOT_FOUND", /user/),
    );
    const { token } = await tokens.create({ name: "kim-cli", role: "operator", userId: kim.id });
    assert.equal((await tokens.authenticate(token))?.role, "operator");
    await users.setRole("kim", "viewer");
    assert.equal((await tokens.authenticate(token))?.role, "viewer");
    await users.disable("kim");
    assert.equal(await tokens.authenticate(token), null);
    await users.enable("kim");
    assert.ok(await tokens.authenticate(token));
  });

  test("invalid names and roles are refused", async () => {
    const { tokens } = await setup();
    for (const name of ["", " ", "a b", "x'; drop table api_tokens;--"]) {
      await assert.rejects(
        tokens.create({ name, role: "viewer" }),
        isError("UNYO_E_VALIDATION", /name/),
      );
    }
    await assert.rejects(
      // @ts-expect-error: a role that does not exist
      tokens.create({ name: "ok", role: "superuser" }),
      isError("UNYO_E_VALIDATION", /role/),
    );
    assert.deepEqual(await tokens.list(), []);
  });
});
