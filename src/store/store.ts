/**
 * Opens Unyo's own database — SQLite by default, PostgreSQL for several instances — and
 * brings it to the latest schema. The composition root opens exactly one Store and closes
 * it on stop; nothing else creates database connections for Unyo's own data.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { type Dialect, Kysely, PostgresDialect, sql } from "kysely";
import type { Clock } from "../core/clock.ts";
import { isUnyoError, UnyoError } from "../core/errors.ts";
import { migrateToLatest } from "./migrate.ts";
import { checkConnection, createPool, describePostgresUrl, parsePostgresUrl } from "./postgres.ts";
import type { Database } from "./schema.ts";
import { createSqliteDialect, openSqliteDatabase } from "./sqlite-dialect.ts";

export { redactUrl } from "./postgres.ts";

export type StoreConfig =
  | { kind: "sqlite"; path: string }
  | { kind: "postgres"; url: string; poolSize?: number };

export interface Store {
  readonly kind: "sqlite" | "postgres";
  readonly db: Kysely<Database>;
  /** A human-safe description: sqlite file path, or postgres host:port/db WITHOUT password. */
  readonly description: string;
  /** Identifies this Unyo database across restarts (stored in unyo_meta). */
  readonly instanceId: string;
  /** Cheap liveness query with a timeout (default 1000 ms); never throws. */
  ping(timeoutMs?: number): Promise<boolean>;
  /** Closes every connection. Safe to call more than once. */
  close(): Promise<void>;
}

export interface StoreLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface OpenStoreOptions {
  log?: StoreLog;
  /** Only used to stamp `created_at` on a new database. */
  clock?: Pick<Clock, "now">;
}

export async function openStore(
  config: StoreConfig,
  options: OpenStoreOptions = {},
): Promise<Store> {
  const { dialect, description } =
    config.kind === "sqlite" ? openSqlite(config.path) : await openPostgres(config, options.log);
  const db = new Kysely<Database>({ dialect });
  try {
    await migrateToLatest(db, options.log);
    const instanceId = await ensureInstanceId(db, options.clock?.now() ?? Date.now());
    return makeStore(config.kind, db, description, instanceId);
  } catch (error) {
    await db.destroy().catch(() => {});
    if (isUnyoError(error)) throw error;
    // Connected, but a plain query failed (lost connection, locked or read-only file).
    const reason = error instanceof Error ? error.message : String(error);
    throw new UnyoError(
      "UNYO_E_STORE_UNAVAILABLE",
      `Cannot use the ${config.kind === "sqlite" ? "SQLite" : "PostgreSQL"} database at ${description}: ${reason}`,
      {
        hint: "Check that the database is reachable and writable by Unyo, then start Unyo again.",
        details: { database: description },
        cause: error,
      },
    );
  }
}

function openSqlite(path: string): { dialect: Dialect; description: string } {
  const inMemory = path === ":memory:";
  const file = inMemory ? path : resolve(path);
  let database: DatabaseSync;
  try {
    if (!inMemory) mkdirSync(dirname(file), { recursive: true });
    database = openSqliteDatabase(file);
  } catch (error) {
    throw new UnyoError(
      "UNYO_E_STORE_UNAVAILABLE",
      `Cannot open the SQLite database at ${file}: ${error instanceof Error ? error.message : String(error)}`,
      {
        hint: "Check that the directory is writable by the user running Unyo and that storage.sqlite.path points at an SQLite database file (or a new one).",
        details: { database: file },
        cause: error,
      },
    );
  }
  return { dialect: createSqliteDialect(database), description: file };
}

async function openPostgres(
  config: { url: string; poolSize?: number },
  log: StoreLog | undefined,
): Promise<{ dialect: Dialect; description: string }> {
  const url = parsePostgresUrl(config.url);
  const pool = createPool(config.url, config.poolSize, log);
  try {
    await checkConnection(pool, url);
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  return { dialect: new PostgresDialect({ pool }), description: describePostgresUrl(url) };
}

/** Creates `instance_id` and `created_at` on first open; later opens just read them. */
async function ensureInstanceId(db: Kysely<Database>, now: number): Promise<string> {
  await db
    .insertInto("unyo_meta")
    .values([
      { key: "instance_id", value: randomUUID() },
      { key: "created_at", value: String(now) },
    ])
    // Another instance may have won the race on a shared PostgreSQL; theirs is kept.
    .onConflict((oc) => oc.column("key").doNothing())
    .execute();
  const row = await db
    .selectFrom("unyo_meta")
    .select("value")
    .where("key", "=", "instance_id")
    .executeTakeFirstOrThrow();
  return row.value;
}

function makeStore(
  kind: Store["kind"],
  db: Kysely<Database>,
  description: string,
  instanceId: string,
): Store {
  let closing: Promise<void> | undefined;
  return {
    kind,
    db,
    description,
    instanceId,
    async ping(timeoutMs = 1000) {
      if (closing !== undefined) return false;
      // Real wall time on purpose: this bounds a network wait, it schedules nothing.
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((done) => {
        timer = setTimeout(() => done(false), timeoutMs);
      });
      const query = sql`select 1`.execute(db).then(
        () => true,
        () => false,
      );
      try {
        return await Promise.race([query, timedOut]);
      } finally {
        clearTimeout(timer);
      }
    },
    close() {
      closing ??= db.destroy();
      return closing;
    },
  };
}
