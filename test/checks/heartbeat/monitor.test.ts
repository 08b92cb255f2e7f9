import assert from "node:assert/strict";
import { test } from "node:test";
import { type Clock, ManualClock, systemClock } from "../../../src/core/clock.ts";
import { forEachStore } from "../../helpers/stores.ts";
import { check, HOUR, keyOf, MIN, started, T0 } from "./harness.ts";

forEachStore("heartbeat monitor", (stores) => {
  test("period: up on a ping, late at ping + period, down after grace, up again", async () => {
    const store = await stores.open();
    const clock = new ManualClock(T0);
    const { monitor, results } = await started(store, clock, [check("batch", { period: "1h" })]);
    const key = keyOf(monitor, "batch");
    assert.equal(monitor.expectedAt("batch"), T0 + HOUR);

    clock.advance(10 * MIN);
    assert.deepEqual(await monitor.ping({ key, kind: "success" }), { checkId: "batch" });
    assert.deepEqual(results.pop(), {
      checkId: "batch",
      at: T0 + 10 * MIN,
      state: "up",
      ok: true,
      durationMs: 0,
      message: null,
    });
    assert.equal(monitor.expectedAt("batch"), T0 + 70 * MIN);

    clock.advance(HOUR - 1);
    assert.equal(results.length, 0);
    clock.advance(1);
    assert.deepEqual(results.pop(), {
      checkId: "batch",
      at: T0 + 70 * MIN,
      state: "late",
      ok: false,
      durationMs: 0,
      message: "expected a ping at 2026-01-10T01:10:00+00:00 (every 1h)",
    });
    clock.advance(5 * MIN - 1);
    assert.equal(results.length, 0);
    clock.advance(1);
    const down = results.pop();
    assert.equal(down?.at, T0 + 75 * MIN);
    assert.equal(down?.state, "down");
    assert.equal(
      down?.message,
      "no ping since 2026-01-10T00:10:00+00:00; expected by 2026-01-10T01:10:00+00:00, grace 5m",
    );
    clock.advance(10 * HOUR);
    assert.equal(results.length, 0, "a missed deadline is reported once");

    await monitor.ping({ key, kind: "success" });
    assert.equal(results.pop()?.state, "up");
    assert.equal(monitor.expectedAt("batch"), clock.now() + HOUR);
    monitor.stop();
  });

  test('schedule "0 2 * * *" in Asia/Tokyo: late at 02:00 JST, down at 02:05', async () => {
    const store = await stores.open();
    const start = Date.UTC(2026, 0, 10, 3, 0); // 12:00 JST
    const clock = new ManualClock(start);
    const { monitor, results } = await started(store, clock, [
      check("nightly", { schedule: "0 2 * * *", timezone: "Asia/Tokyo" }, "UTC"),
      check("nightly-top", { schedule: "0 2 * * *" }, "Asia/Tokyo"),
    ]);
    const due = Date.UTC(2026, 0, 10, 17, 0); // 2026-01-11 02:00 JST
    assert.equal(monitor.expectedAt("nightly"), due);
    assert.equal(monitor.expectedAt("nightly-top"), due);

    clock.advance(due - start - 1);
    assert.equal(results.length, 0);
    clock.advance(1);
    assert.deepEqual(
      results.map((r) => [r.checkId, r.at, r.state, r.message]),
      ["nightly", "nightly-top"].map((id) => [
        id,
        due,
        "late",
        'expected a ping at 2026-01-11T02:00:00+09:00 (schedule "0 2 * * *" in Asia/Tokyo)',
      ]),
    );
    results.length = 0;
    clock.advance(5 * MIN);
    assert.deepEqual(
      results.map((r) => [r.at, r.state, r.message]),
      Array(2).fill([
        due + 5 * MIN,
        "down",
        "no ping yet (watching since 2026-01-10T12:00:00+09:00); expected by 2026-01-11T02:00:00+09:00, grace 5m",
      ]),
    );
    clock.advance(2 * MIN);
    await monitor.ping({ key: keyOf(monitor, "nightly"), kind: "success" });
    assert.equal(results.at(-1)?.state, "up");
    assert.equal(monitor.expectedAt("nightly"), due + 24 * HOUR);
    monitor.stop();
  });

  test("a start without a finish within grace is down", async () => {
    const store = await stores.open();
    const clock = new ManualClock(T0);
    const { monitor, results } = await started(store, clock, [check("job", { period: "1d" })]);
    const key = keyOf(monitor, "job");
    await monitor.ping({ key, kind: "start", runId: "run-7" });
    assert.equal(results.length, 0);
    clock.advance(5 * MIN - 1);
    assert.equal(results.length, 0);
    clock.advance(1);
    assert.deepEqual(results.pop(), {
      checkId: "job",
      at: T0 + 5 * MIN,
      state: "down",
      ok: false,
      durationMs: 0,
      message: "started at 2026-01-10T00:00:00+00:00 (run run-7), no finish within 5m",
    });
    clock.advance(2 * MIN);
    await monitor.ping({ key, kind: "success", runId: "run-7" });
    assert.deepEqual([results[0]?.state, results[0]?.durationMs], ["up", 7 * MIN]);
    monitor.stop();
  });

  test("run ids pair starts with finishes; without one the latest open run is meant", async () => {
    const store = await stores.open();
    const clock = new ManualClock(T0);
    const { monitor, results } = await started(store, clock, [check("job", { period: "1d" })]);
    const key = keyOf(monitor, "job");
    await monitor.ping({ key, kind: "start", runId: "a" });
    clock.advance(MIN);
    await monitor.ping({ key, kind: "start", runId: "b" });
    clock.advance(2 * MIN);
    await monitor.ping({ key, kind: "success", runId: "a" });
    clock.advance(MIN);
    await monitor.ping({ key, kind: "success" });
    assert.deepEqual(
      results.map((r) => [r.state, r.ok, r.durationMs]),
      [
        ["up", true, 3 * MIN],
        ["up", true, 3 * MIN],
      ],
    );
    const rows = await store.db
      .selectFrom("heartbeat_pings")
      .select(["kind", "run_id", "duration_ms", "source_ip"])
      .orderBy("id")
      .execute();
    assert.deepEqual(
      rows.map((r) => [r.kind, r.run_id, r.duration_ms]),
      [
        ["start", "a", null],
        ["start", "b", null],
        ["success", "a", 3 * MIN],
        ["success", null, 3 * MIN],
      ],
    );
    clock.advance(HOUR);
    assert.equal(results.length, 2, "no run is left open");
    monitor.stop();
  });

  test("fail and a non-zero exit code are down with the code and the body's first line", async () => {
    const store = await stores.open();
    const clock = new ManualClock(T0);
    const { monitor, results } = await started(store, clock, [check("job", { period: "1h" })]);
    const key = keyOf(monitor, "job");
    await monitor.ping({ key, kind: "fail", body: "\n  disk full on /var  \nretrying failed\n" });
    await monitor.ping({ key, kind: "exit", exitCode: 3, sourceIp: "10.0.0.5" });
    await monitor.ping({ key, kind: "exit", exitCode: 3, body: "backup: timeout" });
    await monitor.ping({ key, kind: "exit", exitCode: 0 });
    assert.deepEqual(
      results.map((r) => [r.state, r.ok, r.message]),
      [
        ["down", false, "the job reported failure: disk full on /var"],
        ["down", false, "the job exited with code 3"],
        ["down", false, "the job exited with code 3: backup: timeout"],
        ["up", true, null],
      ],
    );
    const rows = await store.db
      .selectFrom("heartbeat_pings")
      .select(["kind", "exit_code", "source_ip"])
      .orderBy("id")
      .execute();
    assert.deepEqual(rows[1], { kind: "exit", exit_code: 3, source_ip: "10.0.0.5" });
    assert.deepEqual(rows[0], { kind: "fail", exit_code: null, source_ip: null });
    monitor.stop();
  });

  test("an unknown key is null; pings of one check are handled in arrival order", async () => {
    const store = await stores.open();
    const clock = new ManualClock(T0);
    const { monitor, results } = await started(store, clock, [check("job", { period: "1h" })]);
    assert.equal(await monitor.ping({ key: "x".repeat(32), kind: "success" }), null);
    const key = keyOf(monitor, "job");
    const kinds = ["start", "fail", "start", "success", "start", "exit"] as const;
    await Promise.all(kinds.map((kind) => monitor.ping({ key, kind, exitCode: 1 })));
    const rows = await store.db
      .selectFrom("heartbeat_pings")
      .select("kind")
      .orderBy("id")
      .execute();
    assert.deepEqual(
      rows.map((r) => r.kind),
      [...kinds],
    );
    assert.deepEqual(
      results.map((r) => r.state),
      ["down", "up", "down"],
    );
    monitor.stop();
  });

  test("one timer for all checks, none left after stop; real timers are unref'd", async () => {
    const store = await stores.open();
    const manual = new ManualClock(T0);
    let live = 0;
    let most = 0;
    const counting: Clock = {
      now: () => manual.now(),
      setTimer(ms, fn) {
        live += 1;
        most = Math.max(most, live);
        let done = false;
        const settle = () => {
          if (!done) live -= 1;
          done = true;
        };
        const cancel = manual.setTimer(ms, () => {
          settle();
          fn();
        });
        return () => {
          settle();
          cancel();
        };
      },
    };
    const checks = Array.from({ length: 30 }, (_, i) => check(`c${i}`, { period: `${i + 1}m` }));
    const { monitor, results } = await started(store, counting, checks);
    for (const id of ["c3", "c7", "c20"]) {
      await monitor.ping({ key: keyOf(monitor, id), kind: "start" });
    }
    manual.advance(HOUR);
    assert.equal(results.filter((r) => r.state === "down").length, 30);
    assert.equal(most, 1);
    await monitor.apply(checks.slice(0, 5));
    await monitor.ping({ key: keyOf(monitor, "c1"), kind: "success" });
    assert.equal(live, 1);
    monitor.stop();
    assert.equal(live, 0);

    const before = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const real = await started(store, systemClock, [check("real", { period: "1h" })]);
    const during = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    real.monitor.stop();
    assert.equal(during, before, "the heartbeat timer does not keep Node running");
  });
});
