/**
 * ScrapeManager against real local HTTP servers: scheduling (spread first slot, fixed rate),
 * what it stores (samples and synthetic series), status(), isolation between targets (a hanging
 * target does not delay a healthy one), no overlapping scrapes, and config reloads via apply().
 * A ManualClock drives the schedule where exact times matter; real time only where the point is
 * that real timers are not delayed.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { ScrapeTargetConfig } from "../../src/config/metrics-schema.ts";
import { ManualClock, systemClock } from "../../src/core/clock.ts";
import { createLogger } from "../../src/log/logger.ts";
import { ScrapeManager, spreadOffset } from "../../src/metrics/scrape/scraper.ts";
import { RecordingSink } from "../helpers/recording-sink.ts";
import { type Handler, listenLocal, text } from "../helpers/scrape-servers.ts";

interface TestServer {
  url: (path?: string) => string;
  requests: string[];
  handler: Handler;
  /** A handler that holds its responses back until release(). */
  hold(inner: Handler): Handler;
  release(): void;
}

async function serve(handler: Handler): Promise<TestServer> {
  const held: (() => void)[] = [];
  const server = createServer((req, res) => {
    state.requests.push(req.url ?? "");
    state.handler(req, res);
  });
  const state: TestServer = {
    url: (path = "/metrics") => `http://127.0.0.1:${port}${path}`,
    requests: [],
    handler,
    hold: (inner) => (req, res) => {
      held.push(() => inner(req, res));
    },
    release: () => {
      for (const answer of held.splice(0)) answer();
    },
  };
  const port = await listenLocal(server);
  return state;
}

async function until(check: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(5);
  }
}

const NOW = 1_700_000_000_000;
const quietLog = () => createLogger({ level: "debug", destination: { write: () => {} } });

/** A manager on a ManualClock at NOW, storing into a RecordingSink. */
function managed() {
  const clock = new ManualClock(NOW);
  const sink = new RecordingSink();
  return { clock, sink, manager: new ScrapeManager({ sink, clock, log: quietLog() }) };
}

const DEFAULTS = { every: 1000, timeout: 1000, headers: {}, max_samples: 1000, max_bytes: 1 << 20 };
function target(id: string, url: string, extra: Partial<ScrapeTargetConfig> = {}) {
  return { id, url, labels: {}, ...DEFAULTS, ...extra } satisfies ScrapeTargetConfig;
}

describe("ScrapeManager", () => {
  test("stores samples and the synthetic series; status remembers the last error", async () => {
    const server = await serve(text('a{x="1"} 1\nnot a sample\nb 2\n'));
    const { clock, sink, manager } = managed();
    manager.apply([target("web", server.url(), { labels: { role: "web" } })]);
    assert.equal(manager.status()[0]?.nextScrapeAt, null, "not scheduled before start()");
    manager.start();
    const offset = spreadOffset("web", 1000);
    const first = NOW + offset;
    assert.equal(manager.status()[0]?.nextScrapeAt, first);
    clock.advance(offset);
    await sink.waitForSamples("up", 1);
    const instance = new URL(server.url()).host;
    const labels = { job: "web", instance, role: "web" };
    assert.deepEqual(sink.find("a"), [
      { name: "a", labels: { x: "1", ...labels }, value: 1, timestampMs: first },
    ]);
    const synthetic = (name: string) => sink.find(name).map((s) => [s.value, s.timestampMs]);
    assert.deepEqual(synthetic("up"), [[1, first]]);
    assert.deepEqual(synthetic("scrape_samples_scraped"), [[2, first]]);
    assert.deepEqual(synthetic("scrape_samples_stored"), [[2, first]]);
    assert.deepEqual(synthetic("scrape_problems"), [[1, first]]);
    assert.deepEqual(sink.find("up")[0]?.labels, labels);
    const duration = sink.find("scrape_duration_seconds")[0];
    assert.ok(duration && duration.value > 0 && duration.value < 1, `${duration?.value}`);

    let status = manager.status()[0];
    assert.ok(status);
    const { up, lastScrapeAt, lastDurationMs, nextScrapeAt, lastError } = status;
    assert.deepEqual(
      [up, lastScrapeAt, nextScrapeAt, lastError],
      [true, first, first + 1000, null],
    );
    // The same duration, once in ms and once in seconds: equal up to floating-point rounding.
    assert.ok(
      Math.abs((lastDurationMs ?? Number.NaN) - duration.value * 1000) < 1e-9,
      `${lastDurationMs} ms vs ${duration.value} s`,
    );
    const { samplesScraped, samplesStored, problems, problemsTotal } = status;
    assert.deepEqual([samplesScraped, samplesStored, problemsTotal], [2, 2, 1]);
    assert.deepEqual(
      problems.map((p) => [p.line, p.column, p.text]),
      [[2, 5, "not a sample"]],
    );

    server.handler = (_req, res) => {
      res.writeHead(503, { "content-type": "text/plain" });
      res.end("down for maintenance");
    };
    clock.advance(1000);
    await sink.waitForSamples("up", 2);
    const failed = {
      at: first + 1000,
      message: "HTTP 503 Service Unavailable (expected a 2xx status)",
    };
    assert.deepEqual(manager.status()[0]?.lastError, failed);
    assert.deepEqual(synthetic("scrape_samples_scraped").at(-1), [0, first + 1000]);

    server.handler = text("a 5\n");
    clock.advance(1000);
    await sink.waitForSamples("up", 3);
    assert.deepEqual(sink.values("up"), [1, 0, 1]);
    status = manager.status()[0];
    assert.deepEqual(status?.lastError, failed, "kept after the target recovered");
    assert.deepEqual([status?.up, status?.scrapes, status?.failures], [true, 3, 1]);
    assert.deepEqual([status?.problems, status?.problemsTotal], [[], 0]);
    await manager.stop();
  });

  test("a target that hangs does not delay a healthy one; its slots are skipped", async () => {
    const hanging = await serve(() => {});
    const healthy = await serve(text("ok 1\n"));
    const sink = new RecordingSink();
    const manager = new ScrapeManager({ sink, clock: systemClock, log: quietLog() });
    manager.apply([
      target("hang", hanging.url(), { every: 200, timeout: 5000 }),
      target("ok", healthy.url(), { every: 200, timeout: 200 }),
    ]);
    manager.start();
    await sink.waitForSamples("up", 4, { job: "ok" }, 2000);
    const times = sink.find("up", { job: "ok" }).map((s) => s.timestampMs);
    for (let i = 1; i < times.length; i++) {
      const gap = (times[i] as number) - (times[i - 1] as number);
      assert.ok(gap >= 150 && gap <= 300, `gap ${gap} ms between scrapes`);
    }
    const hang = manager.status().find((s) => s.id === "hang");
    assert.equal(hang?.running, true);
    assert.equal(hang?.scrapes, 0);
    assert.ok((hang?.skippedOverlaps ?? 0) >= 2, `${hang?.skippedOverlaps} skipped`);
    assert.equal(hanging.requests.length, 1, "never two scrapes of one target at once");
    const stopping = performance.now();
    await manager.stop();
    assert.ok(performance.now() - stopping < 500, "stop() aborts the hanging scrape");
    assert.equal(sink.find("up", { job: "hang" }).length, 0, "an aborted scrape stores nothing");
  });

  test("a slot that comes while the previous scrape runs is skipped and counted", async () => {
    const server = await serve(text("a 1\n"));
    server.handler = server.hold(text("a 1\n"));
    const { clock, sink, manager } = managed();
    manager.apply([target("slow", server.url(), { timeout: 60_000, every: 1000 })]);
    manager.start();
    clock.advance(spreadOffset("slow", 1000));
    await until(() => server.requests.length === 1, "first request");
    clock.advance(1000);
    clock.advance(1000);
    await sleep(50);
    assert.equal(server.requests.length, 1);
    assert.equal(manager.status()[0]?.skippedOverlaps, 2);
    server.release();
    await sink.waitForSamples("up", 1);
    server.handler = text("a 2\n");
    clock.advance(1000);
    await sink.waitForSamples("up", 2);
    assert.equal(server.requests.length, 2);
    assert.deepEqual(sink.values("a"), [1, 2]);
    await manager.stop();
  });

  test("apply() adds, removes and changes targets without touching unchanged ones", async () => {
    const server = await serve(text("m 1\n"));
    const { clock, sink, manager } = managed();
    const a = target("a", server.url("/a"), { timeout: 60_000 });
    const b = target("b", server.url("/b"));
    manager.apply([a, b]);
    manager.start();
    const next = () => Object.fromEntries(manager.status().map((s) => [s.id, s.nextScrapeAt]));
    assert.deepEqual(next(), {
      a: NOW + spreadOffset("a", 1000),
      b: NOW + spreadOffset("b", 1000),
    });

    // a's scrape is in flight (held) across the reload; it must not be restarted or aborted.
    server.handler = (req, res) =>
      req.url === "/a" ? server.hold(text("m 1\n"))(req, res) : text("m 1\n")(req, res);
    clock.advance(1000);
    await until(() => server.requests.length === 2, "a and b scraped");
    await sink.waitForSamples("up", 1, { job: "b" });
    const before = next();

    clock.advance(50);
    const c = target("c", server.url("/c"), { every: 2000 });
    const b2 = { ...b, labels: { tier: "2" } };
    manager.apply([{ ...a }, b2, c]);
    assert.deepEqual(next(), { ...before, c: NOW + 1050 + spreadOffset("c", 2000) });
    assert.equal(manager.status().find((s) => s.id === "a")?.running, true);
    assert.deepEqual(manager.status().find((s) => s.id === "b")?.labels, {
      job: "b",
      instance: new URL(server.url()).host,
      tier: "2",
    });
    server.release();
    await sink.waitForSamples("up", 1, { job: "a" });

    const b3 = { ...b2, every: 3000, timeout: 3000 };
    manager.apply([b3, c]);
    assert.deepEqual(next(), { b: NOW + 1050 + spreadOffset("b", 3000), c: next().c });
    const requestsBefore = server.requests.filter((u) => u === "/a").length;
    // A ManualClock fires a whole jump at once: step so that each scrape ends before the next.
    for (let i = 0; i < 6; i++) {
      clock.advance(1000);
      await until(() => manager.status().every((s) => !s.running), "scrapes done");
    }
    assert.equal(sink.find("up", { job: "c" }).length, 3);
    assert.equal(server.requests.filter((u) => u === "/a").length, requestsBefore, "a removed");
    assert.deepEqual(
      sink.find("m", { job: "b" }).map((s) => s.labels.tier),
      [undefined, "2", "2"],
    );
    await manager.stop();
  });

  test("removing a target aborts its scrape in flight; nothing of it is stored", async () => {
    const server = await serve(() => {});
    const { clock, sink, manager } = managed();
    manager.apply([target("gone", server.url(), { timeout: 60_000 })]);
    manager.start();
    clock.advance(1000);
    await until(() => server.requests.length === 1, "scrape started");
    manager.apply([]);
    assert.deepEqual(manager.status(), []);
    await sleep(50);
    clock.advance(5000);
    assert.deepEqual([sink.appends.length, server.requests.length], [0, 1]);
    await manager.stop();
  });

  test("the store's rejections and failures show in status and scrape_samples_stored", async () => {
    const server = await serve(text("a 1\nb 2\nc 3\n"));
    const { clock, sink, manager } = managed();
    sink.refuse = (s) => (s.name === "a" ? "series_limit" : undefined);
    manager.apply([target("t", server.url())]);
    manager.start();
    clock.advance(1000);
    await sink.waitForSamples("up", 1);
    assert.deepEqual(sink.values("scrape_samples_stored"), [2]);
    let status = manager.status()[0];
    assert.deepEqual(status?.rejected, [
      { reason: "series_limit", count: 1, message: "refused: series_limit" },
    ]);
    assert.deepEqual([status?.up, status?.samplesStored, status?.lastError], [true, 2, null]);

    sink.failWith = new Error("disk full");
    clock.advance(1000);
    await until(() => manager.status()[0]?.scrapes === 2, "second scrape");
    status = manager.status()[0];
    assert.equal(status?.lastError?.message, "storing the samples failed: disk full");
    assert.equal(status?.samplesStored, 0);
    await manager.stop();
  });
});
