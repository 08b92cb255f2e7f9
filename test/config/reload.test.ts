import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { startTestUnyo } from "../helpers/unyo.ts";

const ONE_CHECK = `checks:
  - { id: first, http: { url: /api/health }, every: 1h }
`;
const TWO_CHECKS = `${ONE_CHECK}  - { id: second, http: { url: /api/health }, every: 1h }
server: { log_level: debug, port: 9999 }
`;

async function status(t: Awaited<ReturnType<typeof startTestUnyo>>) {
  return (await t.inject({ method: "GET", url: "/api/v1/status" })).json();
}

describe("config reload", () => {
  test("a valid config applies without restart; restart-only keys are reported", async () => {
    const t = await startTestUnyo(ONE_CHECK);
    try {
      const before = await status(t);
      t.writeConfig(TWO_CHECKS);
      const attempt = await t.unyo.reload("test");
      assert.equal(attempt.outcome, "applied");
      assert.deepEqual(attempt.restartRequired, ["server.port"]);
      const after = await status(t);
      assert.notEqual(after.config.revision, before.config.revision);
      assert.equal(after.checks.total, 2);
      assert.deepEqual(
        t.unyo.runtime.checks.list().map((c) => c.config.id),
        ["first", "second"],
      );
      assert.equal(t.unyo.runtime.log.level, "debug");
      const rows = await t.store.db.selectFrom("config_revisions").selectAll().execute();
      assert.deepEqual(
        rows.map((r) => r.outcome),
        ["applied", "applied"],
      );
    } finally {
      await t.close();
    }
  });

  test("an invalid config keeps the old one running, logs the errors and shows them in status", async () => {
    const t = await startTestUnyo(ONE_CHECK);
    try {
      const revision = (await status(t)).config.revision;
      t.writeConfig("checks:\n  - { id: first, http: { url: /api/health }, every: soon }\n");
      const attempt = await t.unyo.reload("test");
      assert.equal(attempt.outcome, "rejected");
      const s = await status(t);
      assert.equal(s.config.revision, revision, "the old config must keep running");
      assert.equal(s.config.valid, false);
      assert.equal(s.config.errors.length, 1);
      assert.equal(s.config.errors[0].path, "checks[0].every");
      assert.equal(s.config.errors[0].line, 2);
      assert.equal(s.config.last_reload.outcome, "rejected");
      assert.equal(t.unyo.runtime.checks.get("first")?.config.every, 3_600_000);
      const logged = t.logs().find((l) => String(l.message).startsWith("config reload rejected"));
      assert.ok(logged, "the rejection is logged");
      assert.equal(logged.level, "ERROR");
      const rejected = await t.store.db
        .selectFrom("config_revisions")
        .selectAll()
        .where("outcome", "=", "rejected")
        .execute();
      assert.equal(rejected.length, 1);
      assert.match(rejected[0]?.errors ?? "", /checks\[0\]\.every/);

      // Fixing the file clears the errors.
      t.writeConfig(ONE_CHECK);
      const fixed = await t.unyo.reload("test");
      assert.equal(fixed.outcome, "unchanged");
      assert.equal((await status(t)).config.valid, true);
    } finally {
      await t.close();
    }
  });

  test("a log level from UNYO_LOG_LEVEL survives reloads", async () => {
    const t = await startTestUnyo(ONE_CHECK, { logLevelOverride: "error" });
    try {
      t.writeConfig(TWO_CHECKS); // sets server.log_level: debug
      assert.equal((await t.unyo.reload("test")).outcome, "applied");
      assert.equal(t.unyo.runtime.log.level, "error");
    } finally {
      await t.close();
    }
  });

  test("saving the file triggers a reload", async () => {
    const t = await startTestUnyo(ONE_CHECK);
    try {
      t.writeConfig(TWO_CHECKS);
      const deadline = Date.now() + 5000;
      while (t.unyo.runtime.checks.list().length !== 2) {
        if (Date.now() > deadline) assert.fail("the file change was not picked up within 5 s");
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(t.unyo.runtime.config.status().lastAttempt?.outcome, "applied");
    } finally {
      await t.close();
    }
  });
});
