/**
 * Users: the store layer behind `unyo users add | list | passwd | disable | role` and the
 * access review. No HTTP, no sessions here.
 *
 * Usernames are lower-cased before anything else, so `Alice` and `alice` are one account.
 * Password hashes, TOTP secrets and recovery codes never leave this module through list(),
 * get() or accessReview(); only secretsOf() reads them, for the log-in code.
 */
import type { Kysely, Selectable } from "kysely";
import type { Clock } from "../core/clock.ts";
import { UnyoError } from "../core/errors.ts";
import type { Database, UsersTable } from "../store/schema.ts";
import { hashPassword, needsRehash, verifyPassword } from "./password-hash.ts";
import { checkPassword, DEFAULT_PASSWORD_POLICY, type PasswordPolicy } from "./password-policy.ts";
import { isRole, ROLES, type Role } from "./roles.ts";
import { type TokenRecord, TokenService } from "./tokens.ts";

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._@-]{1,63}$/;

export interface User {
  id: number;
  username: string;
  displayName: string | null;
  role: Role;
  disabled: boolean;
  mfaEnabled: boolean;
  createdAt: number;
  passwordChangedAt: number;
  lastLoginAt: number | null;
}

/** What the log-in and MFA code needs; never returned by list() or get(). */
export interface UserSecrets {
  passwordHash: string;
  totpSecret: string | null;
  totpLastStep: number | null;
  /** Hex sha256 hashes of the unused recovery codes. */
  recoveryCodes: string[];
}

export interface AddUserInput {
  username: string;
  password: string;
  role: Role;
  displayName?: string | null;
}

/** A token as the access review shows it: its owner is the entry it is listed under. */
export type AccessReviewToken = Omit<TokenRecord, "userId" | "revokedAt">;

export interface AccessReviewEntry {
  username: string;
  displayName: string | null;
  role: Role;
  disabled: boolean;
  mfaEnabled: boolean;
  lastLoginAt: number | null;
  /** Tokens not revoked (expired ones included: they still show who had access). */
  tokens: AccessReviewToken[];
}

export interface AccessReview {
  generatedAt: number;
  users: AccessReviewEntry[];
  /** Tokens that belong to no user. */
  serviceTokens: AccessReviewToken[];
}

export interface UserServiceOptions {
  policy?: PasswordPolicy;
}

const PUBLIC_COLUMNS = [
  "id",
  "username",
  "display_name",
  "role",
  "disabled",
  "mfa_enabled",
  "created_at",
  "password_changed_at",
  "last_login_at",
] as const;

type PublicRow = Pick<Selectable<UsersTable>, (typeof PUBLIC_COLUMNS)[number]>;

let dummyHash: Promise<string> | undefined;

/** A hash nobody's password matches, verified against for unknown users (equal timing). */
function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(`unyo-dummy-${Math.random()}`);
  return dummyHash;
}

export class UserService {
  readonly #db: Kysely<Database>;
  readonly #clock: Pick<Clock, "now">;
  readonly #policy: PasswordPolicy;

  constructor(db: Kysely<Database>, clock: Pick<Clock, "now">, options: UserServiceOptions = {}) {
    this.#db = db;
    this.#clock = clock;
    this.#policy = options.policy ?? DEFAULT_PASSWORD_POLICY;
  }

  async add(input: AddUserInput): Promise<User> {
    const username = checkUsername(input.username);
    checkRole(input.role);
    this.#checkPassword(username, input.password);
    if (await this.#find(username)) throw duplicate(username);
    const passwordHash = await hashPassword(input.password);
    const now = this.#clock.now();
    try {
      await this.#db
        .insertInto("users")
        .values({
          username,
          display_name: input.displayName ?? null,
          role: input.role,
          password_hash: passwordHash,
          password_changed_at: now,
          created_at: now,
        })
        .execute();
    } catch (error) {
      // Lost a race with another add of the same name: the unique constraint decided.
      if (await this.#find(username)) throw duplicate(username);
      throw error;
    }
    return this.#require(username);
  }

  /** Every user, by username. */
  async list(): Promise<User[]> {
    const rows = await this.#db
      .selectFrom("users")
      .select(PUBLIC_COLUMNS)
      .orderBy("username")
      .execute();
    return rows.map(toUser);
  }

  /** The user, or undefined (also for a name that is not a valid username). */
  async get(username: string): Promise<User | undefined> {
    return this.#find(normaliseUsername(username));
  }

  async setPassword(username: string, password: string): Promise<User> {
    const user = await this.#require(username);
    this.#checkPassword(user.username, password);
    const passwordHash = await hashPassword(password);
    await this.#db
      .updateTable("users")
      .set({ password_hash: passwordHash, password_changed_at: this.#clock.now() })
      .where("id", "=", user.id)
      .execute();
    return this.#require(user.username);
  }

  async setRole(username: string, role: Role): Promise<User> {
    checkRole(role);
    const user = await this.#require(username);
    await this.#db.updateTable("users").set({ role }).where("id", "=", user.id).execute();
    return { ...user, role };
  }

  async disable(username: string): Promise<User> {
    return this.#setDisabled(username, true);
  }

  async enable(username: string): Promise<User> {
    return this.#setDisabled(username, false);
  }

  /**
   * The user when the password is right and the account enabled; null otherwise, without
   * saying why. Unknown names still cost one scrypt verification, so the answer time does
   * not reveal which usernames exist.
   */
  async verifyCredentials(username: string, password: string): Promise<User | null> {
    const name = normaliseUsername(username);
    const row = USERNAME_PATTERN.test(name)
      ? await this.#db
          .selectFrom("users")
          .select([...PUBLIC_COLUMNS, "password_hash"])
          .where("username", "=", name)
          .executeTakeFirst()
      : undefined;
    if (!row) {
      await verifyPassword(password, await dummyPasswordHash());
      return null;
    }
    const ok = await verifyPassword(password, row.password_hash);
    if (!ok || row.disabled) return null;
    if (needsRehash(row.password_hash)) {
      // Parameters were raised since this hash was made: store a stronger one.
      await this.#db
        .updateTable("users")
        .set({ password_hash: await hashPassword(password) })
        .where("id", "=", row.id)
        .execute();
    }
    return toUser(row);
  }

  /** Records a successful log-in (after MFA, when the account has it). */
  async recordLogin(id: number): Promise<void> {
    await this.#db
      .updateTable("users")
      .set({ last_login_at: this.#clock.now() })
      .where("id", "=", id)
      .execute();
  }

  /** The secrets of one account, for the log-in and MFA code only. Undefined if unknown. */
  async secretsOf(id: number): Promise<UserSecrets | undefined> {
    const row = await this.#db
      .selectFrom("users")
      .select(["password_hash", "totp_secret", "totp_last_step", "recovery_codes"])
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      passwordHash: row.password_hash,
      totpSecret: row.totp_secret,
      totpLastStep: row.totp_last_step === null ? null : Number(row.totp_last_step),
      recoveryCodes:
        row.recovery_codes === null ? [] : (JSON.parse(row.recovery_codes) as string[]),
    };
  }

  /** Each user with role, MFA state, last log-in, and their tokens not revoked. */
  async accessReview(): Promise<AccessReview> {
    const users = await this.list();
    // The token list is the TokenService's; the review only groups it by owner.
    const tokens = await new TokenService(this.#db, this.#clock).list();
    const byUser = new Map<number | null, AccessReviewToken[]>();
    for (const { userId, revokedAt, ...token } of tokens) {
      if (revokedAt !== null) continue;
      byUser.set(userId, [...(byUser.get(userId) ?? []), token]);
    }
    return {
      generatedAt: this.#clock.now(),
      users: users.map((u) => ({
        username: u.username,
        displayName: u.displayName,
        role: u.role,
        disabled: u.disabled,
        mfaEnabled: u.mfaEnabled,
        lastLoginAt: u.lastLoginAt,
        tokens: byUser.get(u.id) ?? [],
      })),
      serviceTokens: byUser.get(null) ?? [],
    };
  }

  async #setDisabled(username: string, disabled: boolean): Promise<User> {
    const user = await this.#require(username);
    await this.#db
      .updateTable("users")
      .set({ disabled: disabled ? 1 : 0 })
      .where("id", "=", user.id)
      .execute();
    return { ...user, disabled };
  }

  #checkPassword(username: string, password: string): void {
    const problems =
      typeof password === "string"
        ? checkPassword(password, { username, policy: this.#policy })
        : ["must be a string"];
    if (problems.length > 0) {
      throw new UnyoError("UNYO_E_VALIDATION", `The password ${problems.join("; ")}.`, {
        details: { problems },
        hint: "Choose a password that meets every rule listed.",
      });
    }
  }

  async #find(username: string): Promise<User | undefined> {
    if (!USERNAME_PATTERN.test(username)) return undefined;
    const row = await this.#db
      .selectFrom("users")
      .select(PUBLIC_COLUMNS)
      .where("username", "=", username)
      .executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async #require(username: string): Promise<User> {
    const name = normaliseUsername(username);
    const user = await this.#find(name);
    if (!user) {
      throw new UnyoError("UNYO_E_NOT_FOUND", `No user named "${name}".`, {
        details: { username: name },
        hint: "List the users with `unyo users list`.",
      });
    }
    return user;
  }
}

function normaliseUsername(username: string): string {
  return typeof username === "string" ? username.trim().toLowerCase() : "";
}

/** Lower-cases and validates; throws UNYO_E_VALIDATION for anything else. */
export function checkUsername(username: string): string {
  const name = normaliseUsername(username);
  if (!USERNAME_PATTERN.test(name)) {
    throw new UnyoError(
      "UNYO_E_VALIDATION",
      "A username is 2 to 64 characters: letters, digits, '.', '_', '@' or '-', starting with a letter or digit.",
      { details: { username: String(username).slice(0, 100) } },
    );
  }
  return name;
}

function checkRole(role: unknown): asserts role is Role {
  if (!isRole(role)) {
    throw new UnyoError("UNYO_E_VALIDATION", `The role must be one of ${ROLES.join(", ")}.`, {
      details: { role },
    });
  }
}

function duplicate(username: string): UnyoError {
  return new UnyoError("UNYO_E_VALIDATION", `A user named "${username}" already exists.`, {
    details: { username },
    hint: "Usernames are case-insensitive; choose another one.",
  });
}

function toUser(row: PublicRow): User {
  return {
    id: Number(row.id),
    username: row.username,
    displayName: row.display_name,
    role: row.role,
    disabled: Number(row.disabled) === 1,
    mfaEnabled: Number(row.mfa_enabled) === 1,
    createdAt: Number(row.created_at),
    passwordChangedAt: Number(row.password_changed_at),
    lastLoginAt: row.last_login_at === null ? null : Number(row.last_login_at),
  };
}
