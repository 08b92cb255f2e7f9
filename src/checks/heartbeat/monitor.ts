/**
 * Heartbeat checks: jobs report in (GET/POST /ping/<key>, src/api/routes/ping.ts) instead of
 * being probed, with Healthchecks.io's rules (src/checks/heartbeat/watch.ts).
 *
 * - One timer for all heartbeat checks: a min-heap of their next deadlines, re-armed when the
 *   earliest one changes (entries are replaced, not updated, and stale ones skipped).
 * - Pings of one check are handled one after another, in the order they arrived.
 * - Every ping is stored; at start-up the last success or failure and the runs still open are
 *   read back, so a deadline missed while Unyo was stopped is reported at once.
 * - A check without a configured key gets a generated one, kept in the store; a configured key
 *   replaces it (and is itself never stored).
 * Keys are secrets: they are never logged.
 */
import type { Kysely } from "kysely";
import { type Clock, systemClock } from "../../core/clock.ts";
import { UnyoError } from "../../core/errors.ts";
import { MinHeap } from "../../core/heap.ts";
import type { Log } from "../../log/logger.ts";
import type { Database, HeartbeatPingKind } from "../../store/schema.ts";
import { HeartbeatStore } from "./ping-store.ts";
import type { HeartbeatConfig } from "./schema.ts";
import {
  configure,
  evaluate,
  expectedAt,
  finish,
  type HeartbeatResult,
  newWatch,
  startRun,
  type Watch,
} from "./watch.ts";

export type { HeartbeatResult } from "./watch.ts";

/** Longest single timer wait; a farther deadline is reached in steps (setTimeout overflows). */
const MAX_TIMER_MS = 6 * 3_600_000;

export interface HeartbeatCheck {
  id: string;
  heartbeat: HeartbeatConfig;
  /** The config's top-level timezone; the check's own `timezone` wins. */
  timezone: string;
}

export interface PingInput {
  key: string;
  kind: HeartbeatPingKind;
  exitCode?: number;
  runId?: string;
  body?: string;
  sourceIp?: string | null;
}

export interface HeartbeatMonitorOptions {
  db: Kysely<Database>;
  clock: Clock;
  log: Pick<Log, "warn" | "error">;
  onResult: (checkId: string, result: HeartbeatResult) => void;
}

interface Entry {
  watch: Watch;
  /** Changes whenever the deadline does; heap items with another version are stale. */
  version: number;
  /** The pings of this check, in arrival order. */
  queue: Promise<void>;
}

interface Deadline {
  at: number;
  entry: Entry;
  version: number;
}

export class HeartbeatMonitor {
  readonly #opts: HeartbeatMonitorOptions;
  readonly #entries = new Map<string, Entry>();
  #byKey = new Map<string, Entry>();
  readonly #store: HeartbeatStore;
  readonly #heap = new MinHeap<Deadline>((a, b) => a.at < b.at);
  #applying: Promise<void> = Promise.resolve();
  #cancelTimer: (() => void) | undefined;
  #armedAt: number | null = null;
  #started = false;
  #stopped = false;

  constructor(options: HeartbeatMonitorOptions) {
    this.#opts = options;
    this.#store = new HeartbeatStore(options.db, options.clock);
  }

  /** Adds, updates and removes checks to match the list (the whole list of heartbeat checks). */
  apply(checks: readonly HeartbeatCheck[]): Promise<void> {
    const run = this.#applying.then(() => this.#apply(checks));
    this.#applying = run.catch(() => {});
    return run;
  }

  /** The ping key of a configured check. */
  keyOf(checkId: string): string | undefined {
    return this.#entries.get(checkId)?.watch.key;
  }

  /** When the check's next ping is due (epoch ms), or null. */
  expectedAt(checkId: string): number | null {
    const entry = this.#entries.get(checkId);
    return entry ? expectedAt(entry.watch) : null;
  }

  /** Records a ping; null when no check has this key. */
  async ping(input: PingInput): Promise<{ checkId: string } | null> {
    const entry = this.#byKey.get(input.key);
    if (!entry) return null;
    const at = this.#opts.clock.now();
    const handled = entry.queue.then(() => this.#handle(entry, input, at));
    entry.queue = handled.catch(() => {});
    await handled;
    return { checkId: entry.watch.id };
  }

  /** Loads the stored keys and starts the timer; deadlines already missed are reported now. */
  async start(): Promise<void> {
    await this.#store.keys();
    if (this.#stopped) return;
    this.#started = true;
    this.#tick();
  }

  stop(): void {
    this.#stopped = true;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#armedAt = null;
  }

  async #apply(checks: readonly HeartbeatCheck[]): Promise<void> {
    const claimed = new Map<string, string>();
    for (const check of checks) {
      const key = check.heartbeat.key;
      if (!key) continue;
      const other = claimed.get(key);
      if (other !== undefined) {
        throw new UnyoError(
          "UNYO_E_CONFIG_INVALID",
          `Checks "${other}" and "${check.id}" have the same heartbeat key; each check needs its own.`,
        );
      }
      claimed.set(key, check.id);
    }
    await this.#store.keys();
    const wanted = new Set(checks.map((c) => c.id));
    for (const id of this.#entries.keys()) if (!wanted.has(id)) this.#entries.delete(id);
    try {
      for (const check of checks) {
        const key = await this.#store.keyFor(check.id, check.heartbeat.key, (k) => claimed.has(k));
        let entry = this.#entries.get(check.id);
        if (!entry) {
          const watch = newWatch(check.id, key, this.#opts.clock.now());
          configure(watch, check.heartbeat, check.timezone);
          await this.#store.restore(watch);
          entry = { watch, version: 0, queue: Promise.resolve() };
          this.#entries.set(check.id, entry);
        } else {
          entry.watch.key = key;
          configure(entry.watch, check.heartbeat, check.timezone);
        }
        this.#judge(entry, this.#opts.clock.now());
      }
    } finally {
      this.#byKey = new Map([...this.#entries.values()].map((e) => [e.watch.key, e]));
      this.#arm();
    }
  }

  async #handle(entry: Entry, input: PingInput, at: number): Promise<void> {
    const { watch } = entry;
    const body = truncate(input.body, watch.config.max_body);
    const runId = input.runId ?? null;
    let durationMs: number | null = null;
    if (input.kind === "start") startRun(watch, at, runId);
    else {
      const done = finish(watch, { at, kind: input.kind, exitCode: input.exitCode, runId, body });
      durationMs = done.durationMs;
      if (this.#entries.get(watch.id) === entry) this.#emit(watch.id, done.result);
    }
    if (this.#entries.get(watch.id) === entry) {
      this.#judge(entry, at);
      this.#arm();
    }
    try {
      await this.#store.insert({
        checkId: watch.id,
        at,
        kind: input.kind,
        exitCode: input.kind === "exit" ? (input.exitCode ?? null) : null,
        runId,
        durationMs,
        sourceIp: input.sourceIp ?? null,
        body,
      });
    } catch (error) {
      this.#opts.log.warn({ checkId: watch.id, error }, "heartbeat ping not stored");
    }
  }

  /** Judges the check now and queues its next deadline. */
  #judge(entry: Entry, now: number): void {
    const { result, dueAt } = evaluate(entry.watch, now);
    if (result) this.#emit(entry.watch.id, result);
    entry.version += 1;
    if (dueAt !== null) this.#heap.push({ at: dueAt, entry, version: entry.version });
    if (this.#heap.size > 2 * this.#entries.size + 32) {
      this.#heap.removeWhere((d) => !this.#live(d));
    }
  }

  #live(deadline: Deadline): boolean {
    const { entry } = deadline;
    return entry.version === deadline.version && this.#entries.get(entry.watch.id) === entry;
  }

  #emit(checkId: string, result: HeartbeatResult): void {
    try {
      this.#opts.onResult(checkId, result);
    } catch (error) {
      this.#opts.log.error({ checkId, error }, "heartbeat result listener failed");
    }
  }

  #tick(): void {
    const now = this.#opts.clock.now();
    for (let head = this.#heap.peek(); head && head.at <= now; head = this.#heap.peek()) {
      this.#heap.pop();
      if (this.#live(head)) this.#judge(head.entry, now);
    }
    this.#arm();
  }

  /** Points the one timer at the earliest live deadline. */
  #arm(): void {
    if (!this.#started || this.#stopped) return;
    let head = this.#heap.peek();
    while (head && !this.#live(head)) {
      this.#heap.pop();
      head = this.#heap.peek();
    }
    const at = head?.at ?? null;
    if (at === this.#armedAt) return;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#armedAt = at;
    if (at === null) return;
    const delay = Math.min(Math.max(0, at - this.#opts.clock.now()), MAX_TIMER_MS);
    this.#cancelTimer = this.#setTimer(delay, () => {
      this.#cancelTimer = undefined;
      this.#armedAt = null;
      this.#tick();
    });
  }

  /** The clock's timer; on the real clock an unref'd one, so it never keeps Node running. */
  #setTimer(ms: number, fn: () => void): () => void {
    if (this.#opts.clock !== systemClock) return this.#opts.clock.setTimer(ms, fn);
    const handle = setTimeout(fn, ms);
    handle.unref();
    return () => clearTimeout(handle);
  }
}

/** At most `maxBytes` of UTF-8, never cutting a character; NUL removed (PostgreSQL text). */
function truncate(body: string | undefined, maxBytes: number): string | null {
  if (body === undefined || body === "") return null;
  const text = body.replaceAll("\0", "");
  const { read } = new TextEncoder().encodeInto(text, new Uint8Array(maxBytes));
  return text.slice(0, read);
}
