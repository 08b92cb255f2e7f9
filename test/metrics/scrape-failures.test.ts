/**
 * scrapeOnce against real local HTTP servers, the ways a target fails: timeout, huge body, too
 * many samples, error status, connection refused, abort — always a result with up == 0 and an
 * error an operator can act on, never a throw or a stall.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { scrapeOnce } from "../../src/metrics/scrape/scraper.ts";
import { serve, target, text } from "../helpers/scrape-servers.ts";

const NOW = 1_700_000_000_000;

describe("scrapeOnce failures", () => {
  test("a slow target times out: up 0 within the timeout and a small margin", async () => {
    const { url } = await serve(() => {}); // never answers
    const started = performance.now();
    const result = await scrapeOnce(target(url, { timeout: 300 }), { nowMs: NOW });
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 290 && elapsed < 600, `took ${elapsed} ms`);
    assert.equal(result.up, false);
    assert.equal(result.error, "timed out after 300 ms waiting for the response headers");
  });

  test("a body that trickles in past the timeout times out while reading it", async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("a 1\n"); // and nothing more
    });
    const result = await scrapeOnce(target(url, { timeout: 200 }), { nowMs: NOW });
    assert.equal(result.error, "timed out after 200 ms reading the body");
  });

  test("a body over max_bytes fails without reading it all, with or without Content-Length", async () => {
    let stillWriting = true;
    const endless = await serve((req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      const line = `${"x".repeat(60)} 1\n`.repeat(1000);
      const pump = () => {
        while (stillWriting && res.write(line)) {}
        if (stillWriting) res.once("drain", pump);
      };
      req.socket.once("close", () => {
        stillWriting = false;
      });
      pump();
    });
    const started = performance.now();
    const result = await scrapeOnce(target(endless.url, { max_bytes: 100_000 }), { nowMs: NOW });
    assert.ok(performance.now() - started < 1000);
    assert.equal(result.up, false);
    assert.equal(
      result.error,
      "the response body is larger than max_bytes (100000 bytes): scrape given up",
    );
    await sleep(50);
    assert.equal(stillWriting, false, "the connection was closed");

    const declared = await serve(text("a 1\n".repeat(100)));
    const big = await scrapeOnce(target(declared.url, { max_bytes: 399 }), { nowMs: NOW });
    assert.equal(
      big.error,
      "the response body is larger than max_bytes (399 bytes): scrape given up",
    );
    const exact = await scrapeOnce(target(declared.url, { max_bytes: 400 }), { nowMs: NOW });
    // 100 identical lines: all read, the last one kept.
    assert.deepEqual(
      [exact.up, exact.bytes, exact.scraped, exact.duplicates, exact.samples.length],
      [true, 400, 100, 99, 1],
    );
  });

  test("too many samples: the first max_samples are kept, up is 0", async () => {
    const { url } = await serve(text("a 1\nb 2\nc 3\nd 4\ne 5\n"));
    const result = await scrapeOnce(target(url, { max_samples: 3 }), { nowMs: NOW });
    assert.equal(result.up, false);
    assert.deepEqual(
      result.samples.map((s) => s.name),
      ["a", "b", "c"],
    );
    assert.equal(result.scraped, 3);
    assert.equal(result.problemsTotal, 0);
    assert.equal(
      result.error,
      "more than max_samples (3) samples: the first 3 were kept, the rest ignored " +
        "(line 4:1: too many samples: over 3, the rest is ignored)",
    );
  });

  test("a non-2xx status is up 0", async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end("a 1\n");
    });
    const result = await scrapeOnce(target(url), { nowMs: NOW });
    assert.deepEqual([result.up, result.samples.length], [false, 0]);
    assert.equal(result.error, "HTTP 500 Internal Server Error (expected a 2xx status)");
  });

  test("connection refused is up 0 with the reason", async () => {
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, "127.0.0.1", resolve));
    const { port } = free.address() as AddressInfo;
    await new Promise((resolve) => free.close(resolve));
    const result = await scrapeOnce(target(`http://127.0.0.1:${port}/metrics`), { nowMs: NOW });
    assert.equal(result.up, false);
    assert.equal(result.error, `connection refused: connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  test("an aborted scrape ends at once", async () => {
    const { url } = await serve(() => {});
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error("shutting down")), 50);
    const result = await scrapeOnce(target(url), { nowMs: NOW, signal: abort.signal });
    assert.deepEqual([result.up, result.error], [false, "aborted: shutting down"]);
  });
});
