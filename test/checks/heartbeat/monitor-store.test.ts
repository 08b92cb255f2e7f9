import assert from "node:assert/strict";
import { test } from "node:test";
import { HeartbeatStore, KEEP_PINGS } from "../../../src/checks/heartbeat/ping-store.ts";
import { PING_KEY_PATTERN } from "../../../src/checks/heartbeat/schema.ts";
import { ManualClock, systemClock } from "../../../src/core/clock.ts";
import { isUnyoError } from "../../../src/core/errors.ts";
import { forEachStore } from "../../helpers/stores.ts";
import { check, HOUR, harness, keyOf, started, T0 } from "./harness.ts";

forEachStore("heartbeat monitor persistence", (stores) => {
  test("generated keys are stored and stable across restarts; a configured key wins", async () => {
    const store = await stores.open();
    const clock = new ManualClock(T0);
    const first = await started(store, clock, [check("a", { period: "1h" })]);
    const generated = keyOf(first.monitor, "a");
    assert.match(generated, PING_KEY_PATTERN);
    first.monitor.stop();

    const second = await started(store, clock, [check("a", { period: "1h" })]);
    assert.equal(second.monitor.keyOf("a"), generated);
    assert.deepEqual(await second.monitor.ping({ key: generated, kind: "success" }), {
      checkId: "a",
    });

    const configured = "configured-key-0123456789";
    await second.monitor.apply([check("a", { period: "1h", key: configured })]);
    assert.equal(second.monitor.keyOf("a"), configured);
    assert.equal(await second.monitor.ping({ key: generated, kind: "success" }), null);
    assert.deepEqual(await second.monitor.ping({ key: configured, kind: "success" }), {
      checkId: "a",
    });
    const stored = await store.db.selectFrom("heartbeat_keys").selectAll().execute();
    assert.deepEqual(stored, [], "a configured key is not stored");

    await second.monitor.apply([check("a", { period: "1h" })]);
    const fresh = keyOf(second.monitor, "a");
    assert.ok(fresh !== generated && fresh !== configured);
    await second.monitor.apply([]);
    assert.equal(second.monitor.keyOf("a"), undefined);
    assert.equal(await second.monitor.ping({ key: fresh, kind: "success" }), null);
    assert.ok(second.logLines.every((line) => !line.includes(fresh) && !line.includes(generated)));
    second.monitor.stop();
  });

  test("two checks with one configured key are refused", async () => {
    const store = await stores.open();
    const { monitor } = harness(store, new ManualClock(T0));
    const key = "same-key-for-both-0123";
    await assert.rejects(
      monitor.apply([check("a", { period: "1h", key }), check("b", { period: "1h", key })]),
      (error) => isUnyoError(error) && error.code === "UNYO_E_CONFIG_INVALID",
    );
  });

  test("state survives a restart: deadlines missed meanwhile are reported at once", async () => {
    const config = await stores.freshConfig();
    const store = await stores.open(config);
    const clock = new ManualClock(T0);
    const checks = [
      check("missed", { period: "1h" }),
      check("running", { period: "1d" }),
      check("failed", { period: "1h" }),
    ];
    const first = await started(store, clock, checks);
    await first.monitor.ping({ key: keyOf(first.monitor, "missed"), kind: "success" });
    await first.monitor.ping({ key: keyOf(first.monitor, "running"), kind: "start" });
    await first.monitor.ping({ key: keyOf(first.monitor, "failed"), kind: "fail" });
    first.monitor.stop();

    const later = new ManualClock(T0 + 2 * HOUR);
    const second = await started(store, later, checks);
    assert.deepEqual(
      second.results.map((r) => [r.checkId, r.at, r.state, r.message]),
      [
        [
          "missed",
          T0 + 2 * HOUR,
          "down",
          "no ping since 2026-01-10T00:00:00+00:00; expected by 2026-01-10T01:00:00+00:00, grace 5m",
        ],
        [
          "running",
          T0 + 2 * HOUR,
          "down",
          "started at 2026-01-10T00:00:00+00:00, no finish within 5m",
        ],
      ],
    );
    assert.equal(second.monitor.expectedAt("missed"), T0 + HOUR);
    second.monitor.stop();
  });

  test("bodies are kept up to max_body bytes, whole characters, without NUL", async () => {
    const store = await stores.open();
    const clock = new ManualClock(T0);
    const { monitor } = await started(store, clock, [
      check("job", { period: "1h", max_body: "10B" }),
    ]);
    const key = keyOf(monitor, "job");
    await monitor.ping({ key, kind: "success", body: "12345\u00006789é and more" });
    await monitor.ping({ key, kind: "success", body: "short" });
    await monitor.ping({ key, kind: "success" });
    const rows = await store.db
      .selectFrom("heartbeat_pings")
      .select("body")
      .orderBy("id")
      .execute();
    assert.deepEqual(
      rows.map((r) => r.body),
      ["123456789", "short", null],
    );
    monitor.stop();
  });

  test("old pings are pruned to the newest KEEP_PINGS per check", async () => {
    const store = await stores.open();
    const row = (checkId: string, at: number) => ({
      check_id: checkId,
      at,
      kind: "success" as const,
    });
    const rows = Array.from({ length: KEEP_PINGS + 50 }, (_, i) => row("busy", i));
    await store.db.insertInto("heartbeat_pings").values(rows).execute();
    await store.db.insertInto("heartbeat_pings").values(row("quiet", 1)).execute();
    await new HeartbeatStore(store.db, systemClock).prune("busy");
    const left = await store.db
      .selectFrom("heartbeat_pings")
      .select([
        "check_id",
        (eb) => eb.fn.countAll<number>().as("n"),
        (eb) => eb.fn.min("at").as("first"),
      ])
      .groupBy("check_id")
      .orderBy("check_id")
      .execute();
    assert.deepEqual(
      left.map((r) => [r.check_id, Number(r.n), Number(r.first)]),
      [
        ["busy", KEEP_PINGS, 50],
        ["quiet", 1, 1],
      ],
    );
  });
});
