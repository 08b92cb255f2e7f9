/**
 * Users and API tokens (see src/auth/users.ts, src/auth/tokens.ts and docs/security.md).
 * A migration is history: once released, never edit it — add a new one instead.
 */
import { type Kysely, type Migration, sql } from "kysely";
import { addIdColumn, storeKindOf } from "./helpers.ts";

export const migration003UsersTokens: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const kind = storeKindOf(db);

    // Usernames are stored lower-cased, so the plain unique constraint is case-insensitive.
    await addIdColumn(db.schema.createTable("users"), kind)
      .addColumn("username", "text", (col) => col.notNull().unique())
      .addColumn("display_name", "text")
      .addColumn("role", "text", (col) => col.notNull())
      .addColumn("password_hash", "text", (col) => col.notNull())
      .addColumn("password_changed_at", "bigint", (col) => col.notNull())
      .addColumn("disabled", "integer", (col) => col.notNull().defaultTo(0))
      .addColumn("created_at", "bigint", (col) => col.notNull())
      .addColumn("last_login_at", "bigint")
      .addColumn("mfa_enabled", "integer", (col) => col.notNull().defaultTo(0))
      .addColumn("totp_secret", "text")
      .addColumn("totp_last_step", "bigint")
      .addColumn("recovery_codes", "text")
      .execute();

    await addIdColumn(db.schema.createTable("api_tokens"), kind)
      .addColumn("name", "text", (col) => col.notNull())
      .addColumn("user_id", "bigint", (col) => col.references("users.id").onDelete("cascade"))
      .addColumn("role", "text", (col) => col.notNull())
      .addColumn("token_hash", "text", (col) => col.notNull().unique())
      .addColumn("prefix", "text", (col) => col.notNull())
      .addColumn("created_at", "bigint", (col) => col.notNull())
      .addColumn("expires_at", "bigint")
      .addColumn("last_used_at", "bigint")
      .addColumn("revoked_at", "bigint")
      .execute();

    // Names are unique among tokens still in force; a revoked token's name can be reused.
    await db.schema
      .createIndex("api_tokens_active_name_idx")
      .on("api_tokens")
      .column("name")
      .unique()
      .where(sql.ref("revoked_at"), "is", null)
      .execute();
    await db.schema
      .createIndex("api_tokens_user_id_idx")
      .on("api_tokens")
      .column("user_id")
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("api_tokens").execute();
    await db.schema.dropTable("users").execute();
  },
};
