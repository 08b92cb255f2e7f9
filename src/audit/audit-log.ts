import { type Kysely, sql } from "kysely";
import type { Clock } from "../core/clock.ts";
import { UnyoError } from "../core/errors.ts";
import { storeKindOf } from "../store/migrations/helpers.ts";
import type { Database } from "../store/schema.ts";
import {
  type AuditEntry,
  type AuditRow,
  auditRowHash,
  checkTime,
  fromDb,
  invalid,
  normalise,
  type StoredRow,
  toAuditRow,
} from "./audit-entry.ts";

export type { AuditOutcome } from "../store/schema.ts";
export { AUDIT_OUTCOMES, type AuditEntry, type AuditRow, auditRowHash } from "./audit-entry.ts";

/** How long audit rows are kept by default: one year. */
export const AUDIT_RETENTION_MS = 365 * 24 * 60 * 60 * 1000;

/** `prev_hash` of the first row ever written. */
export const GENESIS_HASH = "0".repeat(64);

/** The `unyo_meta` key holding the last pruned row: JSON `{ "id": n, "hash": "..." }`. */
export const AUDIT_ANCHOR_KEY = "audit_chain_anchor";

/** Key of the PostgreSQL advisory lock serialising appends and prunes ("UNYOAU"). */
const PG_LOCK_KEY = 0x554e594f4155;

const BATCH_SIZE = 500;
const DEFAULT_QUERY_LIMIT = 100;
const MAX_QUERY_LIMIT = 1000;

export interface AuditAnchor {
  id: number;
  hash: string;
}

export interface AuditVerifyResult {
  ok: boolean;
  /** Rows checked (all of them when ok; up to and including the bad one otherwise). */
  checked: number;
  firstBadId?: number;
  problem?: string;
  /** Where the chain started: the retention anchor, or absent for the genesis. */
  anchor?: AuditAnchor;
  /** The last row checked when ok: record it elsewhere to detect later truncation. */
  head?: AuditAnchor;
}

export interface AuditQuery {
  /** Exact actor. */
  actor?: string;
  /** Exact action, or a prefix ending in `.*` (`user.*`). */
  action?: string;
  /** Inclusive, epoch ms. */
  since?: number;
  /** Exclusive, epoch ms. */
  until?: number;
  /** 1..1000, default 100. */
  limit?: number;
  /** Only rows with a smaller id: page on with the last id of the previous page. */
  beforeId?: number;
}

export interface AuditPruneResult {
  deleted: number;
  /** The new anchor, or undefined when nothing was deleted. */
  anchor?: AuditAnchor;
}

export class AuditLog {
  readonly #db: Kysely<Database>;
  readonly #clock: Pick<Clock, "now">;
  readonly #postgres: boolean;

  constructor(db: Kysely<Database>, clock: Pick<Clock, "now">) {
    this.#db = db;
    this.#clock = clock;
    this.#postgres = storeKindOf(db) === "postgres";
  }

  /** Appends one event to the chain and returns the stored row. */
  async append(entry: AuditEntry): Promise<AuditRow> {
    const values = normalise(entry);
    return this.#locked(async (tx) => {
      const prev = (await lastRow(tx)) ?? (await readAnchor(tx));
      const unhashed = {
        id: (prev?.id ?? 0) + 1,
        at: this.#clock.now(),
        ...values,
        prev_hash: prev?.hash ?? GENESIS_HASH,
      };
      const row: StoredRow = { ...unhashed, hash: auditRowHash(unhashed) };
      await tx.insertInto("audit_log").values(row).execute();
      return toAuditRow(row);
    });
  }

  /**
   * Walks the whole chain in id order, in batches (constant memory). Stops at the first
   * problem. See the file comment for what this can and cannot detect.
   */
  async verify(): Promise<AuditVerifyResult> {
    const anchor = await readAnchor(this.#db);
    let expectedId = (anchor?.id ?? 0) + 1;
    let expectedPrev = anchor?.hash ?? GENESIS_HASH;
    let checked = 0;
    const base = anchor ? { anchor } : {};
    const bad = (id: number, problem: string): AuditVerifyResult => ({
      ok: false,
      checked,
      firstBadId: id,
      problem,
      ...base,
    });

    // Rows at or below the anchor should have been deleted with it.
    if (anchor) {
      const stale = await this.#db
        .selectFrom("audit_log")
        .select("id")
        .where("id", "<=", anchor.id)
        .orderBy("id")
        .limit(1)
        .executeTakeFirst();
      if (stale) {
        return bad(
          Number(stale.id),
          `row ${stale.id} is at or before the retention anchor (id ${anchor.id}); the anchor or the row was tampered with`,
        );
      }
    }

    let head: AuditAnchor | undefined;
    for (;;) {
      const rows = await this.#db
        .selectFrom("audit_log")
        .selectAll()
        .where("id", ">=", expectedId)
        .orderBy("id")
        .limit(BATCH_SIZE)
        .execute();
      for (const raw of rows) {
        const row = fromDb(raw);
        checked += 1;
        if (row.id !== expectedId) {
          const missing =
            row.id === expectedId + 1 ? `row ${expectedId}` : `rows ${expectedId}..${row.id - 1}`;
          return bad(row.id, `${missing} missing before row ${row.id} (deleted?)`);
        }
        if (auditRowHash(row) !== row.hash) {
          return bad(row.id, `row ${row.id} was edited (its hash does not match its content)`);
        }
        if (row.prev_hash !== expectedPrev) {
          return bad(
            row.id,
            `row ${row.id} does not link to the row before it (prev_hash mismatch: that row was replaced, or the chain was rewritten)`,
          );
        }
        expectedId = row.id + 1;
        expectedPrev = row.hash;
        head = { id: row.id, hash: row.hash };
      }
      if (rows.length < BATCH_SIZE) break;
    }
    return { ok: true, checked, ...base, ...(head ? { head } : {}) };
  }

  /** Newest first, filtered; values are always bound as parameters. */
  async query(filter: AuditQuery = {}): Promise<AuditRow[]> {
    const limit = filter.limit ?? DEFAULT_QUERY_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
      throw invalid(`limit must be an integer from 1 to ${MAX_QUERY_LIMIT}`, { limit });
    }
    checkTime("since", filter.since);
    checkTime("until", filter.until);
    if (filter.beforeId !== undefined && !Number.isSafeInteger(filter.beforeId)) {
      throw invalid("beforeId must be an integer", { beforeId: filter.beforeId });
    }

    let q = this.#db.selectFrom("audit_log").selectAll();
    if (filter.actor !== undefined) q = q.where("actor", "=", filter.actor);
    if (filter.action !== undefined) {
      const action = filter.action;
      if (action.endsWith(".*")) {
        // substr equality rather than LIKE: case-sensitive on SQLite too, and `_` in action
        // names is not a wildcard.
        const prefix = action.slice(0, -1);
        q = q.where(sql<boolean>`substr(action, 1, ${prefix.length}) = ${prefix}`);
      } else {
        q = q.where("action", "=", action);
      }
    }
    if (filter.since !== undefined) q = q.where("at", ">=", filter.since);
    if (filter.until !== undefined) q = q.where("at", "<", filter.until);
    if (filter.beforeId !== undefined) q = q.where("id", "<", filter.beforeId);
    const rows = await q.orderBy("id", "desc").limit(limit).execute();
    return rows.map((raw) => toAuditRow(fromDb(raw)));
  }

  /** Oldest first, fetched in batches: suitable for streaming JSON lines. */
  async *export(range: { since?: number; until?: number } = {}): AsyncIterable<AuditRow> {
    checkTime("since", range.since);
    checkTime("until", range.until);
    let afterId = 0;
    for (;;) {
      let q = this.#db.selectFrom("audit_log").selectAll().where("id", ">", afterId);
      if (range.since !== undefined) q = q.where("at", ">=", range.since);
      if (range.until !== undefined) q = q.where("at", "<", range.until);
      const rows = await q.orderBy("id").limit(BATCH_SIZE).execute();
      for (const raw of rows) {
        const row = fromDb(raw);
        afterId = row.id;
        yield toAuditRow(row);
      }
      if (rows.length < BATCH_SIZE) return;
    }
  }

  /**
   * Deletes rows older than `olderThanMs` (an age; default one year) while keeping the
   * chain verifiable: the last deleted row becomes the anchor verify() starts from.
   * Only a prefix of the chain is deleted: if a newer-dated row precedes an old one (the
   * clock went back), the old one is kept until everything before it is old too.
   */
  async prune(olderThanMs: number = AUDIT_RETENTION_MS): Promise<AuditPruneResult> {
    if (!Number.isFinite(olderThanMs) || olderThanMs < 0) {
      throw invalid("the retention must be a non-negative number of milliseconds", {
        olderThanMs,
      });
    }
    const cutoff = this.#clock.now() - olderThanMs;
    return this.#locked(async (tx) => {
      const keep = await tx
        .selectFrom("audit_log")
        .select("id")
        .where("at", ">=", cutoff)
        .orderBy("id")
        .limit(1)
        .executeTakeFirst();
      let last = tx.selectFrom("audit_log").select(["id", "hash"]).orderBy("id", "desc").limit(1);
      if (keep) last = last.where("id", "<", keep.id);
      const lastDeleted = await last.executeTakeFirst();
      if (!lastDeleted) return { deleted: 0 };
      const anchor: AuditAnchor = { id: Number(lastDeleted.id), hash: lastDeleted.hash };
      const result = await tx
        .deleteFrom("audit_log")
        .where("id", "<=", anchor.id)
        .executeTakeFirst();
      const value = JSON.stringify(anchor);
      await tx
        .insertInto("unyo_meta")
        .values({ key: AUDIT_ANCHOR_KEY, value })
        .onConflict((oc) => oc.column("key").doUpdateSet({ value }))
        .execute();
      return { deleted: Number(result.numDeletedRows), anchor };
    });
  }

  /** Runs fn in a transaction that no other append or prune runs alongside. */
  #locked<T>(fn: (tx: Kysely<Database>) => Promise<T>): Promise<T> {
    if (this.#postgres) {
      return this.#db.transaction().execute(async (tx) => {
        await sql`select pg_advisory_xact_lock(${PG_LOCK_KEY})`.execute(tx);
        return fn(tx);
      });
    }
    // SQLite: BEGIN IMMEDIATE takes the write lock up front. A plain (deferred) BEGIN would
    // read first and then fail with "database is locked" when another connection to the
    // same file wrote in between, instead of waiting (busy_timeout) for its turn.
    return this.#db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        const result = await fn(conn);
        await sql`commit`.execute(conn);
        return result;
      } catch (error) {
        await sql`rollback`.execute(conn).catch(() => {});
        throw error;
      }
    });
  }
}

async function lastRow(db: Kysely<Database>): Promise<AuditAnchor | undefined> {
  const row = await db
    .selectFrom("audit_log")
    .select(["id", "hash"])
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
  return row ? { id: Number(row.id), hash: row.hash } : undefined;
}

async function readAnchor(db: Kysely<Database>): Promise<AuditAnchor | undefined> {
  const row = await db
    .selectFrom("unyo_meta")
    .select("value")
    .where("key", "=", AUDIT_ANCHOR_KEY)
    .executeTakeFirst();
  if (!row) return undefined;
  const parsed = JSON.parse(row.value) as Partial<AuditAnchor>;
  if (!Number.isSafeInteger(parsed.id) || typeof parsed.hash !== "string") {
    throw new UnyoError("UNYO_E_INTERNAL", `unyo_meta.${AUDIT_ANCHOR_KEY} is malformed`, {
      details: { value: row.value },
    });
  }
  return { id: parsed.id as number, hash: parsed.hash };
}
