/**
 * What heartbeat checks keep in the store: generated ping keys (heartbeat_keys) and every
 * ping (heartbeat_pings, the newest KEEP_PINGS per check), and reading a check's state back
 * after a restart.
 */
import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { Clock } from "../../core/clock.ts";
import type { Database, HeartbeatPingKind } from "../../store/schema.ts";
import { startRun, type Watch } from "./watch.ts";

/** Pings kept per check; older ones are deleted every PRUNE_EVERY pings. */
export const KEEP_PINGS = 1000;
const PRUNE_EVERY = 100;

export interface StoredPing {
  checkId: string;
  at: number;
  kind: HeartbeatPingKind;
  exitCode: number | null;
  runId: string | null;
  durationMs: number | null;
  sourceIp: string | null;
  body: string | null;
}

export class HeartbeatStore {
  readonly #db: Kysely<Database>;
  readonly #clock: Pick<Clock, "now">;
  #keys: Promise<Map<string, string>> | undefined;
  readonly #sincePrune = new Map<string, number>();

  constructor(db: Kysely<Database>, clock: Pick<Clock, "now">) {
    this.#db = db;
    this.#clock = clock;
  }

  /** Generated keys by check id, read once (a failed read is retried by the next call). */
  keys(): Promise<Map<string, string>> {
    this.#keys ??= this.#db
      .selectFrom("heartbeat_keys")
      .select(["check_id", "key"])
      .execute()
      .then((rows) => new Map(rows.map((r) => [r.check_id, r.key])));
    const loading = this.#keys;
    loading.catch(() => {
      if (this.#keys === loading) this.#keys = undefined;
    });
    return loading;
  }

  /**
   * The key of a check: its configured one (the generated one is then deleted), else its
   * generated one — unless `taken` (another check's configured key), else a new one.
   */
  async keyFor(checkId: string, configured: string | undefined, taken: (key: string) => boolean) {
    const keys = await this.keys();
    const current = keys.get(checkId);
    if (configured) {
      if (current !== undefined) {
        await this.#db.deleteFrom("heartbeat_keys").where("check_id", "=", checkId).execute();
        keys.delete(checkId);
      }
      return configured;
    }
    if (current !== undefined && !taken(current)) return current;
    await this.#db.deleteFrom("heartbeat_keys").where("check_id", "=", checkId).execute();
    // Another instance sharing the database may have made one meanwhile: that one is kept.
    await this.#db
      .insertInto("heartbeat_keys")
      .values({
        check_id: checkId,
        key: randomBytes(24).toString("base64url"),
        created_at: this.#clock.now(),
      })
      .onConflict((oc) => oc.column("check_id").doNothing())
      .execute();
    const row = await this.#db
      .selectFrom("heartbeat_keys")
      .select("key")
      .where("check_id", "=", checkId)
      .executeTakeFirstOrThrow();
    keys.set(checkId, row.key);
    return row.key;
  }

  /** Reads back the last success or failure and the runs started after it. */
  async restore(watch: Watch): Promise<void> {
    const last = await this.#db
      .selectFrom("heartbeat_pings")
      .select(["id", "at", "kind", "exit_code"])
      .where("check_id", "=", watch.id)
      .where("kind", "!=", "start")
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
    const starts = await this.#db
      .selectFrom("heartbeat_pings")
      .select(["at", "run_id"])
      .where("check_id", "=", watch.id)
      .where("kind", "=", "start")
      .where("id", ">", last?.id ?? 0)
      .orderBy("id", "desc")
      .limit(20)
      .execute();
    if (last) {
      watch.lastPingAt = last.at;
      const failed = last.kind === "fail" || (last.kind === "exit" && last.exit_code !== 0);
      watch.state = failed ? "down" : "up";
    }
    for (const start of starts.reverse()) startRun(watch, start.at, start.run_id);
  }

  async insert(ping: StoredPing): Promise<void> {
    await this.#db
      .insertInto("heartbeat_pings")
      .values({
        check_id: ping.checkId,
        at: ping.at,
        kind: ping.kind,
        exit_code: ping.exitCode,
        run_id: ping.runId,
        duration_ms: ping.durationMs,
        source_ip: ping.sourceIp,
        body: ping.body,
      })
      .execute();
    const count = (this.#sincePrune.get(ping.checkId) ?? 0) + 1;
    this.#sincePrune.set(ping.checkId, count % PRUNE_EVERY);
    if (count >= PRUNE_EVERY) await this.prune(ping.checkId);
  }

  /** Deletes all but the newest KEEP_PINGS pings of the check. */
  async prune(checkId: string): Promise<void> {
    const oldestKept = await this.#db
      .selectFrom("heartbeat_pings")
      .select("id")
      .where("check_id", "=", checkId)
      .orderBy("id", "desc")
      .limit(1)
      .offset(KEEP_PINGS - 1)
      .executeTakeFirst();
    if (!oldestKept) return;
    await this.#db
      .deleteFrom("heartbeat_pings")
      .where("check_id", "=", checkId)
      .where("id", "<", oldestKept.id)
      .execute();
  }
}
