/**
 * Log-in and "who is this request": the one place that turns a password (+ second factor),
 * a session cookie or an API token into an Identity, and that records log-ins in the audit
 * log. HTTP details (cookies, headers, CSRF) live in src/api/auth-plugin.ts.
 *
 * Every failed log-in — unknown user, wrong password, disabled account, throttled, wrong
 * code — is answered with the same UNYO_E_LOGIN_FAILED message; only the audit log says
 * which it was.
 */
import type { Kysely } from "kysely";
import type { AuditLog } from "../audit/audit-log.ts";
import type { SecurityConfig } from "../config/security-schema.ts";
import type { Clock } from "../core/clock.ts";
import { UnyoError } from "../core/errors.ts";
import type { Database } from "../store/schema.ts";
import { LoginThrottle } from "./login-throttle.ts";
import { MfaService } from "./mfa.ts";
import { passwordExpired } from "./password-policy.ts";
import type { Role } from "./roles.ts";
import { type CreatedSession, type Session, SessionService } from "./sessions.ts";
import { TokenService } from "./tokens.ts";
import { type User, UserService } from "./users.ts";

/** What a signed-in user must do before anything else. */
export type Restriction = "mfa_enrolment" | "password_change";

export interface Identity {
  kind: "session" | "token";
  /** What the audit log records: the username, or `token:<name>` for a service token. */
  actor: string;
  userId: number | null;
  username: string | null;
  role: Role;
  restriction: Restriction | null;
  session?: Session;
  tokenId?: number;
  /** When the token used expires (null: never); tokens it makes must not outlive it. */
  tokenExpiresAt?: number | null;
}

export interface LoginInput {
  username: string;
  password: string;
  /** TOTP or recovery code, when the account has MFA. */
  code?: string | undefined;
  sourceIp: string | null;
  userAgent?: string | null;
}

export interface LoginSuccess {
  user: User;
  restriction: Restriction | null;
}

const GENERIC_FAILURE =
  "The username, password or code is wrong, or the account is locked for a while.";

export class AuthService {
  readonly #db: Kysely<Database>;
  readonly #clock: Pick<Clock, "now">;
  readonly #audit: AuditLog;
  readonly #security: () => SecurityConfig;
  readonly throttle: LoginThrottle;

  constructor(
    db: Kysely<Database>,
    clock: Pick<Clock, "now">,
    audit: AuditLog,
    security: () => SecurityConfig,
  ) {
    this.#db = db;
    this.#clock = clock;
    this.#audit = audit;
    this.#security = security;
    const t = security().login_throttle;
    this.throttle = new LoginThrottle(clock, {
      freeAttempts: t.free_attempts,
      lockoutAfter: t.lockout_after,
      lockoutMs: t.lockout,
    });
  }

  /** Services bound to the current config (the password policy and TTLs can be reloaded). */
  get users(): UserService {
    return new UserService(this.#db, this.#clock, { policy: this.#security().password_policy });
  }

  get tokens(): TokenService {
    return new TokenService(this.#db, this.#clock);
  }

  get sessions(): SessionService {
    const s = this.#security().session;
    return new SessionService(this.#db, this.#clock, {
      idleTtlMs: s.idle_timeout,
      absoluteTtlMs: s.absolute_timeout,
    });
  }

  get mfa(): MfaService {
    return new MfaService(this.#db, this.#clock);
  }

  get audit(): AuditLog {
    return this.#audit;
  }

  /**
   * Checks credentials with throttling. Throws UNYO_E_LOGIN_FAILED (with retryAfterMs in
   * details when throttled) or UNYO_E_MFA_REQUIRED when the password was right and the
   * account needs a code that was not given.
   */
  async login(input: LoginInput): Promise<LoginSuccess> {
    const username = typeof input.username === "string" ? input.username.slice(0, 100) : "";
    const ip = input.sourceIp;
    const fail = async (reason: string, retryAfterMs?: number): Promise<never> => {
      await this.#audit.append({
        actor: username.trim().toLowerCase() || "-",
        action: "auth.login",
        outcome: "failure",
        target: null,
        sourceIp: ip,
        details: { reason },
      });
      throw new UnyoError("UNYO_E_LOGIN_FAILED", GENERIC_FAILURE, {
        ...(retryAfterMs === undefined ? {} : { details: { retryAfterMs } }),
        hint: "Check the username and password; after repeated failures wait before retrying.",
      });
    };

    const decision = this.throttle.check(username, ip);
    if (!decision.allowed) return fail(`throttled_${decision.reason}`, decision.retryAfterMs);

    const user = await this.users.verifyCredentials(username, input.password);
    if (!user) {
      this.throttle.recordFailure(username, ip);
      return fail("bad_credentials");
    }
    if (user.mfaEnabled) {
      if (input.code === undefined || input.code === "") {
        // Not a failure: the first half of a two-step log-in. The password was right.
        throw new UnyoError("UNYO_E_MFA_REQUIRED", "Enter the code from your authenticator app.", {
          hint: "Send the same request again with `code` set to the 6-digit code or a recovery code.",
        });
      }
      const second = await this.mfa.verify(user.id, input.code);
      if (!second.ok) {
        this.throttle.recordFailure(username, ip);
        return fail("bad_code");
      }
    }
    this.throttle.recordSuccess(username, ip);
    await this.users.recordLogin(user.id);
    user.lastLoginAt = this.#clock.now();
    await this.#audit.append({
      actor: user.username,
      action: "auth.login",
      outcome: "success",
      sourceIp: ip,
      details: { mfa: user.mfaEnabled },
    });
    return { user, restriction: this.restrictionOf(user) };
  }

  /**
   * Re-checks the password of someone already logged in (password change, turning MFA off),
   * under the same throttle as log-in: a stolen session cannot guess the password freely.
   * Throws UNYO_E_LOGIN_FAILED (with retryAfterMs when throttled) and audits the failure.
   */
  async confirmPassword(
    username: string,
    password: string,
    sourceIp: string | null,
  ): Promise<void> {
    const refuse = async (reason: string, retryAfterMs?: number): Promise<never> => {
      await this.#audit.append({
        actor: username,
        action: "auth.password_confirm",
        outcome: "failure",
        sourceIp,
        details: { reason },
      });
      throw new UnyoError(
        "UNYO_E_LOGIN_FAILED",
        "The password is wrong, or too many attempts were made; wait and retry.",
        {
          ...(retryAfterMs === undefined ? {} : { details: { retryAfterMs } }),
        },
      );
    };
    const decision = this.throttle.check(username, sourceIp);
    if (!decision.allowed) return refuse(`throttled_${decision.reason}`, decision.retryAfterMs);
    if (!(await this.users.verifyCredentials(username, password))) {
      this.throttle.recordFailure(username, sourceIp);
      return refuse("bad_password");
    }
    this.throttle.recordSuccess(username, sourceIp);
  }

  async startSession(user: User, input: LoginInput): Promise<CreatedSession> {
    return this.sessions.create(user.id, {
      sourceIp: input.sourceIp,
      userAgent: input.userAgent ?? null,
    });
  }

  /** What the user must do first, by the current config; null when nothing. */
  restrictionOf(user: Pick<User, "role" | "mfaEnabled" | "passwordChangedAt">): Restriction | null {
    const security = this.#security();
    if (security.require_mfa.includes(user.role) && !user.mfaEnabled) return "mfa_enrolment";
    if (passwordExpired(user.passwordChangedAt, this.#clock.now(), security.password_policy)) {
      return "password_change";
    }
    return null;
  }

  /** The identity behind a session cookie value, or null when it is not valid now. */
  async identifySession(secret: string): Promise<Identity | null> {
    const found = await this.sessions.authenticate(secret);
    if (!found) return null;
    const user = await this.#userById(found.userId);
    if (!user || user.disabled) return null;
    return {
      kind: "session",
      actor: user.username,
      userId: user.id,
      username: user.username,
      role: user.role,
      restriction: this.restrictionOf(user),
      session: found.session,
    };
  }

  /** The identity behind a bearer token, or null when it is not valid now. */
  async identifyToken(token: string): Promise<Identity | null> {
    const record = await this.tokens.authenticate(token);
    if (!record) return null;
    const owner = record.userId === null ? undefined : await this.#userById(record.userId);
    return {
      kind: "token",
      actor: owner ? owner.username : `token:${record.name}`,
      userId: record.userId,
      username: owner?.username ?? null,
      role: record.role,
      // A token is made by someone already through MFA; it is its own proof.
      restriction: null,
      tokenId: record.id,
      tokenExpiresAt: record.expiresAt,
    };
  }

  async #userById(id: number): Promise<User | undefined> {
    const row = await this.#db
      .selectFrom("users")
      .select("username")
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? this.users.get(row.username) : undefined;
  }
}
