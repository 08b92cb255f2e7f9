/**
 * SQLite for Kysely on Node's built-in `node:sqlite`, so Unyo needs no native addon.
 *
 * Kysely's `SqliteDialect` only needs the small `SqliteDatabase` interface it documents
 * (modelled on better-sqlite3); this file adapts `DatabaseSync` to it. Kysely serialises
 * all access through one connection, which suits SQLite's single writer anyway.
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import {
  type DialectAdapter,
  SqliteAdapter,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteStatement,
} from "kysely";

/** How long a statement waits for another process's lock (e.g. a backup) before failing. */
const BUSY_TIMEOUT_MS = 5000;

type Row = Record<string, unknown>;

/**
 * Opens the file (`:memory:` works too) with the settings every Unyo SQLite store uses.
 * Throws node:sqlite's error if the file cannot be opened; the caller words it for people.
 */
export function openSqliteDatabase(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  try {
    // WAL lets readers (the API, `sqlite3 .backup`) run while the scheduler writes.
    db.exec("PRAGMA journal_mode = WAL");
    // Set explicitly rather than relying on node:sqlite's default, which has changed before.
    db.exec("PRAGMA foreign_keys = ON");
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // NORMAL is durable across application crashes in WAL mode; only an OS crash or power
    // loss can lose the last transactions, which is acceptable for monitoring data.
    db.exec("PRAGMA synchronous = NORMAL");
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** Wraps a `DatabaseSync` in the interface Kysely's SqliteDialect expects. */
export function toKyselySqlite(db: DatabaseSync): SqliteDatabase {
  return {
    prepare: (sql) => wrapStatement(db.prepare(sql)),
    close: () => {
      // Kysely calls this once from destroy(); guard anyway since node:sqlite throws on a
      // second close.
      if (db.isOpen) db.close();
    },
  };
}

function wrapStatement(statement: StatementSync): SqliteStatement {
  return {
    // A statement returns rows exactly when it has result columns. This covers SELECT,
    // INSERT ... RETURNING, PRAGMA and raw `sql` alike, where parsing the text would not.
    reader: statement.columns().length > 0,
    all: (parameters) => statement.all(...bind(parameters)).map(plainRow),
    run: (parameters) => statement.run(...bind(parameters)),
    iterate: (parameters) => iterateRows(statement, parameters),
  };
}

function* iterateRows(statement: StatementSync, parameters: ReadonlyArray<unknown>) {
  for (const row of statement.iterate(...bind(parameters))) yield plainRow(row);
}

/**
 * node:sqlite rows have a null prototype; PostgreSQL rows do not. Copying them keeps the
 * two dialects indistinguishable to callers (`assert.deepStrictEqual` compares prototypes).
 */
function plainRow(row: unknown): Row {
  return { ...(row as Row) };
}

/**
 * node:sqlite silently stores `true` as 1, but PostgreSQL rejects a boolean bound to an
 * integer column. Rejecting booleans here makes that mistake fail in SQLite tests too,
 * instead of only in production on PostgreSQL.
 */
function bind(parameters: ReadonlyArray<unknown>): SQLInputValue[] {
  for (const value of parameters) {
    if (typeof value === "boolean") {
      throw new TypeError("Unyo stores booleans as integers 0/1; bind 1 or 0, not a boolean");
    }
  }
  return parameters as SQLInputValue[];
}

/**
 * Kysely's SQLite adapter reports no transactional DDL, so its Migrator would run
 * migrations outside a transaction and a failure would leave a half-built schema. SQLite
 * does roll back CREATE/ALTER/DROP, so we say so and get all-or-nothing migrations, as on
 * PostgreSQL.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/** Kysely's SqliteDialect with migrations that run in one transaction. */
export class UnyoSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

export function createSqliteDialect(db: DatabaseSync): SqliteDialect {
  return new UnyoSqliteDialect({ database: toKyselySqlite(db) });
}
