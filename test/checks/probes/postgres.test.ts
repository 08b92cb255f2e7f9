/**
 * The postgres probe against the local PostgreSQL (see test/helpers/stores.ts): the same
 * server the store tests use, reached over TCP with trust auth — so a password in the URL
 * is accepted whatever it is, which lets every case below carry one and prove it never
 * shows up in a message.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Client } from "pg";
import type { Observation } from "../../../src/checks/evaluate.ts";
import { type PostgresProbeConfig, probePostgres } from "../../../src/checks/probes/postgres.ts";
import type { ProbeContext, ProbeOutcome } from "../../../src/checks/probes/types.ts";
import { MAINTENANCE_URL } from "../../helpers/stores.ts";

/** A password with a character that must be percent-encoded in the URL (@). */
const PASSWORD = `pw@${randomBytes(6).toString("hex")}`;
const ENCODED_PASSWORD = encodeURIComponent(PASSWORD);

function urlWith(over: { user?: string; database?: string; port?: string } = {}): string {
  const url = new URL(MAINTENANCE_URL);
  url.password = ENCODED_PASSWORD;
  if (over.user !== undefined) url.username = over.user;
  if (over.database !== undefined) url.pathname = `/${over.database}`;
  if (over.port !== undefined) url.port = over.port;
  return url.href;
}

function ctx(timeoutMs = 5000, signal = new AbortController().signal): ProbeContext {
  return { signal, timeoutMs, baseUrl: "http://127.0.0.1:8080" };
}

function probe(spec: Partial<PostgresProbeConfig>, context = ctx()): Promise<ProbeOutcome> {
  return probePostgres({ url: urlWith(), ...spec }, context);
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

/** Sessions of the probe still open on the server whose query contains `marker`. */
async function sessionsWith(marker: string): Promise<number> {
  const client = new Client({ connectionString: MAINTENANCE_URL });
  await client.connect();
  try {
    const { rows } = await client.query(
      "select count(*)::int as n from pg_stat_activity where application_name = 'unyo-check' and query like $1",
      [`%${marker}%`],
    );
    return (rows[0] as { n: number }).n;
  } finally {
    await client.end();
  }
}

/** Fails when more resources (sockets, timers) stay alive than before; closing takes a tick. */
async function assertNoneLeft(baseline: string[], what: string): Promise<void> {
  const count = (types: string[], type: string) => types.filter((t) => t === type).length;
  const extra = () => {
    const now = process.getActiveResourcesInfo();
    return [...new Set(now)].filter((type) => count(now, type) > count(baseline, type));
  };
  for (let i = 0; i < 20 && extra().length > 0; i++) await sleep(50);
  assert.deepEqual(extra(), [], `left alive after ${what}`);
}

describe("postgres probe", () => {
  test("without a query it runs select 1 as ok: body [{ ok: 1 }]", async () => {
    const obs = observed(await probe({}));
    assert.deepEqual(obs.body, [{ ok: 1 }]);
    assert.equal(typeof obs.responseTimeMs, "number");
    assert.ok(obs.responseTimeMs >= 0 && obs.responseTimeMs < 5000);
  });

  test("a query with params: $1, $2, … take strings, numbers, booleans and null", async () => {
    const obs = observed(
      await probe({
        query:
          "select $1::text as name, $2::int + 1 as next, $3::boolean as flag, $4::text is null as missing",
        params: ["batch", 41, true, null],
      }),
    );
    assert.deepEqual(obs.body, [{ name: "batch", next: 42, flag: true, missing: true }]);
  });

  test("int8 (count(*)) is a number; beyond 2^53 it stays text; numeric stays text", async () => {
    const obs = observed(
      await probe({
        query:
          "select count(*) as n, 9007199254740993::int8 as big, 1.50::numeric as price from generate_series(1, 5)",
      }),
    );
    assert.deepEqual(obs.body, [{ n: 5, big: "9007199254740993", price: "1.50" }]);
  });

  test("every row comes back; a query without rows gives []", async () => {
    const many = observed(await probe({ query: "select g as i from generate_series(1, 3) g" }));
    assert.deepEqual(many.body, [{ i: 1 }, { i: 2 }, { i: 3 }]);
    const none = observed(await probe({ query: "select 1 where false" }));
    assert.deepEqual(none.body, []);
  });

  test("several statements: the rows of the last one", async () => {
    const obs = observed(await probe({ query: "select 1 as a; select 2 as b" }));
    assert.deepEqual(obs.body, [{ b: 2 }]);
  });

  test("a database that does not exist → auth, naming it and SQLSTATE 3D000", async () => {
    const name = `unyo_missing_${randomBytes(4).toString("hex")}`;
    const out = failed(await probe({ url: urlWith({ database: name }) }));
    assert.equal(out.kind, "auth");
    assert.match(out.message, new RegExp(`database "${name}" does not exist`));
    assert.match(out.message, /3D000/);
    assert.match(out.message, /check the database name/);
    assert.match(out.message, /postgres:\/\/postgres:\*\*\*@/);
  });

  test("a role that does not exist → auth with SQLSTATE 28000 (trust auth here, so no bad-password case)", async () => {
    const out = failed(await probe({ url: urlWith({ user: "nobody" }) }));
    assert.equal(out.kind, "auth");
    assert.match(out.message, /role "nobody" does not exist/);
    assert.match(out.message, /SQLSTATE 28000/);
  });

  test("a syntax error → query, with the SQLSTATE and the server's message", async () => {
    const out = failed(await probe({ query: "selec 1" }));
    assert.equal(out.kind, "query");
    assert.match(out.message, /SQLSTATE 42601/);
    assert.match(out.message, /syntax error at or near "selec"/);
  });

  test("an error raised by the query (division by zero) → query with SQLSTATE 22012", async () => {
    const out = failed(await probe({ query: "select 1 / 0" }));
    assert.equal(out.kind, "query");
    assert.match(out.message, /SQLSTATE 22012: division by zero/);
  });

  test("pg_sleep(5) with a 300 ms deadline → timeout, and the session is gone soon after", async () => {
    const marker = `unyo_sleep_${randomBytes(4).toString("hex")}`;
    const started = performance.now();
    const out = failed(await probe({ query: `select pg_sleep(5) /* ${marker} */` }, ctx(300)));
    assert.equal(out.kind, "timeout");
    // Whichever stops it first, the client's deadline or the server's limit: both say so.
    assert.match(out.message, /^no result of the query within 300 ms/);
    assert.ok(out.responseTimeMs >= 290 && out.responseTimeMs < 1500, `${out.responseTimeMs}`);
    assert.ok(performance.now() - started < 1500, "the probe returned at the deadline");
    // statement_timeout stops the query on the server; the backend then sees the closed socket.
    let left = await sessionsWith(marker);
    for (let i = 0; i < 40 && left > 0; i++) {
      await sleep(50);
      left = await sessionsWith(marker);
    }
    assert.equal(left, 0, "no unyo-check session left running pg_sleep");
  });

  test("shutdown during the query → interrupted, at once", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const out = failed(await probe({ query: "select pg_sleep(5)" }, ctx(5000, controller.signal)));
    assert.equal(out.kind, "interrupted");
    assert.ok(out.responseTimeMs < 1000, `${out.responseTimeMs}`);
  });

  test("a refused port → connect, naming the target without the password", async () => {
    const out = failed(await probe({ url: urlWith({ port: "1" }) }));
    assert.equal(out.kind, "connect");
    assert.match(out.message, /ECONNREFUSED/);
    assert.match(out.message, /127\.0\.0\.1:1/);
    assert.match(out.message, /\*\*\*/);
  });

  test("a host name that does not resolve → dns", async () => {
    const out = failed(await probe({ url: `postgres://u:${ENCODED_PASSWORD}@nohost.invalid/db` }));
    assert.equal(out.kind, "dns");
    assert.match(out.message, /nohost\.invalid/);
  });

  test("the password is never in a message, also as ?password= and in the query's error", async () => {
    const url = new URL(urlWith({ port: "1" }));
    url.password = "";
    url.searchParams.set("password", PASSWORD);
    const viaParam = failed(await probe({ url: url.href }));
    assert.equal(viaParam.kind, "connect");
    const echoed = failed(await probe({ query: `select 1 from "${PASSWORD}"` }));
    assert.equal(echoed.kind, "query");
    assert.match(echoed.message, /42P01/);
    assert.match(echoed.message, /\*\*\*/);
  });
  test("no socket or timer outlives an attempt, whatever its outcome or when shutdown comes", async () => {
    await probe({});
    const baseline = process.getActiveResourcesInfo();
    const kinds = [
      await probe({}),
      await probe({ query: "selec 1" }),
      await probe({ url: urlWith({ user: "nobody" }) }),
      await probe({ query: "select pg_sleep(5)" }, ctx(200)),
    ].map((o) => (o.ok ? "ok" : o.kind));
    assert.deepEqual(kinds, ["ok", "query", "auth", "timeout"]);
    await assertNoneLeft(baseline, "the attempts");
    for (const delay of [-1, 0, 1, 3, 10]) {
      const controller = new AbortController();
      const attempt = probe({ query: "select pg_sleep(5)" }, ctx(5000, controller.signal));
      if (delay < 0) controller.abort();
      else setTimeout(() => controller.abort(), delay);
      const out = await attempt;
      assert.ok(!out.ok && out.kind === "interrupted", JSON.stringify(out));
      await assertNoneLeft(baseline, `a shutdown after ${delay} ms`);
    }
  });
});
