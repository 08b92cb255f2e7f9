/**
 * The outbox's SQL, apart from its worker loop: enqueue, claim, record results, and the reads
 * the API needs. The same statements run on SQLite and PostgreSQL.
 *
 * Claiming is a conditional UPDATE (`… where state in (pending, sending) and next_attempt_at
 * <= now`) that moves the lease forward and bumps `attempts`; a second instance racing for
 * the same row re-evaluates that condition after the first commits and gets nothing back
 * (PostgreSQL also skips rows another claimer has locked), so a row is only ever held by one
 * claimer at a time. `attempts` doubles as a fencing token: a claimer whose lease ran out (it
 * hung, or was presumed dead) finds its result refused, because the row was claimed again and
 * carries a higher count.
 */
import { type Kysely, sql } from "kysely";
import { type StoreKind, storeKindOf } from "../store/migrations/helpers.ts";
import type { Database, EpochMs, OutboxState } from "../store/schema.ts";
import type {
  AttemptRecord,
  ClaimedRow,
  DeliveryAttempt,
  Enqueued,
  NewNotification,
  OutboxEntry,
} from "./outbox-types.ts";
import type { NotificationMessage } from "./render.ts";

/** Rows per statement: well under SQLite's bound-parameter limit. */
const CHUNK = 500;

/** last_error of a row claimed again after its lease ran out. */
export const LEASE_LAPSED =
  "the previous attempt never reported back (Unyo stopped or hung mid-delivery); sending again";

const CLAIMABLE: OutboxState[] = ["pending", "sending"];

export class OutboxRepository {
  readonly #db: Kysely<Database>;
  readonly #kind: StoreKind;

  constructor(db: Kysely<Database>) {
    this.#db = db;
    this.#kind = storeKindOf(db);
  }

  /**
   * Inserts the notifications whose keys are new — all or nothing, in one statement for up to
   * 500 — and returns each one's row id in input order with whether this call created it.
   */
  async enqueue(items: readonly NewNotification[], now: EpochMs): Promise<Enqueued[]> {
    if (items.length <= CHUNK) return insertChunk(this.#db, items, now);
    return this.#db.transaction().execute(async (trx) => {
      const results: Enqueued[] = [];
      for (let i = 0; i < items.length; i += CHUNK)
        results.push(...(await insertChunk(trx, items.slice(i, i + CHUNK), now)));
      return results;
    });
  }

  /**
   * Takes up to `limit` due rows of one channel in one statement, leasing them until
   * `now + leaseMs`. On PostgreSQL the candidate rows are locked with SKIP LOCKED, so
   * instances claiming at the same moment take different rows instead of queueing.
   */
  async claim(
    channel: string,
    limit: number,
    now: EpochMs,
    leaseMs: number,
  ): Promise<ClaimedRow[]> {
    const rows = await this.#db
      .updateTable("notification_outbox")
      .set({
        state: "sending",
        next_attempt_at: now + leaseMs,
        attempts: sql<number>`attempts + 1`,
        // A row still `sending` was never reported back: say so (and recognise it below).
        last_error: sql<
          string | null
        >`case when state = 'sending' then ${LEASE_LAPSED} else last_error end`,
      })
      .where("id", "in", (eb) =>
        eb
          .selectFrom("notification_outbox")
          .select("id")
          .where("channel", "=", channel)
          .where("state", "in", CLAIMABLE)
          .where("next_attempt_at", "<=", now)
          .orderBy("next_attempt_at")
          .orderBy("id")
          .limit(limit)
          .$if(this.#kind === "postgres", (qb) => qb.forUpdate().skipLocked()),
      )
      .where("state", "in", CLAIMABLE)
      .where("next_attempt_at", "<=", now)
      .returning(["id", "idempotency_key", "payload", "attempts", "last_error"])
      .execute();
    return rows
      .map((r) => ({
        id: Number(r.id),
        key: r.idempotency_key,
        payload: r.payload,
        attempt: Number(r.attempts),
        leaseLapsed: r.last_error === LEASE_LAPSED,
      }))
      .sort((a, b) => a.id - b.id);
  }

  /**
   * Applies each attempt's outcome and appends its log rows, all in one transaction (one
   * commit for a whole batch of deliveries). An outcome applies only while the row is still
   * held by that attempt — `sending` with the same attempt count; otherwise it was claimed
   * again after its lease ran out and the newer claimer decides. Returns, per record,
   * whether its outcome applied.
   */
  async record(records: readonly AttemptRecord[], now: EpochMs): Promise<boolean[]> {
    if (records.length === 0) return [];
    return this.#db.transaction().execute(async (trx) => {
      const applied = new Set<number>();
      const sent = records.filter((r) => r.outcome.state === "sent");
      for (let i = 0; i < sent.length; i += 200) {
        const chunk = sent.slice(i, i + 200);
        const rows = await trx
          .updateTable("notification_outbox")
          .set({ state: "sent", sent_at: now, last_error: null, next_attempt_at: now })
          .where("state", "=", "sending")
          .where((eb) =>
            eb.or(chunk.map((r) => eb.and([eb("id", "=", r.id), eb("attempts", "=", r.attempt)]))),
          )
          .returning("id")
          .execute();
        for (const row of rows) applied.add(Number(row.id));
      }
      for (const r of records) {
        const o = r.outcome;
        if (o.state === "sent") continue;
        const result = await trx
          .updateTable("notification_outbox")
          .set(
            o.state === "pending"
              ? { state: "pending", next_attempt_at: o.nextAttemptAt, last_error: o.error }
              : { state: "failed", next_attempt_at: now, last_error: o.error },
          )
          .where("id", "=", r.id)
          .where("state", "=", "sending")
          .where("attempts", "=", r.attempt)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) > 0) applied.add(r.id);
      }
      const logRows = records.flatMap((r) =>
        r.log.map((entry, i) => {
          const late = !applied.has(r.id) && i === r.log.length - 1;
          const error = late
            ? `${entry.error ?? "sent"} (too late: the row was claimed again)`
            : entry.error;
          return {
            outbox_id: r.id,
            at: entry.at,
            duration_ms: Math.round(entry.durationMs),
            ok: entry.ok ? (1 as const) : (0 as const),
            status: entry.status,
            error,
          };
        }),
      );
      for (let i = 0; i < logRows.length; i += 200)
        await trx
          .insertInto("notification_attempts")
          .values(logRows.slice(i, i + 200))
          .execute();
      return records.map((r) => applied.has(r.id));
    });
  }

  async get(id: number): Promise<OutboxEntry | undefined> {
    const row = await this.#db
      .selectFrom("notification_outbox")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      id: Number(row.id),
      key: row.idempotency_key,
      channel: row.channel,
      message: JSON.parse(row.payload) as NotificationMessage,
      state: row.state,
      attempts: Number(row.attempts),
      nextAttemptAt: Number(row.next_attempt_at),
      createdAt: Number(row.created_at),
      sentAt: row.sent_at === null ? null : Number(row.sent_at),
      lastError: row.last_error,
    };
  }

  async attempts(id: number): Promise<DeliveryAttempt[]> {
    const rows = await this.#db
      .selectFrom("notification_attempts")
      .select(["at", "duration_ms", "ok", "status", "error"])
      .where("outbox_id", "=", id)
      .orderBy("at")
      .orderBy("id")
      .execute();
    return rows.map((r) => ({
      at: Number(r.at),
      durationMs: Number(r.duration_ms),
      ok: r.ok === 1,
      status: r.status,
      error: r.error,
    }));
  }

  /** The earliest time a row of one of `channels` becomes claimable, if any. */
  async nextDue(channels: readonly string[]): Promise<EpochMs | undefined> {
    if (channels.length === 0) return undefined;
    const row = await this.#db
      .selectFrom("notification_outbox")
      .select((eb) => eb.fn.min("next_attempt_at").as("next"))
      .where("state", "in", CLAIMABLE)
      .where("channel", "in", channels)
      .executeTakeFirst();
    return row?.next === null || row?.next === undefined ? undefined : Number(row.next);
  }
}

async function insertChunk(
  db: Kysely<Database>,
  items: readonly NewNotification[],
  now: EpochMs,
): Promise<Enqueued[]> {
  if (items.length === 0) return [];
  const ids = new Map<string, Enqueued>();
  const inserted = await db
    .insertInto("notification_outbox")
    .values(
      items.map((item) => ({
        idempotency_key: item.key,
        channel: item.channel,
        payload: JSON.stringify(item.message),
        state: "pending" as const,
        next_attempt_at: now,
        created_at: now,
      })),
    )
    .onConflict((oc) => oc.column("idempotency_key").doNothing())
    .returning(["id", "idempotency_key"])
    .execute();
  for (const row of inserted) ids.set(row.idempotency_key, { id: Number(row.id), created: true });
  const known = [...new Set(items.map((item) => item.key).filter((key) => !ids.has(key)))];
  if (known.length > 0) {
    const existing = await db
      .selectFrom("notification_outbox")
      .select(["id", "idempotency_key"])
      .where("idempotency_key", "in", known)
      .execute();
    for (const row of existing)
      ids.set(row.idempotency_key, { id: Number(row.id), created: false });
  }
  // A key repeated within `items` is created once: its later copies report created: false.
  const seen = new Set<string>();
  return items.map((item) => {
    const found = ids.get(item.key);
    if (!found) throw new Error(`notification ${item.key} vanished while being enqueued`);
    const first = !seen.has(item.key);
    seen.add(item.key);
    return { id: found.id, created: found.created && first };
  });
}
