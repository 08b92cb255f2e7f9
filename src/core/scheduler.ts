import type { Clock } from "./clock.ts";
import { MinHeap } from "./heap.ts";

/**
 * Runs recurring work at a fixed rate: one timer for the whole queue (not one per item),
 * one global concurrency cap, and slots that don't drift — the next slot is the previous
 * slot plus the interval, not "finished + interval". A slot missed because the item was
 * still running or the cap was full is skipped, never run in a burst.
 */
export interface RecurringTask {
  key: string;
  intervalMs: number;
  /** First slot; defaults to now plus a stable per-key offset that spreads start-up load. */
  firstAt?: number;
  run(signal: AbortSignal, slot: number): Promise<void>;
}

interface Entry {
  task: RecurringTask;
  nextAt: number;
  running: boolean;
  /** Slot waiting for a free concurrency place, if any. */
  readySlot: number | undefined;
  /** Set by remove(): a queued run of a removed task is dropped. */
  removed: boolean;
}

export interface SchedulerOptions {
  clock: Clock;
  concurrency: number;
  /** Start-up spread: first runs are placed within min(interval, this) of start. */
  spreadMs?: number;
  onError?: (key: string, error: unknown) => void;
  /** Called as each run starts, with how late it is against its slot (for metrics). */
  onStart?: (key: string, lagMs: number) => void;
}

export class Scheduler {
  readonly #opts: SchedulerOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #queue = new MinHeap<Entry>((a, b) => a.nextAt < b.nextAt);
  /** Runs waiting for a place, oldest first: an array read from #readyHead (O(1) dequeue). */
  #ready: Entry[] = [];
  #readyHead = 0;
  readonly #inFlight = new Map<Entry, { done: Promise<void>; abort: AbortController }>();
  #cancelTimer: (() => void) | undefined;
  #stopped = false;

  constructor(options: SchedulerOptions) {
    this.#opts = options;
  }

  get size(): number {
    return this.#entries.size;
  }

  get running(): number {
    return this.#inFlight.size;
  }

  /** Adds or replaces a task. Replacing keeps its current slot when the interval is unchanged. */
  upsert(task: RecurringTask): void {
    if (this.#stopped) return;
    const firstAt = () => task.firstAt ?? this.#opts.clock.now() + this.#spread(task);
    const previous = this.#entries.get(task.key);
    if (previous) {
      // Replace in place: a run of the old task may still be in flight (or queued for a
      // place), and keeping the entry keeps the new task from starting beside it.
      const sameInterval = previous.task.intervalMs === task.intervalMs;
      previous.task = task;
      if (!sameInterval) {
        previous.nextAt = firstAt();
        this.#queue.removeWhere((e) => e === previous);
        this.#queue.push(previous);
        this.#arm();
      }
      return;
    }
    const entry: Entry = {
      task,
      nextAt: firstAt(),
      running: false,
      readySlot: undefined,
      removed: false,
    };
    this.#entries.set(task.key, entry);
    this.#queue.push(entry);
    this.#arm();
  }

  remove(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    entry.removed = true;
    this.#queue.removeWhere((e) => e === entry);
    // A queued run of it stays in #ready and is skipped when its turn comes (removed).
    this.#arm();
  }

  keys(): string[] {
    return [...this.#entries.keys()];
  }

  nextAt(key: string): number | undefined {
    return this.#entries.get(key)?.nextAt;
  }

  /**
   * Stops taking new work, waits up to graceMs for running work, then aborts what is still
   * running (its run() sees the signal and records itself as interrupted) and waits for it.
   */
  async stop(graceMs: number): Promise<void> {
    this.#stopped = true;
    this.#cancelTimer?.();
    for (const entry of this.#ready.slice(this.#readyHead)) entry.readySlot = undefined;
    this.#ready = [];
    this.#readyHead = 0;
    const all = () => Promise.allSettled([...this.#inFlight.values()].map((r) => r.done));
    if (this.#inFlight.size === 0) return;
    let timedOut = false;
    let cancelGrace: (() => void) | undefined;
    await Promise.race([
      all(),
      new Promise<void>((resolve) => {
        cancelGrace = this.#opts.clock.setTimer(graceMs, () => {
          timedOut = true;
          resolve();
        });
      }),
    ]);
    // A pending grace timer would hold the process open for the whole grace period.
    cancelGrace?.();
    if (timedOut) {
      for (const r of this.#inFlight.values()) r.abort.abort(new Error("shutting down"));
      await all();
    }
  }

  #spread(task: RecurringTask): number {
    const window = Math.min(task.intervalMs, this.#opts.spreadMs ?? 5_000);
    let hash = 2166136261;
    for (let i = 0; i < task.key.length; i++) {
      hash = Math.imul(hash ^ task.key.charCodeAt(i), 16777619);
    }
    return window > 0 ? (hash >>> 0) % window : 0;
  }

  #arm(): void {
    if (this.#stopped) return;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    const head = this.#queue.peek();
    if (!head) return;
    const delay = Math.max(0, head.nextAt - this.#opts.clock.now());
    this.#cancelTimer = this.#opts.clock.setTimer(delay, () => this.#tick());
  }

  #tick(): void {
    const now = this.#opts.clock.now();
    for (let head = this.#queue.peek(); head && head.nextAt <= now; head = this.#queue.peek()) {
      this.#queue.pop();
      const slot = head.nextAt;
      // Fixed rate: the next slot follows from this one; slots already past are skipped.
      const interval = head.task.intervalMs;
      head.nextAt = slot + interval * Math.max(1, Math.ceil((now - slot + 1) / interval));
      this.#queue.push(head);
      if (!head.running && head.readySlot === undefined) {
        head.readySlot = slot;
        this.#ready.push(head);
      }
    }
    this.#drain();
    this.#arm();
  }

  #drain(): void {
    while (
      !this.#stopped &&
      this.#inFlight.size < this.#opts.concurrency &&
      this.#readyHead < this.#ready.length
    ) {
      const entry = this.#ready[this.#readyHead++] as Entry;
      if (this.#readyHead > 1024 && this.#readyHead * 2 > this.#ready.length) {
        this.#ready = this.#ready.slice(this.#readyHead);
        this.#readyHead = 0;
      }
      const slot = entry.readySlot ?? this.#opts.clock.now();
      entry.readySlot = undefined;
      if (entry.removed) continue;
      this.#start(entry, slot);
    }
  }

  #start(entry: Entry, slot: number): void {
    entry.running = true;
    this.#opts.onStart?.(entry.task.key, this.#opts.clock.now() - slot);
    const abort = new AbortController();
    const done = entry.task
      .run(abort.signal, slot)
      .catch((error: unknown) => this.#opts.onError?.(entry.task.key, error))
      .finally(() => {
        entry.running = false;
        this.#inFlight.delete(entry);
        this.#drain();
      });
    this.#inFlight.set(entry, { done, abort });
  }
}
