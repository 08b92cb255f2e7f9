import assert from "node:assert/strict";
import { test } from "node:test";
import { ManualClock } from "../../src/core/clock.ts";
import type { Channel, SendResult } from "../../src/notify/channel.ts";
import { webhookChannel } from "../../src/notify/channels/webhook.ts";
import { backoffDelay, type FailedNotification, Outbox } from "../../src/notify/outbox.ts";
import type { NotificationMessage } from "../../src/notify/render.ts";
import { forEachStore } from "../helpers/stores.ts";
import { receiver, sampleMessage } from "./helpers.ts";

const T0 = Date.UTC(2026, 0, 11, 2, 0);

/** A channel of our own that answers as scripted and records every call. */
function scripted(id: string, answer: (n: number) => SendResult | Promise<SendResult>) {
  const calls: Array<{ message: NotificationMessage; key: string; signal: AbortSignal }> = [];
  const channel: Channel = {
    id,
    async send(message, ctx) {
      calls.push({ message, key: ctx.idempotencyKey, signal: ctx.signal });
      return answer(calls.length - 1);
    },
  };
  return { channel, calls };
}

/** A promise to resolve by hand, and a way to know the channel got there. */
function gate<T>() {
  let open: (value: T) => void = () => {};
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

test("backoffDelay doubles up to the cap and jitter only shortens", () => {
  const options = { initialMs: 1000, maxMs: 10_000, jitter: 0.2 };
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, options, 0)),
    [1000, 2000, 4000, 8000, 10_000, 10_000],
  );
  assert.equal(backoffDelay(1, options, 0.5), 900);
  assert.equal(backoffDelay(4, options, 0.999_999), 6400);
});

forEachStore("notification outbox", (stores) => {
  test("enqueueing the same key twice keeps one row and sends once", async () => {
    const store = await stores.open();
    const clock = new ManualClock(T0);
    const { channel, calls } = scripted("hook", () => ({ ok: true, status: 200 }));
    const outbox = new Outbox({ db: store.db, clock, channels: [channel] });
    const first = await outbox.enqueue({
      key: "g1:hook",
      channel: "hook",
      message: sampleMessage(),
    });
    const again = await outbox.enqueue({
      key: "g1:hook",
      channel: "hook",
      message: sampleMessage({ title: "changed" }),
    });
    assert.deepEqual([first.created, again.created, again.id], [true, false, first.id]);
    const rows = await store.db.selectFrom("notification_outbox").selectAll().execute();
    assert.equal(rows.length, 1);

    outbox.start();
    await outbox.idle();
    await outbox.enqueue({ key: "g1:hook", channel: "hook", message: sampleMessage() });
    await outbox.idle();
    await outbox.stop();
    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.message.title, "API health check is down");
    assert.equal(calls[0]?.key, "g1:hook");
    const entry = await outbox.get(first.id);
    assert.deepEqual(
      [entry?.state, entry?.attempts, entry?.sentAt, entry?.lastError],
      ["sent", 1, T0, null],
    );
    assert.deepEqual(await outbox.attempts(first.id), [
      {
        at: T0,
        durationMs: (await outbox.attempts(first.id))[0]?.durationMs,
        ok: true,
        status: 200,
        error: null,
      },
    ]);
  });

  test("enqueueMany inserts new keys together and reports which already existed", async () => {
    const store = await stores.open();
    const { channel } = scripted("hook", () => ({ ok: true }));
    const outbox = new Outbox({ db: store.db, clock: new ManualClock(T0), channels: [channel] });
    const [old] = await outbox.enqueueMany([
      { key: "a", channel: "hook", message: sampleMessage() },
    ]);
    const results = await outbox.enqueueMany(
      ["a", "b", "c", "b"].map((key) => ({ key, channel: "hook", message: sampleMessage() })),
    );
    assert.deepEqual(
      results.map((r) => r.created),
      [false, true, true, false],
    );
    assert.equal(results[0]?.id, old?.id);
    assert.equal(results[3]?.id, results[1]?.id);
    // Single enqueues made in one turn share a statement and get the same answers.
    const single = await Promise.all(
      ["c", "d", "d"].map((key) =>
        outbox.enqueue({ key, channel: "hook", message: sampleMessage() }),
      ),
    );
    assert.deepEqual(
      single.map((r) => [r.id, r.created]),
      [
        [results[2]?.id, false],
        [single[1]?.id, true],
        [single[1]?.id, false],
      ],
    );
    const rows = await store.db
      .selectFrom("notification_outbox")
      .select("idempotency_key")
      .execute();
    assert.deepEqual(rows.map((r) => r.idempotency_key).sort(), ["a", "b", "c", "d"]);
    await assert.rejects(
      outbox.enqueue({ key: "x", channel: "nope", message: sampleMessage() }),
      /unknown notification channel "nope"/,
    );
  });

  test("failures are retried at exponentially growing times on the clock", async () => {
    const store = await stores.open();
    const clock = new ManualClock(T0);
    const { channel, calls } = scripted("hook", (n) =>
      n < 3 ? { ok: false, status: 503, error: `down ${n}` } : { ok: true, status: 200 },
    );
    const outbox = new Outbox({
      db: store.db,
      clock,
      channels: [channel],
      backoff: { initialMs: 1000, maxMs: 60_000, jitter: 0.2 },
      random: () => 0.5,
    });
    outbox.start();
    const { id } = await outbox.enqueue({ key: "k", channel: "hook", message: sampleMessage() });
    await outbox.idle();

    const expectedWaits = [900, 1800, 3600]; // 1 s, 2 s, 4 s, each shortened by 10 % jitter
    for (const [i, wait] of expectedWaits.entries()) {
      assert.equal(calls.length, i + 1);
      const entry = await outbox.get(id);
      assert.deepEqual([entry?.state, entry?.nextAttemptAt], ["pending", clock.now() + wait]);
      assert.equal(entry?.lastError, `down ${i}`);
      clock.advance(wait - 1);
      await outbox.idle();
      assert.equal(calls.length, i + 1, `not before ${wait} ms`);
      clock.advance(1);
      await outbox.idle();
    }
    await outbox.stop();
    assert.equal(calls.length, 4);
    assert.equal((await outbox.get(id))?.state, "sent");
    assert.deepEqual(
      (await outbox.attempts(id)).map((a) => [a.at - T0, a.ok, a.status, a.error]),
      [
        [0, false, 503, "down 0"],
        [900, false, 503, "down 1"],
        [2700, false, 503, "down 2"],
        [6300, true, 200, null],
      ],
    );
  });

  test("after maxAttempts the row is failed and onFailed fires once", async () => {
    const store = await stores.open();
    const clock = new ManualClock(T0);
    const failed: FailedNotification[] = [];
    const { channel, calls } = scripted("hook", () => ({ ok: false, error: "refused" }));
    const outbox = new Outbox({
      db: store.db,
      clock,
      channels: [channel],
      maxAttempts: 3,
      backoff: { initialMs: 1000, jitter: 0 },
      onFailed: (f) => {
        failed.push(f);
      },
    });
    outbox.start();
    const { id } = await outbox.enqueue({ key: "k", channel: "hook", message: sampleMessage() });
    for (let i = 0; i < 5; i++) {
      await outbox.idle();
      clock.advance(10_000);
    }
    await outbox.idle();
    await outbox.stop();
    assert.equal(calls.length, 3);
    const entry = await outbox.get(id);
    assert.deepEqual([entry?.state, entry?.attempts, entry?.lastError], ["failed", 3, "refused"]);
    assert.equal(failed.length, 1);
    assert.deepEqual(
      { ...failed[0], message: failed[0]?.message?.title },
      {
        id,
        key: "k",
        channel: "hook",
        message: "API health check is down",
        attempts: 3,
        error: "refused",
      },
    );
  });

  test("a non-retryable failure fails at once; a throwing channel is retried", async () => {
    const store = await stores.open();
    const clock = new ManualClock(T0);
    const failed: FailedNotification[] = [];
    const bad = scripted("bad", () => ({ ok: false, retryable: false, error: "invalid URL" }));
    const buggy = scripted("buggy", () => {
      throw new Error("boom");
    });
    const outbox = new Outbox({
      db: store.db,
      clock,
      channels: [bad.channel, buggy.channel],
      onFailed: (f) => {
        failed.push(f);
      },
    });
    outbox.start();
    const a = await outbox.enqueue({ key: "a", channel: "bad", message: sampleMessage() });
    const b = await outbox.enqueue({ key: "b", channel: "buggy", message: sampleMessage() });
    await outbox.idle();
    await outbox.stop();
    assert.equal((await outbox.get(a.id))?.state, "failed");
    assert.deepEqual(
      failed.map((f) => [f.key, f.error]),
      [["a", "invalid URL"]],
    );
    const buggyEntry = await outbox.get(b.id);
    assert.deepEqual(
      [buggyEntry?.state, buggyEntry?.lastError],
      ["pending", "channel error: boom"],
    );
  });

  test("a row left 'sending' by a dead process is delivered again after its lease", async () => {
    const config = await stores.freshConfig();
    const storeA = await stores.open(config);
    const storeB = await stores.open(config);
    // Each instance has its own clock: instance A never sees time pass again (it "died").
    const clockA = new ManualClock(T0);
    const clockB = new ManualClock(T0);
    const hung = gate<SendResult>();
    const reached = gate<void>();
    const a = scripted("hook", () => {
      reached.open();
      return hung.promise;
    });
    const outboxA = new Outbox({
      db: storeA.db,
      clock: clockA,
      channels: [a.channel],
      leaseMs: 60_000,
    });
    outboxA.start();
    const { id } = await outboxA.enqueue({ key: "k", channel: "hook", message: sampleMessage() });
    await reached.promise;
    assert.equal((await outboxA.get(id))?.state, "sending");

    const b = scripted("hook", () => ({ ok: true, status: 200 }));
    const outboxB = new Outbox({
      db: storeB.db,
      clock: clockB,
      channels: [b.channel],
      leaseMs: 60_000,
    });
    outboxB.start();
    await outboxB.idle();
    clockB.advance(59_999);
    await outboxB.idle();
    assert.equal(b.calls.length, 0, "not while the lease holds");
    clockB.advance(1);
    await outboxB.idle();
    assert.equal(b.calls.length, 1);
    assert.equal(b.calls[0]?.key, "k");
    let entry = await outboxB.get(id);
    assert.deepEqual([entry?.state, entry?.attempts], ["sent", 2]);

    // The "dead" attempt comes back late: its result must not overwrite the newer claim's.
    hung.open({ ok: false, error: "late failure" });
    await outboxA.idle();
    await outboxA.stop();
    await outboxB.stop();
    entry = await outboxB.get(id);
    assert.deepEqual([entry?.state, entry?.attempts, entry?.lastError], ["sent", 2, null]);
    const attempts = await outboxB.attempts(id);
    // Oldest first: A's attempt (started at T0), then B's note and B's delivery.
    assert.deepEqual(
      attempts.map((x) => [x.at - T0, x.ok, x.error?.replace(/ \(Unyo.*/, "")]),
      [
        [0, false, "late failure (too late: the row was claimed again)"],
        [60_000, false, "the previous attempt never reported back"],
        [60_000, true, undefined],
      ],
    );
  });

  test("stop() interrupts attempts in flight; their rows are due again at once", async () => {
    const store = await stores.open();
    const clock = new ManualClock(T0);
    const reached = gate<void>();
    const { channel, calls } = scripted("hook", () => {
      reached.open();
      return new Promise<SendResult>(() => {}); // ignores its signal, never settles
    });
    const outbox = new Outbox({ db: store.db, clock, channels: [channel] });
    outbox.start();
    const { id } = await outbox.enqueue({ key: "k", channel: "hook", message: sampleMessage() });
    await reached.promise;
    await outbox.stop();
    assert.equal(calls[0]?.signal.aborted, true);
    const entry = await outbox.get(id);
    assert.deepEqual(
      [entry?.state, entry?.nextAttemptAt, entry?.lastError],
      ["pending", T0, "interrupted by shutdown"],
    );
  });

  test("two instances on one database never send a row twice", async () => {
    const config = await stores.freshConfig();
    const [s1, s2] = [await stores.open(config), await stores.open(config)];
    const sent = new Map<string, number>();
    const count = (key: string) => sent.set(key, (sent.get(key) ?? 0) + 1);
    const make = (db: typeof s1.db) =>
      new Outbox({
        db,
        clock: new ManualClock(T0),
        channels: [
          {
            id: "hook",
            async send(_m, ctx) {
              count(ctx.idempotencyKey);
              await new Promise((r) => setImmediate(r));
              return { ok: true };
            },
          },
        ],
      });
    const [o1, o2] = [make(s1.db), make(s2.db)];
    for (let i = 0; i < 300; i++)
      await o1.enqueue({ key: `k${i}`, channel: "hook", message: sampleMessage() });
    o1.start();
    o2.start();
    await Promise.all([o1.idle(), o2.idle()]);
    await Promise.all([o1.idle(), o2.idle()]);
    await Promise.all([o1.stop(), o2.stop()]);
    assert.equal(sent.size, 300);
    assert.deepEqual([...new Set(sent.values())], [1]);
  });

  for (const mode of ["one by one", "in batches of 50"] as const) {
    test(`delivers at least 500 notifications/s to a local webhook (enqueued ${mode})`, async () => {
      const store = await stores.open();
      const hook = await receiver();
      const outbox = new Outbox({
        db: store.db,
        clock: new ManualClock(T0),
        channels: [webhookChannel({ id: "hook", url: hook.url, secret: "k" })],
      });
      outbox.start();
      const total = 2000;
      const item = (n: number) => ({ key: `n${n}`, channel: "hook", message: sampleMessage() });
      const started = performance.now();
      for (let i = 0; i < total; i += 50) {
        const batch = Array.from({ length: 50 }, (_, j) => item(i + j));
        if (mode === "in batches of 50") await outbox.enqueueMany(batch);
        else await Promise.all(batch.map((one) => outbox.enqueue(one)));
      }
      await hook.waitFor(total);
      await outbox.idle();
      const seconds = (performance.now() - started) / 1000;
      await outbox.stop();
      const rate = total / seconds;
      const sentRows = await store.db
        .selectFrom("notification_outbox")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("state", "=", "sent")
        .executeTakeFirstOrThrow();
      assert.equal(Number(sentRows.n), total);
      const keys = new Set(hook.received.map((r) => r.headers["x-unyo-idempotency-key"]));
      assert.equal(keys.size, total);
      console.log(`# outbox throughput [${stores.kind}, ${mode}]: ${Math.round(rate)}/s`);
      assert.ok(rate >= 500, `${Math.round(rate)}/s`);
    });
  }
});
