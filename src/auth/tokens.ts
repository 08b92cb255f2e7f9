/**
 * API tokens, sent as `Authorization: Bearer unyo_…`.
 *
 * A token is `unyo_` followed by 32 random bytes in base64url. It is shown once, at
 * creation; only its hex sha256 is stored (a fast hash is right here: the token has 256
 * bits of entropy, so there is nothing to brute-force). Lists show the first characters
 * (`prefix`) so a person can tell tokens apart.
 *
 * authenticate() refuses unknown, revoked and expired tokens and tokens whose owner is
 * disabled; the role it returns is capped at the owner's current role, so demoting a user
 * demotes their tokens. last_used_at is written at most once a minute per token.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { Clock } from "../core/clock.ts";
import { UnyoError } from "../core/errors.ts";
import type { ApiTokensTable, Database } from "../store/schema.ts";
import { isRole, minRole, ROLES, type Role, roleAtLeast } from "./roles.ts";

export const TOKEN_PREFIX = "unyo_";
/** `unyo_` plus this many characters of the token are kept to recognise it in lists. */
const VISIBLE_CHARS = 8;
/** last_used_at is not rewritten more often than this. */
export const LAST_USED_RESOLUTION_MS = 60_000;
const TOKEN_PATTERN = /^unyo_[A-Za-z0-9_-]{43}$/;
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export interface TokenRecord {
  id: number;
  name: string;
  userId: number | null;
  role: Role;
  prefix: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface CreateTokenInput {
  name: string;
  role: Role;
  userId?: number | null;
  expiresInMs?: number;
  /** The token expires at this time at the latest (a token made by a token ends with it). */
  notAfter?: number | null;
}

const RECORD_COLUMNS = [
  "id",
  "name",
  "user_id",
  "role",
  "prefix",
  "created_at",
  "expires_at",
  "last_used_at",
  "revoked_at",
] as const;

type RecordRow = Omit<ApiTokensTable, "id" | "token_hash"> & { id: number | string | bigint };

/** Hex sha256 of a token: what the store keeps. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export class TokenService {
  readonly #db: Kysely<Database>;
  readonly #clock: Pick<Clock, "now">;

  constructor(db: Kysely<Database>, clock: Pick<Clock, "now">) {
    this.#db = db;
    this.#clock = clock;
  }

  /** Makes a token. `token` is the only time the secret is available: show it, then drop it. */
  async create(input: CreateTokenInput): Promise<{ token: string; record: TokenRecord }> {
    const name = typeof input.name === "string" ? input.name.trim() : "";
    if (!NAME_PATTERN.test(name)) {
      throw invalid(
        "A token name is 1 to 64 characters: letters, digits, '.', '_', '@' or '-', starting with a letter or digit.",
        { name: String(input.name).slice(0, 100) },
      );
    }
    if (!isRole(input.role)) {
      throw invalid(`The role must be one of ${ROLES.join(", ")}.`, { role: input.role });
    }
    const userId = input.userId ?? null;
    if (userId !== null) {
      const owner = await this.#db
        .selectFrom("users")
        .select(["role", "disabled"])
        .where("id", "=", userId)
        .executeTakeFirst();
      if (!owner) {
        throw new UnyoError("UNYO_E_NOT_FOUND", `No user with id ${userId}.`, {
          details: { userId },
        });
      }
      if (!roleAtLeast(owner.role, input.role)) {
        throw invalid(`A token cannot have a higher role than its user (${owner.role}).`, {
          role: input.role,
          userRole: owner.role,
        });
      }
    }
    const now = this.#clock.now();
    let expiresAt: number | null = null;
    if (input.expiresInMs !== undefined) {
      if (!Number.isSafeInteger(input.expiresInMs) || input.expiresInMs <= 0) {
        throw invalid("expiresInMs must be a positive whole number of milliseconds.", {
          expiresInMs: input.expiresInMs,
        });
      }
      expiresAt = now + input.expiresInMs;
    }
    if (input.notAfter !== undefined && input.notAfter !== null) {
      expiresAt = expiresAt === null ? input.notAfter : Math.min(expiresAt, input.notAfter);
    }
    if (await this.#activeNamed(name)) throw duplicate(name);

    const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
    const values = {
      name,
      user_id: userId,
      role: input.role,
      token_hash: hashToken(token),
      prefix: token.slice(0, TOKEN_PREFIX.length + VISIBLE_CHARS),
      created_at: now,
      expires_at: expiresAt,
      last_used_at: null,
      revoked_at: null,
    };
    try {
      await this.#db.insertInto("api_tokens").values(values).execute();
    } catch (error) {
      // Lost a race with another create of the same name: the partial unique index decided.
      if (await this.#activeNamed(name)) throw duplicate(name);
      throw error;
    }
    const row = await this.#db
      .selectFrom("api_tokens")
      .select(RECORD_COLUMNS)
      .where("token_hash", "=", values.token_hash)
      .executeTakeFirstOrThrow();
    return { token, record: toRecord(row) };
  }

  /** Every token, revoked ones included, by creation. Never the hashes. */
  async list(): Promise<TokenRecord[]> {
    const rows = await this.#db
      .selectFrom("api_tokens")
      .select(RECORD_COLUMNS)
      .orderBy("id")
      .execute();
    return rows.map(toRecord);
  }

  /** Revokes a token for good. Revoking a revoked token changes nothing. */
  async revoke(id: number): Promise<TokenRecord> {
    const row = await this.#db
      .selectFrom("api_tokens")
      .select(RECORD_COLUMNS)
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) {
      throw new UnyoError("UNYO_E_NOT_FOUND", `No API token with id ${id}.`, {
        details: { id },
        hint: "List the tokens to find the id.",
      });
    }
    const record = toRecord(row);
    if (record.revokedAt !== null) return record;
    const revokedAt = this.#clock.now();
    await this.#db
      .updateTable("api_tokens")
      .set({ revoked_at: revokedAt })
      .where("id", "=", record.id)
      .where("revoked_at", "is", null)
      .execute();
    return { ...record, revokedAt };
  }

  /**
   * The token's record when it may be used now; null when unknown, malformed, revoked,
   * expired, or its user is disabled. The returned role is the lesser of the token's and
   * its user's current role.
   */
  async authenticate(token: string): Promise<TokenRecord | null> {
    if (typeof token !== "string" || !TOKEN_PATTERN.test(token)) return null;
    const row = await this.#db
      .selectFrom("api_tokens")
      .leftJoin("users", "users.id", "api_tokens.user_id")
      .select([
        "api_tokens.id",
        "api_tokens.name",
        "api_tokens.user_id",
        "api_tokens.role",
        "api_tokens.prefix",
        "api_tokens.created_at",
        "api_tokens.expires_at",
        "api_tokens.last_used_at",
        "api_tokens.revoked_at",
        "users.role as user_role",
        "users.disabled as user_disabled",
      ])
      .where("api_tokens.token_hash", "=", hashToken(token))
      .executeTakeFirst();
    if (!row) return null;
    const record = toRecord(row);
    const now = this.#clock.now();
    if (record.revokedAt !== null) return null;
    if (record.expiresAt !== null && now >= record.expiresAt) return null;
    if (record.userId !== null) {
      if (row.user_role === null || Number(row.user_disabled) === 1) return null;
      record.role = minRole(record.role, row.user_role);
    }
    if (record.lastUsedAt === null || now - record.lastUsedAt >= LAST_USED_RESOLUTION_MS) {
      await this.#db
        .updateTable("api_tokens")
        .set({ last_used_at: now })
        .where("id", "=", record.id)
        .execute();
      record.lastUsedAt = now;
    }
    return record;
  }

  async #activeNamed(name: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom("api_tokens")
      .select("id")
      .where("name", "=", name)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return row !== undefined;
  }
}

function toRecord(row: RecordRow): TokenRecord {
  const optional = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: Number(row.id),
    name: row.name,
    userId: optional(row.user_id),
    role: row.role,
    prefix: row.prefix,
    createdAt: Number(row.created_at),
    expiresAt: optional(row.expires_at),
    lastUsedAt: optional(row.last_used_at),
    revokedAt: optional(row.revoked_at),
  };
}

function invalid(message: string, details: unknown): UnyoError {
  return new UnyoError("UNYO_E_VALIDATION", message, { details });
}

function duplicate(name: string): UnyoError {
  return invalid(`An API token named "${name}" already exists.`, { name });
}
