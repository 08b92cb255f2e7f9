import assert from "node:assert/strict";
import { test } from "node:test";
import { sql } from "kysely";
import { isUnyoError } from "../../src/core/errors.ts";
import { migrateToLatest, schemaStatus } from "../../src/store/migrate.ts";
import { LATEST_MIGRATION, MIGRATION_NAMES } from "../../src/store/migrations/index.ts";
import { forEachStore } from "../helpers/stores.ts";

const TABLES = [
  "alert_events",
  "api_tokens",
  "audit_log",
  "check_events",
  "check_failures",
  "check_rollups",
  "check_samples",
  "check_state",
  "config_revisions",
  "heartbeat_keys",
  "heartbeat_pings",
  "metric_chunks",
  "metric_rollups",
  "metric_series",
  "notification_attempts",
  "notification_outbox",
  "rule_alerts",
  "rule_status",
  "sessions",
  "silences",
  "unyo_meta",
  "unyo_migration",
  "unyo_migration_lock",
  "users",
];

function recordingLog() {
  const lines: Array<{ obj: object; msg: string }> = [];
  const record = (obj: object, msg: string) => lines.push({ obj, msg });
  return { lines, info: record, warn: record };
}

forEachStore("migrations", (stores) => {
  test("a new database gets every table and index", async () => {
    const log = recordingLog();
    const store = await stores.open(undefined, { log });
    const tables = await store.db.introspection.getTables({ withInternalKyselyTables: true });
    assert.deepEqual(tables.map((t) => t.name).sort(), TABLES);
    assert.deepEqual(log.lines.find((l) => l.msg === "database schema migrated")?.obj, {
      applied: MIGRATION_NAMES,
    });

    const indexQuery =
      store.kind === "postgres"
        ? sql<{
            name: string;
          }>`select indexname as name from pg_indexes where tablename = 'check_samples'`
        : sql<{
            name: string;
          }>`select name from sqlite_master where type = 'index' and tbl_name = 'check_samples'`;
    const { rows } = await indexQuery.execute(store.db);
    assert.ok(rows.some((r) => r.name === "check_samples_check_id_hour_idx"));
  });

  test("schemaStatus reports the current and latest migration", async () => {
    const store = await stores.open();
    assert.deepEqual(await schemaStatus(store.db), {
      current: LATEST_MIGRATION,
      latest: LATEST_MIGRATION,
      pending: [],
    });
    assert.deepEqual(await migrateToLatest(store.db), []);
  });

  test("a database with a migration from a newer Unyo is refused, untouched", async () => {
    const config = await stores.freshConfig();
    const first = await stores.open(config);
    await sql`insert into unyo_migration (name, timestamp) values ('999_from_the_future', '2099-01-01T00:00:00.000Z')`.execute(
      first.db,
    );
    await first.close();

    await assert.rejects(stores.open(config), (error) => {
      assert.ok(isUnyoError(error));
      assert.equal(error.code, "UNYO_E_STORE_SCHEMA_TOO_NEW");
      assert.match(error.message, /"999_from_the_future"/);
      assert.match(error.message, new RegExp(`"${LATEST_MIGRATION}"`));
      assert.match(error.message, /[Uu]pgrade Unyo/);
      assert.deepEqual(error.details, {
        unknownMigrations: ["999_from_the_future"],
        latestKnown: LATEST_MIGRATION,
      });
      return true;
    });
  });

  test("a failing migration is reported by name and rolled back", async () => {
    const config = await stores.freshConfig();
    // 001_initial creates check_state after unyo_meta; a squatter makes it fail half-way.
    await stores.exec(config, "create table check_state (squatter integer)");

    await assert.rejects(stores.open(config), (error) => {
      assert.ok(isUnyoError(error));
      assert.equal(error.code, "UNYO_E_STORE_MIGRATION_FAILED");
      assert.match(error.message, /"001_initial" failed: .*check_state.* already exists/);
      return true;
    });

    // Both dialects run migrations in a transaction: unyo_meta from the same migration
    // must be gone, so a retry after removing the squatter starts clean.
    await stores.exec(config, "drop table check_state");
    const store = await stores.open(config);
    assert.equal((await schemaStatus(store.db)).current, LATEST_MIGRATION);
  });

  // PostgreSQL only: SQLite has one Unyo process per file and no server connections.
  if (stores.kind === "postgres")
    test("instances starting together migrate once and share one instance id", async () => {
      const config = await stores.freshConfig();
      const [a, b, c] = await Promise.all([
        stores.open(config),
        stores.open(config),
        stores.open(config),
      ]);
      assert.ok(a && b && c);
      assert.equal(a.instanceId, b.instanceId);
      assert.equal(b.instanceId, c.instanceId);
      const { rows } = await sql<{ n: number }>`select count(*) as n from unyo_migration`.execute(
        a.db,
      );
      assert.equal(Number(rows[0]?.n), MIGRATION_NAMES.length);
    });
});
