import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { inspect } from "node:util";
import { sql } from "kysely";
import { isUnyoError } from "../../src/core/errors.ts";
import { openStore, redactUrl } from "../../src/store/store.ts";
import { forEachStore } from "../helpers/stores.ts";

const T0 = Date.UTC(2031, 0, 2, 3, 4, 5, 678); // > 2^31 s·1000: needs a 64-bit column

forEachStore("store", (stores) => {
  test("opening an existing database again runs no migration and keeps the instance id", async () => {
    const config = await stores.freshConfig();
    const first = await stores.open(config);
    await first.close();

    const lines: string[] = [];
    const log = { info: (_: object, msg: string) => lines.push(msg), warn: () => {} };
    const second = await stores.open(config, { log });
    assert.deepEqual(lines, []);
    assert.equal(second.instanceId, first.instanceId);
    assert.match(second.instanceId, /^[0-9a-f-]{36}$/);
    const meta = await second.db.selectFrom("unyo_meta").selectAll().orderBy("key").execute();
    assert.deepEqual(
      meta.map((m) => m.key),
      ["created_at", "instance_id"],
    );
  });

  test("unyo_meta round-trips", async () => {
    const { db } = await stores.open();
    await db.insertInto("unyo_meta").values({ key: "k", value: "v" }).execute();
    assert.deepEqual(
      await db.selectFrom("unyo_meta").selectAll().where("key", "=", "k").execute(),
      [{ key: "k", value: "v" }],
    );
  });

  test("config_revisions: auto-increment ids and ms times come back as numbers", async () => {
    const { db } = await stores.open();
    const base = { revision: "a1b2c3d4", source: "/etc/unyo/unyo.yaml", loaded_at: T0 };
    const ids = [];
    for (const outcome of ["applied", "rejected"] as const) {
      const errors = outcome === "rejected" ? JSON.stringify([{ path: "checks[0]" }]) : null;
      const row = await db
        .insertInto("config_revisions")
        .values({ ...base, outcome, errors })
        .returning("id")
        .executeTakeFirstOrThrow();
      ids.push(row.id);
    }
    assert.deepEqual(ids, [1, 2]);
    const rows = await db.selectFrom("config_revisions").selectAll().orderBy("id").execute();
    assert.deepEqual(rows, [
      { id: 1, ...base, outcome: "applied", errors: null },
      { id: 2, ...base, outcome: "rejected", errors: '[{"path":"checks[0]"}]' },
    ]);
  });

  test("check_state: defaults, nulls and upsert", async () => {
    const { db } = await stores.open();
    await db
      .insertInto("check_state")
      .values({ check_id: "web", state: "pending", since: T0, updated_at: T0 })
      .execute();
    const change = { state: "down" as const, consecutive_failures: 3, last_run_at: T0 + 60_000 };
    await db
      .insertInto("check_state")
      .values({ check_id: "web", since: T0, updated_at: T0 + 1, ...change })
      .onConflict((oc) => oc.column("check_id").doUpdateSet({ ...change, updated_at: T0 + 1 }))
      .execute();
    assert.deepEqual(await db.selectFrom("check_state").selectAll().execute(), [
      {
        check_id: "web",
        state: "down",
        since: T0,
        last_run_at: T0 + 60_000,
        last_duration_ms: null,
        last_message: null,
        consecutive_failures: 3,
        consecutive_successes: 0,
        next_due_at: null,
        paused_by: null,
        paused_at: null,
        updated_at: T0 + 1,
      },
    ]);
  });

  test("check_samples: binary data round-trips; ids and ordering in check_failures", async () => {
    const { db } = await stores.open();
    const data = Uint8Array.from([0, 1, 127, 128, 255]);
    await db
      .insertInto("check_samples")
      .values({ hour: T0, check_id: "web", count: 2, failures: 1, data })
      .execute();
    const sample = await db.selectFrom("check_samples").selectAll().executeTakeFirstOrThrow();
    assert.deepEqual([...sample.data], [...data]);
    assert.equal(sample.hour, T0);

    const failures = [
      { check_id: "web", at: T0, kind: "timeout", message: "no answer within 3s" },
      { check_id: "web", at: T0 + 60_000, kind: "connect", message: "refused" },
    ];
    const inserted = await db
      .insertInto("check_failures")
      .values(failures)
      .returning("id")
      .execute();
    assert.deepEqual(inserted, [{ id: 1 }, { id: 2 }]);
    const rows = await db
      .selectFrom("check_failures")
      .selectAll()
      .where("check_id", "=", "web")
      .orderBy("at", "desc")
      .execute();
    assert.deepEqual(rows, [
      { id: 2, ...failures[1] },
      { id: 1, ...failures[0] },
    ]);
    const count = await db
      .selectFrom("check_failures")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    assert.equal(count.n, 2); // count(*) is int8 on PostgreSQL: still a number
  });

  test("booleans are refused so SQLite fails like PostgreSQL would", async () => {
    const { db } = await stores.open();
    const insert = sql`insert into check_samples (hour, check_id, count, failures, data)
      values (${T0}, 'web', ${true}, 0, ${new Uint8Array(1)})`;
    await assert.rejects(
      insert.execute(db),
      stores.kind === "sqlite" ? /booleans as integers/ : /invalid input syntax for type integer/,
    );
  });

  test("ping is true while open and false after close; close is idempotent", async () => {
    const store = await stores.open();
    assert.equal(await store.ping(), true);
    await store.close();
    await store.close();
    assert.equal(await store.ping(), false);
    assert.equal(await store.ping(10), false);
  });

  // PostgreSQL only: SQLite has one Unyo process per file and no server connections.
  if (stores.kind === "postgres")
    test("a PostgreSQL server dropping idle connections is logged, not fatal", async () => {
      const config = await stores.freshConfig();
      const warnings: string[] = [];
      const log = { info: () => {}, warn: (_: object, msg: string) => warnings.push(msg) };
      const store = await stores.open(config, { log });
      assert.equal(await store.ping(), true); // leaves an idle client in the pool
      await stores.exec(
        config,
        "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'unyo' and datname = current_database()",
      );
      const deadline = Date.now() + 2000;
      while (warnings.length === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.match(warnings[0] ?? "", /idle PostgreSQL connection/);
      assert.equal(await store.ping(), true);
    });

  test("description names the database without credentials", async () => {
    const config = await stores.freshConfig();
    const store = await stores.open(config);
    if (config.kind === "sqlite") {
      assert.equal(store.description, config.path);
    } else {
      const url = new URL(config.url);
      assert.equal(store.description, `${url.hostname}:${url.port}${url.pathname}`);
    }
  });
});

test("unreachable PostgreSQL fails fast without revealing the password", async () => {
  const started = Date.now();
  const error = await openStore({
    kind: "postgres",
    url: "postgres://unyo:s3cret@127.0.0.1:1/unyo",
  }).then(
    () => assert.fail("expected openStore to fail"),
    (e: unknown) => e,
  );
  assert.ok(Date.now() - started < 3000, "should fail well within the connect timeout");
  assert.ok(isUnyoError(error));
  assert.equal(error.code, "UNYO_E_STORE_UNAVAILABLE");
  assert.match(
    error.message,
    /^Cannot connect to PostgreSQL at 127\.0\.0\.1:1\/unyo: .*ECONNREFUSED/,
  );
  assert.match(error.hint ?? "", /UNYO_DATABASE_URL/);
  for (const text of [
    error.message,
    error.hint,
    JSON.stringify(error.toJSON()),
    inspect(error, { depth: 10 }),
  ]) {
    assert.doesNotMatch(String(text), /s3cret/);
  }
});

test("a malformed PostgreSQL URL is a config error that does not echo the URL", async () => {
  await assert.rejects(openStore({ kind: "postgres", url: "mysql://u:s3cret@h/db" }), (error) => {
    assert.ok(isUnyoError(error));
    assert.equal(error.code, "UNYO_E_CONFIG_INVALID");
    assert.doesNotMatch(error.message, /s3cret/);
    return true;
  });
});

test("SQLite creates missing parent directories", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "unyo-test-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const path = join(root, "a", "b", "unyo.db");
  const store = await openStore({ kind: "sqlite", path });
  t.after(() => store.close());
  assert.ok(existsSync(path));
  const { rows } = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
  assert.equal(rows[0]?.journal_mode, "wal");
});

test("an unopenable SQLite path is UNYO_E_STORE_UNAVAILABLE", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "unyo-test-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  // The path is an existing directory, not a file.
  await assert.rejects(openStore({ kind: "sqlite", path: root }), {
    code: "UNYO_E_STORE_UNAVAILABLE",
  });
});

test("redactUrl hides passwords in user info and query", () => {
  assert.equal(
    redactUrl("postgres://unyo:s3cret@db:5432/unyo"),
    "postgres://unyo:***@db:5432/unyo",
  );
  assert.equal(
    redactUrl("postgres://unyo@db/unyo?password=s3cret"),
    "postgres://unyo@db/unyo?password=***",
  );
  assert.equal(redactUrl("postgres://db/unyo"), "postgres://db/unyo");
  assert.doesNotMatch(redactUrl("not a url s3cret"), /s3cret/);
});
