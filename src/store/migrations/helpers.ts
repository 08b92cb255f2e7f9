/**
 * The few places where SQLite and PostgreSQL DDL differ, so migrations can branch on the
 * dialect in one line instead of each writing its own if/else.
 */
import { type CreateTableBuilder, type Kysely, PostgresAdapter, SqliteAdapter } from "kysely";

export type StoreKind = "sqlite" | "postgres";

/** Which database a migration runs against, read from the Kysely instance it was given. */
export function storeKindOf(db: Pick<Kysely<unknown>, "getExecutor">): StoreKind {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof PostgresAdapter) return "postgres";
  if (adapter instanceof SqliteAdapter) return "sqlite";
  throw new Error(`Unsupported database adapter: ${adapter.constructor.name}`);
}

/**
 * Adds an auto-increment integer primary key named `id`.
 * SQLite: `integer primary key autoincrement` (AUTOINCREMENT so ids of deleted rows are
 * never reused, which keeps pruned result ids from coming back).
 * PostgreSQL: a bigint identity; "by default" rather than "always" so a restore can
 * insert rows with their original ids.
 */
export function addIdColumn<T extends string>(
  table: CreateTableBuilder<T, never>,
  kind: StoreKind,
): CreateTableBuilder<T, "id"> {
  return kind === "postgres"
    ? table.addColumn("id", "bigint", (col) => col.primaryKey().generatedByDefaultAsIdentity())
    : table.addColumn("id", "integer", (col) => col.primaryKey().autoIncrement());
}
