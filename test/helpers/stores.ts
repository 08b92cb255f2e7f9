/**
 * Runs one store test suite on every database Unyo supports: SQLite and PostgreSQL.
 *
 * Store code must behave the same on both, and the only way to know is to run the same
 * tests on both — no mocks. Wrap a suite in `forEachStore` and it runs once per kind:
 *
 *   forEachStore("check results", (stores) => {
 *     test("round trip", async () => {
 *       const store = await stores.open(); // a fresh, migrated database
 *       await store.db.insertInto("check_failures").values({ ... }).execute();
 *     });
 *   });
 *
 * Every `open()` / `freshConfig()` gets its own empty database: a new file in a temp
 * directory for SQLite, a new `unyo_test_<random>` database for PostgreSQL (created via the
 * maintenance database). Stores are closed and databases dropped when the suite ends.
 *
 * PostgreSQL must be running (it is on every dev machine and in CI). The maintenance
 * connection defaults to postgres://postgres@127.0.0.1:5432/postgres; override it with
 * UNYO_TEST_POSTGRES_URL. If it is down:
 *   pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, describe } from "node:test";
import { Client } from "pg";
import { openStore, type Store, type StoreConfig } from "../../src/store/store.ts";

export const storeKinds = ["sqlite", "postgres"] as const;
export type StoreKind = (typeof storeKinds)[number];

export const MAINTENANCE_URL =
  process.env.UNYO_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface StoreFixture {
  readonly kind: StoreKind;
  /** A config pointing at a new, empty database (not yet opened or migrated). */
  freshConfig(): Promise<StoreConfig>;
  /** Opens a store (on a fresh database unless given a config); closed after the suite. */
  open(config?: StoreConfig, options?: Parameters<typeof openStore>[1]): Promise<Store>;
  /** Runs SQL on the database directly, bypassing the Store (to set up odd states). */
  exec(config: StoreConfig, sqlText: string): Promise<void>;
}

/** Declares `describe("<name> [sqlite]")` and `describe("<name> [postgres]")`. */
export function forEachStore(name: string, suite: (stores: StoreFixture) => void): void {
  for (const kind of storeKinds) {
    describe(`${name} [${kind}]`, () => {
      const fixture = kind === "sqlite" ? sqliteFixture() : postgresFixture();
      after(() => fixture.cleanup());
      suite(fixture);
    });
  }
}

interface ManagedFixture extends StoreFixture {
  cleanup(): Promise<void>;
}

/** Tracks opened stores so a suite cannot leak connections (which would hang the run). */
function withOpen(
  kind: StoreKind,
  freshConfig: () => Promise<StoreConfig>,
  exec: StoreFixture["exec"],
  dispose: () => Promise<void>,
): ManagedFixture {
  const opened: Store[] = [];
  return {
    kind,
    freshConfig,
    exec,
    async open(config, options) {
      const store = await openStore(config ?? (await freshConfig()), options);
      opened.push(store);
      return store;
    },
    async cleanup() {
      await Promise.all(opened.map((store) => store.close()));
      await dispose();
    },
  };
}

function sqliteFixture(): ManagedFixture {
  let dir: string | undefined;
  let count = 0;
  return withOpen(
    "sqlite",
    async () => {
      dir ??= mkdtempSync(join(tmpdir(), "unyo-test-"));
      count += 1;
      return { kind: "sqlite", path: join(dir, `store-${count}.db`) };
    },
    async (config, sqlText) => {
      if (config.kind !== "sqlite") throw new Error("not an sqlite config");
      const db = new DatabaseSync(config.path);
      try {
        db.exec(sqlText);
      } finally {
        db.close();
      }
    },
    async () => {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    },
  );
}

function postgresFixture(): ManagedFixture {
  const created: string[] = [];
  return withOpen(
    "postgres",
    async () => {
      const name = `unyo_test_${randomBytes(6).toString("hex")}`;
      await onMaintenance(`create database ${name}`);
      created.push(name);
      const url = new URL(MAINTENANCE_URL);
      url.pathname = `/${name}`;
      return { kind: "postgres", url: url.href, poolSize: 4 };
    },
    async (config, sqlText) => {
      if (config.kind !== "postgres") throw new Error("not a postgres config");
      await withClient(config.url, (client) => client.query(sqlText));
    },
    async () => {
      // FORCE (PostgreSQL 13+) ends connections a failed test may have left behind.
      for (const name of created)
        await onMaintenance(`drop database if exists ${name} with (force)`);
    },
  );
}

async function onMaintenance(sqlText: string): Promise<void> {
  await withClient(MAINTENANCE_URL, (client) => client.query(sqlText));
}

async function withClient(url: string, fn: (client: Client) => Promise<unknown>): Promise<void> {
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `Store tests need PostgreSQL at ${new URL(url).host} (set UNYO_TEST_POSTGRES_URL or start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)`,
      { cause: error },
    );
  }
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}
