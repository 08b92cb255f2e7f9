/**
 * Log-in throttling: a growing delay, then a temporary lock-out, after failed log-ins.
 *
 * Failures are counted twice: per username (whatever the source IP, so a distributed guess
 * at one account is slowed) and per source IP (whatever the username, so one address
 * cannot spray many accounts). check() applies the stricter of the two. A locked username
 * does not affect other usernames, and a locked IP does not affect other IPs.
 *
 * For each key, the first `freeAttempts` failures cost nothing; after that each attempt
 * must wait `baseDelayMs`, doubling with each further failure up to `maxDelayMs`, counted
 * from the last failure. At `lockoutAfter` failures the key is locked for `lockoutMs`; when
 * the lock ends the key starts afresh. A key's count is forgotten after `windowMs` without
 * a failure. recordSuccess() forgets the username's failures and removes the failures that
 * IP made against that username from the IP's count (a spraying IP cannot reset itself by
 * logging in to its own account).
 *
 * Limits of this class, for its callers:
 * - It is in memory and per process: a restart forgets it and several Unyo instances each
 *   count on their own.
 * - It never says why a log-in failed. The caller must answer a throttled attempt, an
 *   unknown user, a disabled user and a wrong password with the same generic message (plus
 *   Retry-After if it likes), and must not verify the password while check() refuses.
 * - Memory is bounded by `maxEntries` (oldest entries evicted first); expired entries are
 *   swept at most once a minute.
 */
import type { Clock } from "../core/clock.ts";
import { UnyoError } from "../core/errors.ts";

export interface LoginThrottleOptions {
  /** Failures per key before any delay. Default 3. */
  freeAttempts?: number;
  /** First delay after the free attempts. Default 1 s. */
  baseDelayMs?: number;
  /** Cap of the doubling delay. Default 30 s. */
  maxDelayMs?: number;
  /** Failures per key that lock it. Default 10. */
  lockoutAfter?: number;
  /** How long a lock lasts. Default 15 min. */
  lockoutMs?: number;
  /** A key's failures are forgotten this long after its last failure. Default 15 min. */
  windowMs?: number;
  /** Most keys kept in memory (usernames, IPs, IP-username pairs). Default 100 000. */
  maxEntries?: number;
}

export type ThrottleDecision =
  | { allowed: true }
  | { allowed: false; retryAfterMs: number; reason: "delay" | "locked" };

interface Entry {
  failures: number;
  lastFailureAt: number;
  lockedUntil: number | null;
}

const SWEEP_INTERVAL_MS = 60_000;
const MINUTE = 60_000;

export class LoginThrottle {
  readonly #clock: Pick<Clock, "now">;
  readonly #freeAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #lockoutAfter: number;
  readonly #lockoutMs: number;
  readonly #windowMs: number;
  readonly #maxEntries: number;
  /** Insertion order = least recently failed first (entries are re-inserted on update). */
  readonly #entries = new Map<string, Entry>();
  #lastSweep: number;

  constructor(clock: Pick<Clock, "now">, options: LoginThrottleOptions = {}) {
    this.#clock = clock;
    this.#freeAttempts = whole("freeAttempts", options.freeAttempts ?? 3, 0);
    this.#baseDelayMs = whole("baseDelayMs", options.baseDelayMs ?? 1000, 1);
    this.#maxDelayMs = whole("maxDelayMs", options.maxDelayMs ?? 30_000, this.#baseDelayMs);
    this.#lockoutAfter = whole("lockoutAfter", options.lockoutAfter ?? 10, 1);
    this.#lockoutMs = whole("lockoutMs", options.lockoutMs ?? 15 * MINUTE, 1);
    this.#windowMs = whole("windowMs", options.windowMs ?? 15 * MINUTE, 1);
    this.#maxEntries = whole("maxEntries", options.maxEntries ?? 100_000, 3);
    this.#lastSweep = clock.now();
  }

  /** Whether a log-in attempt for this username from this IP may be tried now. */
  check(username: string, ip?: string | null): ThrottleDecision {
    const now = this.#clock.now();
    let decision: ThrottleDecision = { allowed: true };
    for (const key of this.#keys(username, ip)) {
      const entry = this.#live(key, now);
      if (!entry) continue;
      decision = stricter(decision, this.#decide(entry, now));
    }
    return decision;
  }

  /** Counts a failed log-in (wrong password, unknown or disabled user alike). */
  recordFailure(username: string, ip?: string | null): void {
    const now = this.#clock.now();
    this.#maybeSweep(now);
    const keys = this.#keys(username, ip);
    const pair = ipKey(ip) === null ? null : pairKey(username, ip);
    for (const key of pair === null ? keys : [...keys, pair]) {
      const entry = this.#live(key, now) ?? { failures: 0, lastFailureAt: now, lockedUntil: null };
      if (entry.lockedUntil !== null) continue; // already locked: do not extend
      entry.failures += 1;
      entry.lastFailureAt = now;
      if (key !== pair && entry.failures >= this.#lockoutAfter) {
        entry.lockedUntil = now + this.#lockoutMs;
      }
      this.#entries.delete(key);
      this.#put(key, entry);
    }
  }

  /**
   * Counts a successful log-in: forgets the username's failures and the failures this IP
   * made against this username (the IP's failures against other usernames remain).
   */
  recordSuccess(username: string, ip?: string | null): void {
    const now = this.#clock.now();
    this.#entries.delete(userKey(username));
    const ipK = ipKey(ip);
    if (ipK === null) return;
    const pK = pairKey(username, ip);
    const pair = this.#live(pK, now);
    this.#entries.delete(pK);
    const ipEntry = this.#live(ipK, now);
    if (pair && ipEntry && ipEntry.lockedUntil === null) {
      ipEntry.failures = Math.max(0, ipEntry.failures - pair.failures);
      if (ipEntry.failures === 0) this.#entries.delete(ipK);
    }
  }

  /** How many keys are held in memory (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }

  /** The delay after `failures` failures (0 while free), without lock-out. */
  delayAfter(failures: number): number {
    if (failures < this.#freeAttempts) return 0;
    const exponent = Math.min(failures - this.#freeAttempts, 40);
    return Math.min(this.#baseDelayMs * 2 ** exponent, this.#maxDelayMs);
  }

  #decide(entry: Entry, now: number): ThrottleDecision {
    if (entry.lockedUntil !== null) {
      return { allowed: false, retryAfterMs: entry.lockedUntil - now, reason: "locked" };
    }
    const wait = entry.lastFailureAt + this.delayAfter(entry.failures) - now;
    return wait > 0 ? { allowed: false, retryAfterMs: wait, reason: "delay" } : { allowed: true };
  }

  #keys(username: string, ip: string | null | undefined): string[] {
    const ipK = ipKey(ip);
    return ipK === null ? [userKey(username)] : [userKey(username), ipK];
  }

  /** The entry for a key, or undefined (and removed) when it has expired. */
  #live(key: string, now: number): Entry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (this.#expired(entry, now)) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #expired(entry: Entry, now: number): boolean {
    if (entry.lockedUntil !== null) return now >= entry.lockedUntil;
    return now - entry.lastFailureAt >= this.#windowMs;
  }

  #put(key: string, entry: Entry): void {
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, entry);
  }

  #maybeSweep(now: number): void {
    if (now - this.#lastSweep < SWEEP_INTERVAL_MS) return;
    this.#lastSweep = now;
    for (const [key, entry] of this.#entries) {
      if (this.#expired(entry, now)) this.#entries.delete(key);
    }
  }
}

function normalUsername(username: string): string {
  return String(username).trim().toLowerCase();
}

function userKey(username: string): string {
  return `u:${normalUsername(username)}`;
}

function ipKey(ip: string | null | undefined): string | null {
  return typeof ip === "string" && ip.length > 0 ? `i:${ip}` : null;
}

function pairKey(username: string, ip: string | null | undefined): string {
  return `p:${ip}\n${normalUsername(username)}`;
}

function stricter(a: ThrottleDecision, b: ThrottleDecision): ThrottleDecision {
  if (!b.allowed) {
    if (a.allowed) return b;
    if (a.reason !== b.reason) return a.reason === "locked" ? a : b;
    return b.retryAfterMs > a.retryAfterMs ? b : a;
  }
  return a;
}

function whole(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new UnyoError("UNYO_E_VALIDATION", `${name} must be a whole number of at least ${min}.`, {
      details: { [name]: value },
    });
  }
  return value;
}
