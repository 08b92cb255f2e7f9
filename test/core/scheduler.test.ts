import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type Clock, ManualClock } from "../../src/core/clock.ts";
import { MinHeap } from "../../src/core/heap.ts";
import { type RecurringTask, Scheduler } from "../../src/core/scheduler.ts";

const T0 = 1_700_000_000_000;

/** Lets the async parts of runs (their awaits, the scheduler's finally) catch up. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise(setImmediate);
}

/**
 * Moves the clock in small steps, letting runs progress between steps, as real time would.
 * (ManualClock.advance fires due timers synchronously, before any awaiting code resumes.)
 */
async function advance(clock: ManualClock, ms: number, step = 10): Promise<void> {
  for (let left = ms; left > 0; left -= step) {
    clock.advance(Math.min(step, left));
    await settle();
  }
}

/** Stops with no grace: the grace timer is on the manual clock, so move it to fire. */
async function stopNow(scheduler: Scheduler, clock: ManualClock): Promise<void> {
  const stopping = scheduler.stop(0);
  clock.advance(0);
  await stopping;
}

/** Resolves after ms on the given clock. */
function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimer(ms, resolve));
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve()));
}

interface Gate {
  promise: Promise<void>;
  open(): void;
}
function gate(): Gate {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Wraps a clock to count timers that are set and neither fired nor cancelled. */
function countingClock(inner: Clock): Clock & { pending(): number } {
  let pending = 0;
  return {
    now: () => inner.now(),
    setTimer(ms, fn) {
      pending++;
      let live = true;
      const end = () => {
        if (live) pending--;
        live = false;
      };
      const cancel = inner.setTimer(ms, () => {
        end();
        fn();
      });
      return () => {
        end();
        cancel();
      };
    },
    pending: () => pending,
  };
}

/** A task that records its slots and start times and takes `durationMs` of clock time. */
function recorder(
  clock: Clock,
  key: string,
  intervalMs: number,
  durationMs: number,
  firstAt?: number,
) {
  const slots: number[] = [];
  const startedAt: number[] = [];
  let running = 0;
  let maxRunning = 0;
  const task: RecurringTask = {
    key,
    intervalMs,
    ...(firstAt === undefined ? {} : { firstAt }),
    async run(signal, slot) {
      slots.push(slot);
      startedAt.push(clock.now());
      running++;
      maxRunning = Math.max(maxRunning, running);
      try {
        await Promise.race([sleep(clock, durationMs), aborted(signal)]);
      } finally {
        running--;
      }
    },
  };
  return { task, slots, startedAt, maxRunning: () => maxRunning };
}

describe("Scheduler", () => {
  test("runs at a fixed rate: slot = first + n × interval, whatever the run takes", async () => {
    const clock = new ManualClock(T0);
    const scheduler = new Scheduler({ clock, concurrency: 4 });
    const a = recorder(clock, "a", 1000, 300, T0 + 100);
    scheduler.upsert(a.task);
    assert.equal(scheduler.nextAt("a"), T0 + 100);

    await advance(clock, 99);
    assert.deepEqual(a.slots, [], "nothing before the first slot");
    await advance(clock, 3500);
    assert.deepEqual(a.slots, [T0 + 100, T0 + 1100, T0 + 2100, T0 + 3100]);
    assert.deepEqual(a.startedAt, a.slots, "each run starts on its slot");
    assert.equal(scheduler.nextAt("a"), T0 + 4100);
    await stopNow(scheduler, clock);
  });

  test("runs due tasks in slot order", async () => {
    const clock = new ManualClock(T0);
    const scheduler = new Scheduler({ clock, concurrency: 100 });
    const order: string[] = [];
    const offsets = [70, 10, 50, 30, 90, 20, 80, 40, 60, 0];
    for (const offset of offsets) {
      scheduler.upsert({
        key: `t${offset}`,
        intervalMs: 10_000,
        firstAt: T0 + offset,
        run: async () => {
          order.push(`t${offset}`);
        },
      });
    }
    assert.equal(scheduler.size, 10);
    await advance(clock, 95, 5);
    assert.deepEqual(
      order,
      [...offsets].sort((x, y) => x - y).map((o) => `t${o}`),
    );
    await stopNow(scheduler, clock);
  });

  test("never runs more than the concurrency cap; queued runs start when a place frees", async () => {
    const clock = new ManualClock(T0);
    const scheduler = new Scheduler({ clock, concurrency: 2 });
    const gates = new Map<string, Gate>();
    const started: { key: string; slot: number }[] = [];
    let running = 0;
    let maxRunning = 0;
    const keys = ["a", "b", "c", "d", "e"];
    for (const key of keys) {
      gates.set(key, gate());
      scheduler.upsert({
        key,
        intervalMs: 10_000,
        firstAt: T0 + 10,
        async run(_signal, slot) {
          started.push({ key, slot });
          running++;
          maxRunning = Math.max(maxRunning, running);
          await gates.get(key)?.promise;
          running--;
        },
      });
    }
    const finish = async (index: number) => {
      gates.get(started[index]?.key ?? "")?.open();
      await settle();
    };

    await advance(clock, 10);
    assert.equal(started.length, 2);
    assert.equal(scheduler.running, 2);

    await finish(1);
    assert.equal(started.length, 3, "a freed place goes to a queued run");
    assert.equal(scheduler.running, 2);

    await advance(clock, 500);
    assert.equal(started.length, 3, "time passing alone does not free a place");

    await finish(0);
    await finish(2);
    assert.equal(started.length, 5);
    assert.deepEqual(started.map((s) => s.key).sort(), keys, "each ran once");
    assert.ok(
      started.every((s) => s.slot === T0 + 10),
      "a queued run keeps its slot",
    );
    await finish(3);
    await finish(4);
    assert.equal(maxRunning, 2);
    assert.equal(scheduler.running, 0);
    await stopNow(scheduler, clock);
  });

  test("a run that overruns its next slots skips them instead of catching up in a burst", async () => {
    const clock = new ManualClock(T0);
    const scheduler = new Scheduler({ clock, concurrency: 4 });
    const a = recorder(clock, "a", 1000, 2500, T0);
    scheduler.upsert(a.task);

    await advance(clock, 10);
    assert.deepEqual(a.slots, [T0]);
    await advance(clock, 2600); // the run ends at T0 + 2500, slots T0+1000 and T0+2000 passed
    assert.deepEqual(a.slots, [T0], "no catch-up run when the long run ends");
    await advance(clock, 400); // T0 + 3010
    assert.deepEqual(a.slots, [T0, T0 + 3000]);
    assert.equal(a.maxRunning(), 1);
    await stopNow(scheduler, clock);
  });

  test("a run waiting for a place does not queue twice when its next slot comes", async () => {
    const clock = new ManualClock(T0);
    const scheduler = new Scheduler({ clock, concurrency: 1 });
    const blocker = gate();
    scheduler.upsert({
      key: "blocker",
      intervalMs: 60_000,
      firstAt: T0,
      run: () => blocker.promise,
    });
    const b = recorder(clock, "b", 100, 0, T0 + 1);
    scheduler.upsert(b.task);
    await advance(clock, 550);
    assert.deepEqual(b.slots, [], "b waits while blocker holds the only place");
    blocker.open();
    await settle();
    assert.deepEqual(b.slots, [T0 + 1], "b runs once, for the slot it was queued for");
    await advance(clock, 100);
    assert.deepEqual(b.slots, [T0 + 1, T0 + 601]);
    await stopNow(scheduler, clock);
  });

  test("upsert keeps the slot when the interval is unchanged and uses the new task", async () => {
    const clock = new ManualClock(T0);
    const scheduler = new Scheduler({ clock, concurrency: 4, spreadMs: 100 });
    const calls: string[] = [];
    const task = (version: string, intervalMs: number, firstAt?: number): RecurringTask => ({
      key: "a",
      intervalMs,
      ...(firstAt === undefined ? {} : { firstAt }),
      run: async () => {
        calls.push(version);
      },
    });
    scheduler.upsert(task("v1", 1000, T0 + 500));
    await advance(clock, 200);
    scheduler.upsert(task("v2", 1000));
    assert.equal(scheduler.nextAt("a"), T0 + 500);
    assert.equal(scheduler.size, 1);
    await advance(clock, 400);
    assert.deepEqual(calls, ["v2"]);

    // A new interval starts over from now, within the start-up spread.
    scheduler.upsert(task("v3", 5000));
    const next = scheduler.nextAt("a") ?? 0;
    assert.ok(next >= clock.now() && next < clock.now() + 100, `next at +${next - clock.now()}`);
    assert.deepEqual(scheduler.keys(), ["a"]);
    await stopNow(scheduler, clock);
  });

  test("upsert while the task runs does not start a second, overlapping run", async () => {
    const clock = new ManualClock(T0);
    const scheduler = new Scheduler({ clock, concurrency: 4 });
    const a = recorder(clock, "a", 1000, 1500, T0);
    scheduler.upsert(a.task);
    await advance(clock, 10);
    assert.deepEqual(a.slots, [T0]);

    scheduler.upsert(a.task); // e.g. a config reload that left this task unchanged
    await advance(clock, 1100); // slot T0+1000 passes while the first run (until T0+1500) runs
    assert.deepEqual(a.slots, [T0], "the slot during the run is skipped");
    await advance(clock, 1000); // T0 + 2110
    assert.deepEqual(a.slots, [T0, T0 + 2000]);
    assert.equal(a.maxRunning(), 1);
    await stopNow(scheduler, clock);
  });

  test("remove stops a task, including one queued for a place", async () => {
    const clock = new ManualClock(T0);
    const scheduler = new Scheduler({ clock, concurrency: 1 });
    const blocker = gate();
    scheduler.upsert({
      key: "blocker",
      intervalMs: 60_000,
      firstAt: T0,
      run: () => blocker.promise,
    });
    const a = recorder(clock, "a", 100, 0, T0);
    const b = recorder(clock, "b", 100, 0, T0 + 50);
    scheduler.upsert(a.task);
    scheduler.upsert(b.task);
    await advance(clock, 60);
    assert.equal(scheduler.running, 1);

    scheduler.remove("a"); // queued behind blocker
    assert.equal(scheduler.nextAt("a"), undefined);
    assert.deepEqual(scheduler.keys().sort(), ["b", "blocker"]);
    blocker.open();
    await settle();
    await advance(clock, 300);
    assert.deepEqual(a.slots, []);
    assert.ok(b.slots.length >= 3);

    const runsOfB = b.slots.length;
    scheduler.remove("b");
    scheduler.remove("no-such-key");
    await advance(clock, 500);
    assert.equal(b.slots.length, runsOfB);
    assert.equal(scheduler.size, 1);
    await stopNow(scheduler, clock);
  });

  test("a failing run is reported and keeps its schedule", async () => {
    const clock = new ManualClock(T0);
    const errors: [string, unknown][] = [];
    const scheduler = new Scheduler({
      clock,
      concurrency: 1,
      onError: (key, error) => errors.push([key, error]),
    });
    let runs = 0;
    scheduler.upsert({
      key: "bad",
      intervalMs: 100,
      firstAt: T0,
      run: async () => {
        runs++;
        throw new Error(`boom ${runs}`);
      },
    });
    await advance(clock, 250);
    assert.equal(runs, 3);
    assert.deepEqual(
      errors.map(([key, error]) => `${key}: ${(error as Error).message}`),
      ["bad: boom 1", "bad: boom 2", "bad: boom 3"],
    );
    await stopNow(scheduler, clock);
  });

  test("stop waits for running work that ends within the grace, then starts nothing", async () => {
    const base = new ManualClock(T0);
    const counted = countingClock(base);
    const scheduler = new Scheduler({ clock: counted, concurrency: 4 });
    const done = gate();
    let signal: AbortSignal | undefined;
    let runs = 0;
    scheduler.upsert({
      key: "a",
      intervalMs: 100,
      firstAt: T0,
      async run(s) {
        runs++;
        signal = s;
        await done.promise;
      },
    });
    await advance(base, 10);
    assert.equal(runs, 1);

    let stopped = false;
    const stopping = scheduler.stop(1000).then(() => {
      stopped = true;
    });
    await advance(base, 300);
    assert.equal(stopped, false, "stop waits for the running work");
    assert.equal(runs, 1, "no new runs after stop");
    done.open();
    await stopping;
    assert.equal(signal?.aborted, false, "work that ended in time is not aborted");
    assert.equal(counted.pending(), 0, "stop leaves no timer behind (it would hold the process)");

    scheduler.upsert({ key: "late", intervalMs: 10, firstAt: T0, run: async () => void runs++ });
    await advance(base, 2000);
    assert.equal(runs, 1, "a stopped scheduler takes no new work");
    assert.equal(scheduler.running, 0);
  });

  test("stop aborts work still running after the grace and waits for it to finish", async () => {
    const clock = new ManualClock(T0);
    const scheduler = new Scheduler({ clock, concurrency: 4 });
    const seen: { aborted?: boolean; reason?: unknown; finished?: boolean } = {};
    scheduler.upsert({
      key: "slow",
      intervalMs: 60_000,
      firstAt: T0,
      async run(signal) {
        await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
        seen.aborted = signal.aborted;
        seen.reason = signal.reason;
        await settle(); // records itself as interrupted, say
        seen.finished = true;
      },
    });
    await advance(clock, 1);
    assert.equal(scheduler.running, 1);

    let stopped = false;
    const stopping = scheduler.stop(500).then(() => {
      stopped = true;
    });
    await advance(clock, 490);
    assert.equal(seen.aborted, undefined, "not aborted within the grace");
    assert.equal(stopped, false);
    await advance(clock, 20);
    await stopping;
    assert.equal(seen.aborted, true);
    assert.ok(seen.reason instanceof Error);
    assert.match(seen.reason.message, /shutting down/);
    assert.equal(seen.finished, true, "stop resolves only after the aborted run has finished");
    assert.equal(scheduler.running, 0);
  });

  test("stop with nothing running returns at once", async () => {
    const clock = new ManualClock(T0);
    const scheduler = new Scheduler({ clock, concurrency: 1 });
    scheduler.upsert({ key: "a", intervalMs: 100, firstAt: T0 + 50, run: async () => {} });
    await scheduler.stop(10_000);
    assert.equal(scheduler.running, 0);
  });

  test("start-up spread places first runs within min(interval, spreadMs), stably per key", async () => {
    const clock = new ManualClock(T0);
    const scheduler = new Scheduler({ clock, concurrency: 1, spreadMs: 1000 });
    const keys = Array.from({ length: 200 }, (_, i) => `check-${i}`);
    for (const key of keys) scheduler.upsert({ key, intervalMs: 60_000, run: async () => {} });
    const offsets = keys.map((key) => (scheduler.nextAt(key) ?? -1) - T0);
    assert.ok(
      offsets.every((o) => o >= 0 && o < 1000),
      `offsets ${offsets}`,
    );
    assert.ok(new Set(offsets).size > 150, "offsets are spread, not bunched");
    assert.ok(Math.max(...offsets) > 800 && Math.min(...offsets) < 200);

    const short = new Scheduler({ clock, concurrency: 1, spreadMs: 1000 });
    for (const key of keys) short.upsert({ key, intervalMs: 50, run: async () => {} });
    assert.ok(
      keys.every((key) => (short.nextAt(key) ?? -1) - T0 < 50),
      "never past one interval",
    );

    const again = new Scheduler({ clock, concurrency: 1, spreadMs: 1000 });
    for (const key of keys) again.upsert({ key, intervalMs: 60_000, run: async () => {} });
    assert.deepEqual(
      keys.map((key) => (again.nextAt(key) ?? -1) - T0),
      offsets,
      "the same key gets the same offset after a restart",
    );

    const noSpread = new Scheduler({ clock, concurrency: 1, spreadMs: 0 });
    noSpread.upsert({ key: "x", intervalMs: 1000, run: async () => {} });
    assert.equal(noSpread.nextAt("x"), T0);
    for (const s of [scheduler, short, again, noSpread]) await stopNow(s, clock);
  });
});

describe("MinHeap", () => {
  test("pops in order and removes by predicate", () => {
    const heap = new MinHeap<number>((a, b) => a < b);
    const values = Array.from({ length: 500 }, (_, i) => (i * 7919) % 1009);
    for (const v of values) heap.push(v);
    assert.equal(heap.size, 500);
    heap.removeWhere((v) => v % 2 === 0);
    const out: number[] = [];
    for (let v = heap.pop(); v !== undefined; v = heap.pop()) out.push(v);
    assert.deepEqual(
      out,
      values.filter((v) => v % 2 === 1).sort((a, b) => a - b),
    );
    assert.equal(heap.peek(), undefined);
    assert.equal(heap.pop(), undefined);
  });
});
