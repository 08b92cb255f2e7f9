import assert from "node:assert/strict";
import { createHmac, timingSafeEqual } from "node:crypto";
import { after, describe, test } from "node:test";
import { ManualClock } from "../../src/core/clock.ts";
import { webhookChannel } from "../../src/notify/channels/webhook.ts";
import { Outbox } from "../../src/notify/outbox.ts";
import { openStore, type Store } from "../../src/store/store.ts";
import { receiver, sampleMessage } from "./helpers.ts";

const stores: Store[] = [];
after(() => Promise.all(stores.map((s) => s.close())));
async function memoryStore(): Promise<Store> {
  const store = await openStore({ kind: "sqlite", path: ":memory:" });
  stores.push(store);
  return store;
}

const ctx = (key = "alert-1:hook") => ({
  signal: new AbortController().signal,
  idempotencyKey: key,
});

describe("webhook channel", () => {
  test("POSTs the message as JSON, signed with HMAC-SHA256 of the exact body", async () => {
    const hook = await receiver();
    const channel = webhookChannel({ id: "hook", url: hook.url, secret: "s3cret" });
    const result = await channel.send(sampleMessage(), ctx("group-7:hook:1"));
    assert.deepEqual(result, { ok: true, status: 200 });

    const [req] = hook.received;
    assert.ok(req);
    assert.equal(req.method, "POST");
    assert.match(String(req.headers["content-type"]), /^application\/json/);
    assert.equal(req.headers["x-unyo-idempotency-key"], "group-7:hook:1");
    const expected = `sha256=${createHmac("sha256", "s3cret").update(req.body).digest("hex")}`;
    const got = String(req.headers["x-unyo-signature"]);
    assert.equal(got.length, expected.length);
    assert.ok(timingSafeEqual(Buffer.from(got), Buffer.from(expected)), "signature verifies");

    const body = JSON.parse(req.body);
    assert.equal(body.version, 1);
    assert.equal(body.idempotency_key, "group-7:hook:1");
    assert.equal(body.title, "API health check is down");
    assert.equal(body.status, "firing");
    assert.equal(body.severity, "critical");
    assert.deepEqual(body.labels, sampleMessage().labels);
    assert.equal(body.subject, "[FIRING] [CRITICAL] API health check is down");
  });

  test("without a secret no signature header is sent; a tampered body would not verify", async () => {
    const hook = await receiver();
    await webhookChannel({ id: "hook", url: hook.url }).send(sampleMessage(), ctx());
    assert.equal(hook.received[0]?.headers["x-unyo-signature"], undefined);

    const signed = await receiver();
    await webhookChannel({ id: "h", url: signed.url, secret: "k" }).send(sampleMessage(), ctx());
    const req = signed.received[0];
    assert.ok(req);
    const forged = `sha256=${createHmac("sha256", "k").update(`${req.body} `).digest("hex")}`;
    assert.notEqual(req.headers["x-unyo-signature"], forged);
  });

  test("5xx and 429 are retryable (with Retry-After), other 4xx and redirects are not", async () => {
    const answers: Array<[number, Record<string, string>, string]> = [
      [500, {}, "database is down"],
      [429, { "retry-after": "7" }, ""],
      [404, {}, "no such hook"],
      [302, { location: "https://elsewhere.example/" }, ""],
    ];
    const hook = await receiver((_req, n, res) => {
      const [status, headers, body] = answers[n] ?? [200, {}, ""];
      res.writeHead(status, headers).end(body);
    });
    const channel = webhookChannel({ id: "hook", url: hook.url });
    const r500 = await channel.send(sampleMessage(), ctx());
    assert.equal(r500.ok, false);
    assert.equal(r500.status, 500);
    assert.equal(r500.retryable, true);
    assert.match(r500.error ?? "", /^http:\/\/127\.0\.0\.1:\d+ answered 500 .*: database is down$/);

    const r429 = await channel.send(sampleMessage(), ctx());
    assert.deepEqual([r429.status, r429.retryable, r429.retryAfterMs], [429, true, 7000]);

    const r404 = await channel.send(sampleMessage(), ctx());
    assert.deepEqual([r404.status, r404.retryable], [404, false]);
    assert.match(r404.error ?? "", /404 Not Found: no such hook/);

    const r302 = await channel.send(sampleMessage(), ctx());
    assert.equal(r302.retryable, false);
    assert.match(
      r302.error ?? "",
      /redirecting to https:\/\/elsewhere\.example\/; configure the final URL/,
    );
  });

  test("a connection reset is a retryable failure that says so", async () => {
    const hook = await receiver((_req, _n, res) => res.socket?.destroy());
    const result = await webhookChannel({ id: "hook", url: hook.url }).send(sampleMessage(), ctx());
    assert.equal(result.ok, false);
    assert.equal(result.retryable, true);
    assert.match(result.error ?? "", /connection was (reset|closed)/);
  });

  test("an endpoint that never answers times out", async () => {
    const hook = await receiver(() => {}); // never answers
    const started = performance.now();
    const result = await webhookChannel({ id: "hook", url: hook.url, timeoutMs: 200 }).send(
      sampleMessage(),
      ctx(),
    );
    const took = performance.now() - started;
    assert.equal(result.retryable, true);
    assert.match(result.error ?? "", /did not answer within 200 ms/);
    assert.ok(took >= 190 && took < 2000, `took ${took} ms`);
  });

  test("an invalid URL or header is a clear, non-retryable error", async () => {
    const result = await webhookChannel({ id: "hook", url: "not a url" }).send(
      sampleMessage(),
      ctx(),
    );
    assert.deepEqual(result, {
      ok: false,
      retryable: false,
      error: "webhook url is not a valid URL",
    });
    const hook = await receiver();
    const badHeader = await webhookChannel({
      id: "hook",
      url: hook.url,
      headers: { authorization: "Bearer abc\r\nX-Injected: 1" },
    }).send(sampleMessage(), ctx());
    assert.equal(badHeader.retryable, false);
    assert.match(
      badHeader.error ?? "",
      /^cannot send to http:\/\/127\.0\.0\.1:\d+: Invalid character in header content/,
    );
    assert.ok(!(badHeader.error ?? "").includes("abc"), "the header value is not echoed");
    assert.equal(hook.received.length, 0);
  });
});

describe("webhook channel through the outbox", () => {
  test("a 500 is retried with backoff until the endpoint recovers; one key throughout", async () => {
    const hook = await receiver((_req, n, res) => {
      res.statusCode = n < 2 ? 500 : 200;
      res.end(n < 2 ? "try later" : "ok");
    });
    const store = await memoryStore();
    const clock = new ManualClock(Date.UTC(2026, 0, 11, 2, 0));
    const outbox = new Outbox({
      db: store.db,
      clock,
      channels: [webhookChannel({ id: "hook", url: hook.url, secret: "k" })],
      backoff: { initialMs: 1000, jitter: 0 },
    });
    outbox.start();
    const { id } = await outbox.enqueue({
      key: "a:hook",
      channel: "hook",
      message: sampleMessage(),
    });
    await outbox.idle();
    assert.equal(hook.received.length, 1);
    clock.advance(1000);
    await outbox.idle();
    assert.equal(hook.received.length, 2);
    clock.advance(2000);
    await outbox.idle();
    await outbox.stop();

    assert.equal((await outbox.get(id))?.state, "sent");
    assert.deepEqual(
      hook.received.map((r) => r.headers["x-unyo-idempotency-key"]),
      ["a:hook", "a:hook", "a:hook"],
    );
    const attempts = await outbox.attempts(id);
    assert.deepEqual(
      attempts.map((a) => [a.ok, a.status]),
      [
        [false, 500],
        [false, 500],
        [true, 200],
      ],
    );
    assert.match(attempts[0]?.error ?? "", /answered 500 .*try later/);
  });

  test("a hanging endpoint times out and does not hold up another channel", async () => {
    const hanging = await receiver(() => {});
    const healthy = await receiver();
    const store = await memoryStore();
    const clock = new ManualClock(Date.UTC(2026, 0, 11, 2, 0));
    const outbox = new Outbox({
      db: store.db,
      clock,
      channels: [
        webhookChannel({ id: "slow", url: hanging.url, timeoutMs: 60_000 }),
        webhookChannel({ id: "fast", url: healthy.url }),
      ],
      concurrencyPerChannel: 2,
      attemptTimeoutMs: 400,
    });
    outbox.start();
    const started = performance.now();
    for (let i = 0; i < 5; i++) {
      await outbox.enqueue({ key: `slow-${i}`, channel: "slow", message: sampleMessage() });
      await outbox.enqueue({ key: `fast-${i}`, channel: "fast", message: sampleMessage() });
    }
    await healthy.waitFor(5);
    const fastTook = performance.now() - started;
    assert.ok(fastTook < 400, `the healthy channel waited ${fastTook} ms`);
    assert.equal(hanging.received.length, 2, "only the slow channel's own slots are taken");

    await outbox.idle(); // the two hanging attempts end at the outbox's 400 ms deadline
    const slowTook = performance.now() - started;
    assert.ok(slowTook >= 390 && slowTook < 3000, `slow attempts ended after ${slowTook} ms`);
    await outbox.stop();
    const first = await outbox.attempts(1);
    assert.deepEqual(
      first.map((a) => [a.ok, a.error]),
      [[false, "no result within 400 ms"]],
    );
    assert.equal((await outbox.get(1))?.state, "pending");
  });
});
