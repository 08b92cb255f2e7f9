import assert from "node:assert/strict";
import { test } from "node:test";
import { LoginThrottle } from "../../src/auth/login-throttle.ts";
import { ManualClock } from "../../src/core/clock.ts";

const MINUTE = 60_000;

function setup(options: ConstructorParameters<typeof LoginThrottle>[1] = {}) {
  const clock = new ManualClock(Date.UTC(2031, 0, 1));
  return { clock, throttle: new LoginThrottle(clock, options) };
}

/** Fails once, waiting first for any delay (as a patient attacker would). */
function failPatiently(t: LoginThrottle, clock: ManualClock, user: string, ip: string) {
  const d = t.check(user, ip);
  if (!d.allowed) clock.advance(d.retryAfterMs);
  t.recordFailure(user, ip);
}

test("the first failures are free", () => {
  const { throttle } = setup();
  for (let i = 0; i < 2; i++) {
    throttle.recordFailure("kim", "10.0.0.1");
    assert.deepEqual(throttle.check("kim", "10.0.0.1"), { allowed: true });
  }
  throttle.recordFailure("kim", "10.0.0.1");
  assert.deepEqual(throttle.check("kim", "10.0.0.1"), {
    allowed: false,
    retryAfterMs: 1000,
    reason: "delay",
  });
});

test("the delay doubles after the free attempts, capped", () => {
  const { throttle, clock } = setup();
  const delays: number[] = [];
  for (let i = 0; i < 9; i++) {
    failPatiently(throttle, clock, "kim", "10.0.0.1");
    const d = throttle.check("kim", "10.0.0.1");
    delays.push(d.allowed ? 0 : d.retryAfterMs);
  }
  assert.deepEqual(delays, [0, 0, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  clock.advance(29_999);
  assert.equal(throttle.check("kim", "10.0.0.1").allowed, false);
  clock.advance(1);
  assert.deepEqual(throttle.check("kim", "10.0.0.1"), { allowed: true });
  assert.equal(throttle.delayAfter(100), 30_000);
});

test("lock-out after repeated failures, and its end", () => {
  const { throttle, clock } = setup();
  for (let i = 0; i < 10; i++) failPatiently(throttle, clock, "kim", "10.0.0.1");
  assert.deepEqual(throttle.check("kim", "10.0.0.1"), {
    allowed: false,
    retryAfterMs: 15 * MINUTE,
    reason: "locked",
  });
  // Failures while locked do not extend the lock.
  clock.advance(5 * MINUTE);
  throttle.recordFailure("kim", "10.0.0.1");
  const d = throttle.check("kim", "10.0.0.1");
  assert.ok(!d.allowed && d.reason === "locked" && d.retryAfterMs === 10 * MINUTE);
  // Locked for the username from any IP (a distributed guess is stopped too).
  assert.equal(throttle.check("KIM", "192.0.2.9").allowed, false);
  clock.advance(10 * MINUTE);
  assert.deepEqual(throttle.check("kim", "10.0.0.1"), { allowed: true });
  // Afresh: three more free failures.
  for (let i = 0; i < 2; i++) throttle.recordFailure("kim", "10.0.0.1");
  assert.deepEqual(throttle.check("kim", "10.0.0.1"), { allowed: true });
});

test("failures are forgotten after the window without failures", () => {
  const { throttle, clock } = setup();
  for (let i = 0; i < 5; i++) failPatiently(throttle, clock, "kim", "10.0.0.1");
  clock.advance(15 * MINUTE);
  assert.deepEqual(throttle.check("kim", "10.0.0.1"), { allowed: true });
  throttle.recordFailure("kim", "10.0.0.1");
  assert.deepEqual(throttle.check("kim", "10.0.0.1"), { allowed: true });
});

test("success resets the username and this IP's failures for it", () => {
  const { throttle, clock } = setup();
  for (let i = 0; i < 5; i++) failPatiently(throttle, clock, "kim", "10.0.0.1");
  assert.equal(throttle.check("kim", "10.0.0.1").allowed, false);
  clock.advance(60_000);
  throttle.recordSuccess("kim", "10.0.0.1");
  assert.deepEqual(throttle.check("kim", "10.0.0.1"), { allowed: true });
  throttle.recordFailure("kim", "10.0.0.1");
  throttle.recordFailure("kim", "10.0.0.1");
  assert.deepEqual(throttle.check("kim", "10.0.0.1"), { allowed: true });
});

test("a spraying IP cannot reset itself by logging in to its own account", () => {
  const { throttle } = setup();
  for (const user of ["a1", "a2", "a3", "a4"]) throttle.recordFailure(user, "203.0.113.5");
  throttle.recordSuccess("mallory", "203.0.113.5");
  assert.equal(throttle.check("mallory", "203.0.113.5").allowed, false);
});

test("one locked attacker does not affect another user on another IP", () => {
  const { throttle, clock } = setup();
  for (let i = 0; i < 10; i++) failPatiently(throttle, clock, "admin", "203.0.113.5");
  assert.equal(throttle.check("admin", "203.0.113.5").allowed, false);
  assert.deepEqual(throttle.check("kim", "10.0.0.1"), { allowed: true });
  // The attacker's IP is locked for other usernames too.
  const d = throttle.check("kim", "203.0.113.5");
  assert.ok(!d.allowed && d.reason === "locked");
});

test("one IP spraying many usernames gets throttled, then locked", () => {
  const { throttle, clock } = setup();
  for (let i = 0; i < 3; i++) throttle.recordFailure(`user${i}`, "203.0.113.5");
  // A fresh username from the same IP is delayed: the IP counter is stricter.
  assert.deepEqual(throttle.check("fresh", "203.0.113.5"), {
    allowed: false,
    retryAfterMs: 1000,
    reason: "delay",
  });
  // The same fresh username from elsewhere is fine.
  assert.deepEqual(throttle.check("fresh", "10.0.0.1"), { allowed: true });
  for (let i = 3; i < 10; i++) failPatiently(throttle, clock, `user${i}`, "203.0.113.5");
  const d = throttle.check("another", "203.0.113.5");
  assert.ok(!d.allowed && d.reason === "locked");
  // Each sprayed username only has one failure: free for everyone else.
  assert.deepEqual(throttle.check("user5", "10.0.0.1"), { allowed: true });
});

test("without an IP only the username counts", () => {
  const { throttle } = setup();
  for (let i = 0; i < 3; i++) throttle.recordFailure("kim");
  assert.equal(throttle.check("kim").allowed, false);
  assert.deepEqual(throttle.check("lee"), { allowed: true });
});

test("memory is capped and expired entries are swept", () => {
  const { throttle, clock } = setup({ maxEntries: 100 });
  for (let i = 0; i < 500; i++) throttle.recordFailure(`user${i}`, `10.0.${i >> 8}.${i & 255}`);
  assert.ok(throttle.size <= 100, `size ${throttle.size}`);
  // The newest entries survive.
  throttle.recordFailure("user499", "10.0.1.243");
  throttle.recordFailure("user499", "10.0.1.243");
  assert.equal(throttle.check("user499", "10.0.1.243").allowed, false);
  clock.advance(16 * MINUTE);
  throttle.recordFailure("late", "192.0.2.1");
  assert.equal(throttle.size, 3);
});

test("options are validated", () => {
  const clock = new ManualClock(0);
  assert.throws(() => new LoginThrottle(clock, { lockoutAfter: 0 }), /lockoutAfter/);
  assert.throws(() => new LoginThrottle(clock, { baseDelayMs: 1.5 }), /baseDelayMs/);
});
