/**
 * Silences: "do not notify about alerts matching these labels until then", made by a person
 * with a reason — Alertmanager's model (matchers, start, end, author, comment, expire early),
 * stored in the database so a restart or a second instance does not forget them. What makes
 * a silence acceptable is in silence-model.ts.
 *
 * `silencedBy` is called for every alert on every notification round, so it never touches
 * the database: it reads an in-memory copy of the silences that have not ended
 * (silence-index.ts), updated by this service's own create/expire and reloaded by
 * `refresh()` — which the pipeline calls every few seconds, so silences made through
 * another instance apply there too.
 */
import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { Clock } from "../core/clock.ts";
import { UnyoError } from "../core/errors.ts";
import type { Database, SilencesTable } from "../store/schema.ts";
import type { LabelMatcher, Labels } from "./matchers.ts";
import { SilenceIndex } from "./silence-index.ts";
import {
  checkNewSilence,
  DEFAULT_MAX_SILENCE_MS,
  effectiveEnd,
  MAX_AUTHOR,
  type NewSilence,
  requiredText,
  type Silence,
  type SilenceState,
  silenceState,
} from "./silence-model.ts";

export type { NewSilence, Silence, SilenceState };
export { effectiveEnd, silenceState };

export interface SilenceServiceOptions {
  clock?: Pick<Clock, "now">;
  /** Longest allowed silence; default 365 days. */
  maxDurationMs?: number;
}

export class SilenceService {
  readonly #db: Kysely<Database>;
  readonly #clock: Pick<Clock, "now">;
  readonly #maxDurationMs: number;
  /** The silences that had not ended at the last refresh, plus later changes. */
  readonly #index = new SilenceIndex();

  private constructor(db: Kysely<Database>, options: SilenceServiceOptions) {
    this.#db = db;
    this.#clock = options.clock ?? { now: () => Date.now() };
    this.#maxDurationMs = options.maxDurationMs ?? DEFAULT_MAX_SILENCE_MS;
  }

  /** A service with its in-memory copy loaded, so silencedBy answers from the start. */
  static async open(
    db: Kysely<Database>,
    options: SilenceServiceOptions = {},
  ): Promise<SilenceService> {
    const service = new SilenceService(db, options);
    await service.refresh();
    return service;
  }

  async create(input: NewSilence): Promise<Silence> {
    const now = this.#clock.now();
    const fields = checkNewSilence(input, now, this.#maxDurationMs);
    const silence: Silence = {
      id: randomBytes(6).toString("hex"),
      ...fields,
      createdAt: now,
      expiredAt: null,
      expiredBy: null,
    };
    await this.#db.insertInto("silences").values(toRow(silence)).execute();
    this.#index.put(silence);
    return silence;
  }

  async get(id: string): Promise<Silence | null> {
    const row = await this.#db
      .selectFrom("silences")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row === undefined ? null : fromRow(row);
  }

  /** Silences in the given states (default all), newest first, each with its state now. */
  async list(
    filter: { state?: SilenceState | readonly SilenceState[] } = {},
  ): Promise<(Silence & { state: SilenceState })[]> {
    const now = this.#clock.now();
    const states = filter.state === undefined ? null : [filter.state].flat();
    const rows = await this.#db
      .selectFrom("silences")
      .selectAll()
      .orderBy("created_at", "desc")
      .orderBy("id")
      .execute();
    return rows
      .map((row) => {
        const silence = fromRow(row);
        return { ...silence, state: silenceState(silence, now) };
      })
      .filter((s) => states === null || states.includes(s.state));
  }

  /** Ends a pending or active silence now. Throws not found, or conflict if already over. */
  async expire(id: string, by: string): Promise<Silence> {
    const expiredBy = requiredText(by, "by", "who expires the silence", MAX_AUTHOR);
    const now = this.#clock.now();
    // One conditional update, so two people (or instances) expiring at once cannot both win.
    const result = await this.#db
      .updateTable("silences")
      .set({ expired_at: now, expired_by: expiredBy })
      .where("id", "=", id)
      .where("expired_at", "is", null)
      .where("ends_at", ">", now)
      .executeTakeFirst();
    const silence = await this.get(id);
    if (silence === null) {
      throw new UnyoError("UNYO_E_NOT_FOUND", `no silence with id "${id}"`, {
        hint: "List silences with `unyo silences list`.",
        details: { id },
      });
    }
    if (result.numUpdatedRows === 0n) {
      const when = new Date(effectiveEnd(silence)).toISOString();
      throw new UnyoError("UNYO_E_CONFLICT", `silence ${id} has already ended (${when})`, {
        details: { id, endedAt: effectiveEnd(silence), expiredBy: silence.expiredBy },
      });
    }
    this.#index.put(silence);
    return silence;
  }

  /**
   * Ids of the silences active at `at` (default now) whose matchers all match `labels`,
   * sorted. Exact for any `at` from the last refresh on; never reads the database.
   */
  silencedBy(labels: Labels, at: number = this.#clock.now()): string[] {
    return this.#index.match(labels, at);
  }

  /** Reloads the silences that have not ended (including ones made by other instances). */
  async refresh(): Promise<void> {
    const now = this.#clock.now();
    const rows = await this.#db
      .selectFrom("silences")
      .selectAll()
      .where("ends_at", ">", now)
      .where("expired_at", "is", null)
      .execute();
    this.#index.reset(rows.map(fromRow));
  }

  /** Deletes silences that ended before `before`; returns how many. For retention. */
  async deleteEndedBefore(before: number): Promise<number> {
    const result = await this.#db
      .deleteFrom("silences")
      .where((eb) =>
        eb.or([
          eb("ends_at", "<", before),
          eb.and([eb("expired_at", "is not", null), eb("expired_at", "<", before)]),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function toRow(s: Silence): SilencesTable {
  return {
    id: s.id,
    matchers: JSON.stringify(s.matchers),
    starts_at: s.startsAt,
    ends_at: s.endsAt,
    created_by: s.createdBy,
    comment: s.comment,
    created_at: s.createdAt,
    expired_at: s.expiredAt,
    expired_by: s.expiredBy,
  };
}

function fromRow(row: SilencesTable): Silence {
  return {
    id: row.id,
    // Checked on the way in; read back as plain objects.
    matchers: JSON.parse(row.matchers) as LabelMatcher[],
    startsAt: Number(row.starts_at),
    endsAt: Number(row.ends_at),
    createdBy: row.created_by,
    comment: row.comment,
    createdAt: Number(row.created_at),
    expiredAt: row.expired_at === null ? null : Number(row.expired_at),
    expiredBy: row.expired_by,
  };
}
