/**
 * Every migration, in order. An explicit list rather than a directory scan: it works the
 * same from a source checkout, a bundle or a test, and a missing import is a type error.
 *
 * To add one: create `NNN_what.ts` exporting a `Migration`, append it here with the same
 * name. Names sort lexically (Kysely runs them in name order), hence the zero padding.
 */
import type { Migration, MigrationProvider } from "kysely";
import { migration001Initial } from "./001_initial.ts";
import { migration002AuditLog } from "./002_audit_log.ts";
import { migration003UsersTokens } from "./003_users_tokens.ts";
import { migration004Sessions } from "./004_sessions.ts";
import { migration005CheckHistory } from "./005_check_history.ts";
import { migration006Heartbeats } from "./006_heartbeats.ts";
import { migration007Metrics } from "./007_metrics.ts";
import { migration008Rules } from "./008_rules.ts";
import { migration009Silences } from "./009_silences.ts";
import { migration010Notifications } from "./010_notifications.ts";

export const MIGRATIONS: ReadonlyArray<readonly [name: string, migration: Migration]> = [
  ["001_initial", migration001Initial],
  ["002_audit_log", migration002AuditLog],
  ["003_users_tokens", migration003UsersTokens],
  ["004_sessions", migration004Sessions],
  ["005_check_history", migration005CheckHistory],
  ["006_heartbeats", migration006Heartbeats],
  ["007_metrics", migration007Metrics],
  ["008_rules", migration008Rules],
  ["009_silences", migration009Silences],
  ["010_notifications", migration010Notifications],
];

export const MIGRATION_NAMES: readonly string[] = MIGRATIONS.map(([name]) => name);

/** The name of the newest migration this version of Unyo knows. */
export const LATEST_MIGRATION: string = MIGRATION_NAMES[MIGRATION_NAMES.length - 1] ?? "";

export const MIGRATION_TABLE = "unyo_migration";
export const MIGRATION_LOCK_TABLE = "unyo_migration_lock";

/** Hands Kysely's Migrator the static list above. */
export const migrationProvider: MigrationProvider = {
  getMigrations: async () => Object.fromEntries(MIGRATIONS),
};
