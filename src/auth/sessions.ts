/**
 * Browser sessions, the server side of the session cookie.
 *
 * A session is identified by a secret of 32 random bytes (base64url), given to the browser
 * once (in a cookie) and stored only as its hex sha256, which is the row's primary key. Each
 * session also has a CSRF token (32 random bytes, base64url), also stored only as a sha256;
 * requests that change something with cookie authentication must present it, checked by
 * checkCsrf() in constant time.
 *
 * A session ends at the first of: its absolute expiry (`absoluteTtlMs` after creation, never
 * extended), its idle expiry (`idleTtlMs` after the last recorded use, never past the
 * absolute expiry), revocation, or its user being disabled or deleted. Use slides the idle
 * expiry forward, but last_seen_at / idle_expires_at are written at most once a minute per
 * session, so the idle window may effectively be up to a minute shorter than configured.
 *
 * Cookies themselves (HttpOnly, SameSite, Secure) are the HTTP layer's job, not this file's.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import type { Clock } from "../core/clock.ts";
import { UnyoError } from "../core/errors.ts";
import type { Database, SessionsTable } from "../store/schema.ts";

/** last_seen_at / idle_expires_at are not rewritten more often than this. */
export const LAST_SEEN_RESOLUTION_MS = 60_000;
/** User agents are kept to this many characters. */
export const USER_AGENT_MAX_CHARS = 256;
export const DEFAULT_ABSOLUTE_TTL_MS = 12 * 60 * 60 * 1000;
export const DEFAULT_IDLE_TTL_MS = 60 * 60 * 1000;

const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const SOURCE_IP_MAX_CHARS = 64;

export interface Session {
  /** Hex sha256 of the session secret (not the secret). */
  id: string;
  userId: number;
  /** Hex sha256 of the CSRF token; used by checkCsrf(). */
  csrfHash: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  idleExpiresAt: number;
  revokedAt: number | null;
  sourceIp: string | null;
  userAgent: string | null;
}

export interface SessionServiceOptions {
  /** Lifetime from creation, never extended. Default 12 hours. */
  absoluteTtlMs?: number;
  /** Lifetime without use. Default 1 hour. */
  idleTtlMs?: number;
}

export interface CreateSessionInput {
  sourceIp?: string | null;
  userAgent?: string | null;
}

export interface CreatedSession {
  /** The session secret, for the cookie. Only available now. */
  secret: string;
  /** The CSRF token, for the page. Only available now. */
  csrfToken: string;
  session: Session;
}

/** Hex sha256 of a session secret or CSRF token: what the store keeps. */
export function hashSessionSecret(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex");
}

export class SessionService {
  readonly #db: Kysely<Database>;
  readonly #clock: Pick<Clock, "now">;
  readonly #absoluteTtlMs: number;
  readonly #idleTtlMs: number;

  constructor(
    db: Kysely<Database>,
    clock: Pick<Clock, "now">,
    options: SessionServiceOptions = {},
  ) {
    this.#db = db;
    this.#clock = clock;
    this.#absoluteTtlMs = positive(
      "absoluteTtlMs",
      options.absoluteTtlMs ?? DEFAULT_ABSOLUTE_TTL_MS,
    );
    this.#idleTtlMs = positive("idleTtlMs", options.idleTtlMs ?? DEFAULT_IDLE_TTL_MS);
  }

  /** Starts a session for a user. Show `secret` and `csrfToken` to the browser, then drop them. */
  async create(userId: number, input: CreateSessionInput = {}): Promise<CreatedSession> {
    const secret = randomBytes(32).toString("base64url");
    const csrfToken = randomBytes(32).toString("base64url");
    const now = this.#clock.now();
    const expiresAt = now + this.#absoluteTtlMs;
    const row: Selectable<SessionsTable> = {
      id: hashSessionSecret(secret),
      user_id: userId,
      csrf_hash: hashSessionSecret(csrfToken),
      created_at: now,
      last_seen_at: now,
      expires_at: expiresAt,
      idle_expires_at: Math.min(now + this.#idleTtlMs, expiresAt),
      revoked_at: null,
      source_ip: clip(input.sourceIp, SOURCE_IP_MAX_CHARS),
      user_agent: clip(input.userAgent, USER_AGENT_MAX_CHARS),
    };
    await this.#db.insertInto("sessions").values(row).execute();
    return { secret, csrfToken, session: toSession(row) };
  }

  /**
   * The session and its user when the secret is valid now; null when unknown, malformed,
   * revoked, past its absolute or idle expiry, or its user is disabled. Slides the idle
   * expiry (written at most once a minute).
   */
  async authenticate(secret: string): Promise<{ session: Session; userId: number } | null> {
    if (typeof secret !== "string" || !SECRET_PATTERN.test(secret)) return null;
    const row = await this.#db
      .selectFrom("sessions")
      .innerJoin("users", "users.id", "sessions.user_id")
      .selectAll("sessions")
      .select("users.disabled as user_disabled")
      .where("sessions.id", "=", hashSessionSecret(secret))
      .executeTakeFirst();
    if (!row) return null;
    const session = toSession(row);
    const now = this.#clock.now();
    if (session.revokedAt !== null) return null;
    if (now >= session.expiresAt || now >= session.idleExpiresAt) return null;
    if (Number(row.user_disabled) === 1) return null;
    if (now - session.lastSeenAt >= LAST_SEEN_RESOLUTION_MS) {
      const idleExpiresAt = Math.min(now + this.#idleTtlMs, session.expiresAt);
      await this.#db
        .updateTable("sessions")
        .set({ last_seen_at: now, idle_expires_at: idleExpiresAt })
        .where("id", "=", session.id)
        .execute();
      session.lastSeenAt = now;
      session.idleExpiresAt = idleExpiresAt;
    }
    return { session, userId: session.userId };
  }

  /** Whether `token` is this session's CSRF token. Constant-time in the token's value. */
  checkCsrf(session: Pick<Session, "csrfHash">, token: string): boolean {
    if (typeof token !== "string" || token.length === 0) return false;
    const expected = Buffer.from(session.csrfHash, "hex");
    const actual = createHash("sha256").update(token, "utf8").digest();
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  /** Ends a session (log-out). Unknown or already revoked secrets change nothing. */
  async revoke(secret: string): Promise<boolean> {
    if (typeof secret !== "string" || !SECRET_PATTERN.test(secret)) return false;
    const result = await this.#db
      .updateTable("sessions")
      .set({ revoked_at: this.#clock.now() })
      .where("id", "=", hashSessionSecret(secret))
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Ends every session of a user: call on password or role change, disable, and "log out
   * everywhere". Returns how many sessions were ended.
   */
  async revokeAllForUser(userId: number): Promise<number> {
    const result = await this.#db
      .updateTable("sessions")
      .set({ revoked_at: this.#clock.now() })
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Deletes sessions that can no longer be used (expired or revoked). Returns how many. */
  async purgeExpired(): Promise<number> {
    const now = this.#clock.now();
    const result = await this.#db
      .deleteFrom("sessions")
      .where((eb) =>
        eb.or([
          eb("expires_at", "<=", now),
          eb("idle_expires_at", "<=", now),
          eb("revoked_at", "is not", null),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function toSession(row: Selectable<SessionsTable>): Session {
  return {
    id: row.id,
    userId: Number(row.user_id),
    csrfHash: row.csrf_hash,
    createdAt: Number(row.created_at),
    lastSeenAt: Number(row.last_seen_at),
    expiresAt: Number(row.expires_at),
    idleExpiresAt: Number(row.idle_expires_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    sourceIp: row.source_ip,
    userAgent: row.user_agent,
  };
}

function clip(value: string | null | undefined, max: number): string | null {
  if (typeof value !== "string" || value.length === 0) return null;
  return value.slice(0, max);
}

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new UnyoError(
      "UNYO_E_VALIDATION",
      `${name} must be a positive whole number of milliseconds.`,
      { details: { [name]: value } },
    );
  }
  return value;
}
