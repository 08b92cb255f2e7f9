/**
 * Issue 6: "killing Unyo with SIGKILL mid-delivery and restarting delivers what was pending".
 * A real child process claims a notification and hangs in the webhook call; it is SIGKILLed;
 * an Outbox started afterwards on the same database delivers it once the lease runs out.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { systemClock } from "../../src/core/clock.ts";
import { webhookChannel } from "../../src/notify/channels/webhook.ts";
import { Outbox } from "../../src/notify/outbox.ts";
import { forEachStore } from "../helpers/stores.ts";
import { receiver } from "./helpers.ts";

const child = fileURLToPath(new URL("./fixtures/outbox-child.ts", import.meta.url));

forEachStore("notification outbox after SIGKILL", (stores) => {
  test("a notification claimed by a killed process is delivered after a restart", async () => {
    // The first request hangs (the process dies during it); later ones are answered.
    const hook = await receiver((_req, n, res) => {
      if (n > 0) res.end("ok");
    });
    const config = await stores.freshConfig();
    const proc = spawn(process.execPath, [child, JSON.stringify(config), hook.url], {
      stdio: ["ignore", "inherit", "inherit"],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      proc.on("exit", (_code, signal) => resolve(signal)),
    );
    await hook.waitFor(1);
    proc.kill("SIGKILL");
    assert.equal(await exited, "SIGKILL");
    const killedAt = performance.now();

    const store = await stores.open(config);
    const row = await store.db
      .selectFrom("notification_outbox")
      .select(["id", "state"])
      .executeTakeFirstOrThrow();
    assert.equal(row.state, "sending", "the killed process left the row mid-delivery");

    const outbox = new Outbox({
      db: store.db,
      clock: systemClock,
      channels: [webhookChannel({ id: "hook", url: hook.url })],
      attemptTimeoutMs: 1000,
      leaseMs: 1500,
      pollMs: 100,
    });
    outbox.start();
    try {
      await hook.waitFor(2);
      const waited = performance.now() - killedAt;
      assert.ok(waited < 3000, `redelivered ${Math.round(waited)} ms after the kill`);
      await outbox.idle();
    } finally {
      await outbox.stop();
    }
    assert.deepEqual(
      hook.received.map((r) => r.headers["x-unyo-idempotency-key"]),
      ["crash-test:hook", "crash-test:hook"],
    );
    const entry = await outbox.get(Number(row.id));
    assert.deepEqual([entry?.state, entry?.attempts], ["sent", 2]);
    const attempts = await outbox.attempts(Number(row.id));
    assert.deepEqual(
      attempts.map((a) => [a.ok, a.error?.slice(0, 40) ?? null]),
      [
        [false, "the previous attempt never reported back"],
        [true, null],
      ],
    );
  });
});
