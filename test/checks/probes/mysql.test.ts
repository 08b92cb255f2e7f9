/**
 * The mysql probe against the local MariaDB (root@127.0.0.1:3306 without a password; see
 * .ci/run). The suite creates its own database and a user with a password, and drops both
 * at the end. Override the server with UNYO_TEST_MYSQL_URL.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createConnection } from "mysql2/promise";
import type { Observation } from "../../../src/checks/evaluate.ts";
import { type MysqlProbeConfig, probeMysql } from "../../../src/checks/probes/mysql.ts";
import type { ProbeContext, ProbeOutcome } from "../../../src/checks/probes/types.ts";

const ADMIN_URL = process.env.UNYO_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306";
const suffix = randomBytes(5).toString("hex");
const DATABASE = `unyo_test_${suffix}`;
const USER = `unyo_test_${suffix}`;
/** The test user's password, with a character that must be percent-encoded (@). */
const PASSWORD = `pw@${randomBytes(6).toString("hex")}`;
const ENCODED_PASSWORD = encodeURIComponent(PASSWORD);

function urlAs(user: string, password: string, database = DATABASE, port?: string): string {
  const url = new URL(ADMIN_URL);
  url.username = user;
  url.password = encodeURIComponent(password);
  url.pathname = `/${database}`;
  if (port !== undefined) url.port = port;
  return url.href;
}

const adminUrl = (database = DATABASE) => {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.href;
};

async function admin(sql: string, values: unknown[] = []): Promise<unknown> {
  const conn = await createConnection({ uri: ADMIN_URL });
  try {
    const [rows] = await conn.query(sql, values);
    return rows;
  } finally {
    await conn.end();
  }
}

function ctx(timeoutMs = 5000, signal = new AbortController().signal): ProbeContext {
  return { signal, timeoutMs, baseUrl: "http://127.0.0.1:8080" };
}

function probe(spec: Partial<MysqlProbeConfig>, context = ctx()): Promise<ProbeOutcome> {
  return probeMysql({ url: adminUrl(), ...spec }, context);
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

describe("mysql probe", () => {
  before(async () => {
    await admin(`create database ${DATABASE}`);
    await admin(
      `create table ${DATABASE}.jobs (id bigint primary key, name varchar(20), failed boolean)`,
    );
    await admin(
      `insert into ${DATABASE}.jobs values (1, 'mail', true), (2, 'backup', false), (3, 'report', true)`,
    );
    await admin("create user ?@'%' identified by ?", [USER, PASSWORD]);
    await admin(`grant select on ${DATABASE}.* to ?@'%'`, [USER]);
  });

  after(async () => {
    await admin(`drop database if exists ${DATABASE}`);
    await admin("drop user if exists ?@'%'", [USER]);
  });

  test("without a query it runs select 1 as ok: body [{ ok: 1 }]", async () => {
    const obs = observed(await probe({}));
    assert.deepEqual(obs.body, [{ ok: 1 }]);
    assert.ok(obs.responseTimeMs >= 0 && obs.responseTimeMs < 5000);
  });

  test("a query with ? params; rows are plain objects, count(*) a number", async () => {
    const obs = observed(
      await probe({
        query: "select count(*) as n, ? as label, ? is null as missing from jobs where failed = ?",
        params: ["failed", null, true],
      }),
    );
    assert.deepEqual(obs.body, [{ n: 2, label: "failed", missing: 1 }]);
    assert.equal(Object.getPrototypeOf((obs.body as object[])[0]), Object.prototype);
  });

  test("integers beyond 2^53 come back as text, DECIMAL as text", async () => {
    const obs = observed(await probe({ query: "select 9007199254740993 as big, 1.50 as price" }));
    assert.deepEqual(obs.body, [{ big: "9007199254740993", price: "1.50" }]);
  });

  test("every row comes back; a statement without a result set gives []", async () => {
    const rows = observed(await probe({ query: "select id, name from jobs order by id" }));
    assert.deepEqual(rows.body, [
      { id: 1, name: "mail" },
      { id: 2, name: "backup" },
      { id: 3, name: "report" },
    ]);
    assert.deepEqual(observed(await probe({ query: "do 1" })).body, []);
  });

  test("a user with a password: the right one answers, a wrong one → auth", async () => {
    const ok = observed(
      await probe({ url: urlAs(USER, PASSWORD), query: "select current_user() as me" }),
    );
    assert.deepEqual(ok.body, [{ me: `${USER}@%` }]);
    const out = failed(await probe({ url: urlAs(USER, `${PASSWORD}-wrong`) }));
    assert.equal(out.kind, "auth");
    assert.match(out.message, /Access denied for user/);
    assert.match(out.message, /ER_ACCESS_DENIED_ERROR \(1045\)/);
    assert.match(out.message, new RegExp(`mysql://${USER}:\\*\\*\\*@`));
  });

  test("a user that does not exist → auth", async () => {
    const out = failed(await probe({ url: urlAs("nobody", PASSWORD) }));
    assert.equal(out.kind, "auth");
    assert.match(out.message, /Access denied for user 'nobody'/);
  });

  test("a database the user may not use → auth (ER_DBACCESS_DENIED_ERROR)", async () => {
    const out = failed(await probe({ url: urlAs(USER, PASSWORD, "mysql") }));
    assert.equal(out.kind, "auth");
    assert.match(out.message, /ER_DBACCESS_DENIED_ERROR \(1044\)/);
  });

  test("a database that does not exist → auth, with a hint about the URL", async () => {
    const out = failed(await probe({ url: adminUrl(`unyo_missing_${suffix}`) }));
    assert.equal(out.kind, "auth");
    assert.match(out.message, /Unknown database 'unyo_missing_/);
    assert.match(out.message, /ER_BAD_DB_ERROR \(1049\)/);
    assert.match(out.message, /check the database name/);
  });

  test("a syntax error → query, with the code and the server's message", async () => {
    const out = failed(await probe({ query: "selec 1" }));
    assert.equal(out.kind, "query");
    assert.match(out.message, /ER_PARSE_ERROR \(1064\)/);
    assert.match(out.message, /near 'selec 1'/);
  });

  test("a table that does not exist → query (ER_NO_SUCH_TABLE)", async () => {
    const out = failed(await probe({ query: "select * from no_such_table" }));
    assert.equal(out.kind, "query");
    assert.match(out.message, /ER_NO_SUCH_TABLE \(1146\)/);
  });

  test("sleep(5) with a 300 ms deadline → timeout, and the server stops it too", async () => {
    const marker = `unyo_sleep_${suffix}`;
    const started = performance.now();
    const out = failed(await probe({ query: `select sleep(5) as ${marker}` }, ctx(300)));
    assert.equal(out.kind, "timeout");
    // Whichever stops it first, the client's deadline or the server's limit: both say so.
    assert.match(out.message, /^no result of the query within 300 ms/);
    assert.ok(out.responseTimeMs >= 290 && out.responseTimeMs < 1500, `${out.responseTimeMs}`);
    assert.ok(performance.now() - started < 1500, "the probe returned at the deadline");
    const running = async () =>
      (
        (await admin(
          "select count(*) as n from information_schema.processlist where info like ? and info not like '%processlist%'",
          [`%${marker}%`],
        )) as { n: number }[]
      )[0]?.n;
    let left = await running();
    for (let i = 0; i < 40 && left !== 0; i++) {
      await sleep(50);
      left = await running();
    }
    assert.equal(left, 0, "max_statement_time stopped the query on the server");
  });

  test("shutdown during the query → interrupted, at once", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const out = failed(await probe({ query: "select sleep(5)" }, ctx(5000, controller.signal)));
    assert.equal(out.kind, "interrupted");
    assert.ok(out.responseTimeMs < 1000, `${out.responseTimeMs}`);
  });

  test("a refused port → connect, naming the target without the password", async () => {
    const out = failed(await probe({ url: urlAs(USER, PASSWORD, DATABASE, "1") }));
    assert.equal(out.kind, "connect");
    assert.match(out.message, /ECONNREFUSED/);
    assert.match(out.message, /127\.0\.0\.1:1\//);
  });

  test("a host name that does not resolve → dns", async () => {
    const out = failed(await probe({ url: `mysql://u:${ENCODED_PASSWORD}@nohost.invalid/db` }));
    assert.equal(out.kind, "dns");
    assert.match(out.message, /nohost\.invalid/);
  });

  test("the password is never in a message, even when the server echoes it", async () => {
    const out = failed(
      await probe({ url: urlAs(USER, PASSWORD), query: `select * from \`${PASSWORD}\`` }),
    );
    assert.equal(out.kind, "query");
    assert.match(out.message, /\*\*\*/);
  });
  test("no socket or timer outlives an attempt, whatever its outcome or when shutdown comes", async () => {
    await probe({});
    const baseline = process.getActiveResourcesInfo();
    const kinds = [
      await probe({}),
      await probe({ query: "selec 1" }),
      await probe({ url: urlAs(USER, "wrong") }),
      await probe({ query: "select sleep(5)" }, ctx(200)),
    ].map((o) => (o.ok ? "ok" : o.kind));
    assert.deepEqual(kinds, ["ok", "query", "auth", "timeout"]);
    await assertNoneLeft(baseline, "the attempts");
    for (const delay of [-1, 0, 1, 3, 10]) {
      const controller = new AbortController();
      const attempt = probe({ query: "select sleep(5)" }, ctx(5000, controller.signal));
      if (delay < 0) controller.abort();
      else setTimeout(() => controller.abort(), delay);
      const out = await attempt;
      assert.ok(!out.ok && out.kind === "interrupted", JSON.stringify(out));
      await assertNoneLeft(baseline, `a shutdown after ${delay} ms`);
    }
  });
});
