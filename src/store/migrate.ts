/**
 * Brings the database schema up to date, and refuses databases from a newer Unyo.
 *
 * Kysely's Migrator does the work (one transaction, a lock so two instances on one
 * PostgreSQL do not race). What we add is the check before it: a database that holds
 * migrations this code does not know was used by a newer Unyo, and running against a
 * schema we do not understand — or "fixing" it by rolling back — could lose data.
 */
import { type Kysely, Migrator, sql } from "kysely";
import { UnyoError } from "../core/errors.ts";
import { storeKindOf } from "./migrations/helpers.ts";
import {
  LATEST_MIGRATION,
  MIGRATION_LOCK_TABLE,
  MIGRATION_NAMES,
  MIGRATION_TABLE,
  migrationProvider,
} from "./migrations/index.ts";
import type { Database } from "./schema.ts";

export interface MigrationLog {
  info(obj: object, msg: string): void;
}

export interface SchemaStatus {
  /** The newest migration applied to this database, or null for an empty database. */
  current: string | null;
  /** The newest migration this version of Unyo knows. */
  latest: string;
  /** Known migrations not yet applied, in the order they will run. */
  pending: string[];
}

/** Applies pending migrations; returns the names applied (empty when already current). */
export async function migrateToLatest(db: Kysely<Database>, log?: MigrationLog): Promise<string[]> {
  const executed = await readExecutedMigrations(db);
  refuseUnknownMigrations(executed);

  const pending = MIGRATION_NAMES.filter((name) => !executed.includes(name));
  if (pending.length === 0) return [];
  log?.info({ pending }, "migrating the database schema");

  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((r) => r.status === "Error")?.migrationName;
    throw migrationFailed(failed, error, executed.at(-1) ?? null);
  }

  // May be empty: another instance sharing the PostgreSQL database can migrate while we
  // wait for the migration lock.
  const applied = results.filter((r) => r.status === "Success").map((r) => r.migrationName);
  if (applied.length > 0) log?.info({ applied }, "database schema migrated");
  return applied;
}

/** Where the schema stands, without changing anything. */
export async function schemaStatus(db: Kysely<Database>): Promise<SchemaStatus> {
  const executed = await readExecutedMigrations(db);
  return {
    current: executed.at(-1) ?? null,
    latest: LATEST_MIGRATION,
    pending: MIGRATION_NAMES.filter((name) => !executed.includes(name)),
  };
}

/** Names recorded in the migration table, in name order; empty if there is no table yet. */
async function readExecutedMigrations(db: Kysely<Database>): Promise<string[]> {
  if (!(await migrationTableExists(db))) return [];
  const { rows } = await sql<{ name: string }>`
    select name from ${sql.table(MIGRATION_TABLE)} order by name`.execute(db);
  return rows.map((row) => row.name);
}

async function migrationTableExists(db: Kysely<Database>): Promise<boolean> {
  // to_regclass resolves through search_path, exactly like the unqualified name Kysely's
  // Migrator uses, so a same-named table in another schema does not confuse us.
  const query =
    storeKindOf(db) === "postgres"
      ? sql<{
          found: number;
        }>`select 1 as found where to_regclass(${MIGRATION_TABLE}::text) is not null`
      : sql<{
          found: number;
        }>`select 1 as found from sqlite_master where type = 'table' and name = ${MIGRATION_TABLE}`;
  const { rows } = await query.execute(db);
  return rows.length > 0;
}

function refuseUnknownMigrations(executed: readonly string[]): void {
  const unknown = executed.filter((name) => !MIGRATION_NAMES.includes(name));
  if (unknown.length === 0) return;
  const list = unknown.map((name) => `"${name}"`).join(", ");
  throw new UnyoError(
    "UNYO_E_STORE_SCHEMA_TOO_NEW",
    `This database was migrated by a newer version of Unyo: it has migration(s) ${list} that ` +
      `this version does not know (the latest it knows is "${LATEST_MIGRATION}"). Unyo will ` +
      "not run against a schema it does not understand and never downgrades a database, " +
      "so nothing was changed. Upgrade Unyo to the version that last used this database, or " +
      "point this Unyo at another database.",
    {
      hint:
        "Upgrade Unyo, or change storage.sqlite.path / storage.postgres.url " +
        "(or UNYO_DATABASE_URL) to a database this version created.",
      details: { unknownMigrations: unknown, latestKnown: LATEST_MIGRATION },
    },
  );
}

function migrationFailed(
  migration: string | undefined,
  error: unknown,
  current: string | null,
): UnyoError {
  const reason = error instanceof Error ? error.message : String(error);
  const what =
    migration === undefined
      ? "Preparing the database for migrations failed"
      : `Database migration "${migration}" failed`;
  return new UnyoError(
    "UNYO_E_STORE_MIGRATION_FAILED",
    `${what}: ${reason}. The migration ran in a transaction and was rolled back; the ` +
      `database schema is still at ${current === null ? "its empty state" : `"${current}"`}.`,
    {
      hint:
        "Fix the database problem above (permissions, disk space, a conflicting table) and " +
        "start Unyo again; the migration will be retried.",
      details: { migration: migration ?? null, databaseError: reason, current },
      cause: error,
    },
  );
}
