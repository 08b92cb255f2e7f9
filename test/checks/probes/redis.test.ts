/**
 * The redis probe against the local Redis (127.0.0.1:6379, no password; see .ci/run).
 * Keys live under a random prefix and an ACL user with a password is created for the
 * login cases; both are removed at the end. Override the server with UNYO_TEST_REDIS_URL.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createClient } from "redis";
import type { Observation } from "../../../src/checks/evaluate.ts";
import { probeRedis, type RedisProbeConfig } from "../../../src/checks/probes/redis.ts";
import type { ProbeContext, ProbeOutcome } from "../../../src/checks/probes/types.ts";

const REDIS_URL = process.env.UNYO_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const suffix = randomBytes(5).toString("hex");
const PREFIX = `unyo-test:${suffix}:`;
const USER = `unyo_test_${suffix}`;
/** The ACL user's password, with a character that must be percent-encoded (@). */
const PASSWORD = `pw@${randomBytes(6).toString("hex")}`;
const ENCODED_PASSWORD = encodeURIComponent(PASSWORD);

function urlAs(user: string, password: string, port?: string): string {
  const url = new URL(REDIS_URL);
  url.username = user;
  url.password = encodeURIComponent(password);
  if (port !== undefined) url.port = port;
  return url.href;
}

async function admin(argv: string[]): Promise<unknown> {
  const client = createClient({ url: REDIS_URL });
  await client.connect();
  try {
    return await client.sendCommand(argv);
  } finally {
    client.destroy();
  }
}

function ctx(timeoutMs = 5000, signal = new AbortController().signal): ProbeContext {
  return { signal, timeoutMs, baseUrl: "http://127.0.0.1:8080" };
}

function probe(spec: Partial<RedisProbeConfig>, context = ctx()): Promise<ProbeOutcome> {
  return probeRedis({ url: REDIS_URL, command: ["PING"], ...spec }, context);
}

function observed(outcome: ProbeOutcome): Observation {
  assert.ok(outcome.ok, `expected an answer, got ${JSON.stringify(outcome)}`);
  return outcome.observation;
}

function failed(outcome: ProbeOutcome): Extract<ProbeOutcome, { ok: false }> {
  assert.ok(!outcome.ok, `expected a failure, got ${JSON.stringify(outcome)}`);
  assert.ok(!outcome.message.includes(PASSWORD), `password in: ${outcome.message}`);
  assert.ok(!outcome.message.includes(ENCODED_PASSWORD), `password in: ${outcome.message}`);
  return outcome;
}

/** Resource types (sockets, timers) keeping the process alive, with their counts. */
function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) {
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return counts;
}

/** Fails when more resources stay alive than before (closing sockets get up to a second). */
async function assertNoneLeft(baseline: Map<string, number>, what: string): Promise<void> {
  const extra = () =>
    [...activeResources()].filter(([type, count]) => count > (baseline.get(type) ?? 0));
  for (let i = 0; i < 20 && extra().length > 0; i++) await sleep(50);
  assert.deepEqual(extra(), [], `left alive after ${what}`);
}

describe("redis probe", () => {
  before(async () => {
    await admin(["ACL", "SETUSER", USER, "on", `>${PASSWORD}`, "resetkeys", "-@all", "+ping"]);
  });

  after(async () => {
    await admin(["ACL", "DELUSER", USER]);
    const keys = (await admin(["KEYS", `${PREFIX}*`])) as string[];
    if (keys.length > 0) await admin(["DEL", ...keys]);
  });

  test("PING → body PONG", async () => {
    const obs = observed(await probe({ command: ["PING"] }));
    assert.equal(obs.body, "PONG");
    assert.ok(obs.responseTimeMs >= 0 && obs.responseTimeMs < 5000);
  });

  test("SET then GET a key: the replies as Redis sent them; a missing key is null", async () => {
    const key = `${PREFIX}maintenance_mode`;
    assert.equal(observed(await probe({ command: ["SET", key, "off"] })).body, "OK");
    assert.equal(observed(await probe({ command: ["GET", key] })).body, "off");
    assert.equal(observed(await probe({ command: ["GET", `${PREFIX}missing`] })).body, null);
  });

  test("numbers and lists come back as numbers and arrays", async () => {
    const list = `${PREFIX}queue`;
    assert.equal(observed(await probe({ command: ["RPUSH", list, "a", "b"] })).body, 2);
    assert.equal(observed(await probe({ command: ["LLEN", list] })).body, 2);
    assert.deepEqual(observed(await probe({ command: ["LRANGE", list, "0", "-1"] })).body, [
      "a",
      "b",
    ]);
  });

  test("INFO replication → its text, as is", async () => {
    const { body } = observed(await probe({ command: ["INFO", "replication"] }));
    assert.equal(typeof body, "string");
    assert.match(body as string, /^# Replication\r\n/);
    assert.match(body as string, /\r\nrole:(master|slave)\r\n/);
  });

  test("an unknown command → query, with Redis' error reply", async () => {
    const out = failed(await probe({ command: ["NOSUCHCOMMAND", "x"] }));
    assert.equal(out.kind, "query");
    assert.match(out.message, /^Redis answered NOSUCHCOMMAND with an error: ERR unknown command/);
  });

  test("a wrong password for an ACL user → auth (WRONGPASS); the right one answers", async () => {
    const out = failed(await probe({ url: urlAs(USER, `${PASSWORD}-wrong`) }));
    assert.equal(out.kind, "auth");
    assert.match(out.message, /WRONGPASS/);
    assert.match(out.message, new RegExp(`redis://${USER}:\\*\\*\\*@`));
    assert.equal(observed(await probe({ url: urlAs(USER, PASSWORD) })).body, "PONG");
  });

  test("a command the ACL user may not run → auth (NOPERM)", async () => {
    const out = failed(await probe({ url: urlAs(USER, PASSWORD), command: ["GET", `${PREFIX}x`] }));
    assert.equal(out.kind, "auth");
    assert.match(out.message, /^Redis refused GET: NOPERM/);
  });

  test("this server has no password: the default user takes any (PONG), a bare AUTH password fails → auth", async () => {
    // Redis' default user is `nopass` here, so AUTH default <anything> succeeds…
    assert.equal(observed(await probe({ url: urlAs("default", "wrong") })).body, "PONG");
    // …while the one-argument AUTH (no user in the URL) is refused during the handshake.
    const out = failed(await probe({ url: urlAs("", PASSWORD) }));
    assert.equal(out.kind, "auth");
    assert.match(out.message, /AUTH <password> called without any password configured/);
  });

  test("a database number out of range → auth, with a hint about the URL", async () => {
    const out = failed(await probe({ url: `${REDIS_URL}/999` }));
    assert.equal(out.kind, "auth");
    assert.match(out.message, /DB index is out of range; check the database number/);
  });

  test("a refused port → connect, naming the target without the password", async () => {
    const out = failed(await probe({ url: urlAs(USER, PASSWORD, "1") }));
    assert.equal(out.kind, "connect");
    assert.match(out.message, /ECONNREFUSED 127\.0\.0\.1:1/);
  });

  test("a host name that does not resolve → dns", async () => {
    const out = failed(await probe({ url: `redis://:${ENCODED_PASSWORD}@nohost.invalid:6379` }));
    assert.equal(out.kind, "dns");
    assert.match(out.message, /nohost\.invalid/);
  });

  test("BLPOP for 5 s with a 300 ms deadline → timeout, and Redis no longer has the client", async () => {
    const key = `${PREFIX}never`;
    const out = failed(await probe({ command: ["BLPOP", key, "5"] }, ctx(300)));
    assert.equal(out.kind, "timeout");
    assert.equal(out.message, "no reply to BLPOP within 300 ms");
    assert.ok(out.responseTimeMs >= 290 && out.responseTimeMs < 1500, `${out.responseTimeMs}`);
    await sleep(50);
    const clients = (await admin(["CLIENT", "LIST"])) as string;
    assert.ok(!clients.includes(key), "no client left blocked on the key");
  });

  test("shutdown during the command → interrupted, at once", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const out = failed(
      await probe({ command: ["BLPOP", `${PREFIX}never`, "5"] }, ctx(5000, controller.signal)),
    );
    assert.equal(out.kind, "interrupted");
    assert.ok(out.responseTimeMs < 1000, `${out.responseTimeMs}`);
  });

  test("no socket or timer outlives an attempt, whatever its outcome", async () => {
    await probe({}); // node-redis loads lazily: let its one-time set-up happen first
    const baseline = activeResources();
    const outcomes = [
      await probe({}),
      await probe({ command: ["NOSUCHCOMMAND"] }),
      await probe({ url: urlAs(USER, "wrong") }),
      await probe({ url: urlAs(USER, PASSWORD, "1") }),
      await probe({ command: ["BLPOP", `${PREFIX}never`, "5"] }, ctx(200)),
    ];
    assert.deepEqual(
      outcomes.map((o) => (o.ok ? "ok" : o.kind)),
      ["ok", "query", "auth", "connect", "timeout"],
    );
    await assertNoneLeft(baseline, "the attempts");
  });

  test("shutdown at any moment of the attempt (connecting, logging in, waiting) leaves nothing open", async () => {
    await probe({});
    const baseline = activeResources();
    const moments: [string, (abort: () => void) => void][] = [
      ["at once", (abort) => abort()],
      ["next tick", (abort) => process.nextTick(abort)],
      ["immediate", (abort) => setImmediate(abort)],
      ["1 ms", (abort) => setTimeout(abort, 1)],
      ["3 ms", (abort) => setTimeout(abort, 3)],
      ["10 ms", (abort) => setTimeout(abort, 10)],
    ];
    for (const [when, schedule] of moments) {
      for (const url of [REDIS_URL, urlAs(USER, PASSWORD)]) {
        const controller = new AbortController();
        const attempt = probe({ url }, ctx(5000, controller.signal));
        schedule(() => controller.abort());
        const out = await attempt;
        assert.ok(out.ok || out.kind === "interrupted", `${when}: ${JSON.stringify(out)}`);
        await assertNoneLeft(baseline, `a shutdown ${when}`);
      }
    }
  });
});
