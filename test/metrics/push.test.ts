/**
 * ingestPush: the status and response for each kind of body, and exactly what reaches the sink.
 * The first tests go through a real node:http server, as the route will (raw Buffer bodies).
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { ingestPush, type PushOutcome } from "../../src/metrics/push.ts";
import { RecordingSink } from "../helpers/recording-sink.ts";

const NOW = 1_700_000_000_000;

describe("ingestPush over HTTP", () => {
  const sink = new RecordingSink();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const outcome = ingestPush({
        contentType: req.headers["content-type"],
        body: Buffer.concat(chunks),
        sink,
        nowMs: NOW,
      });
      res.writeHead(outcome.status, { "content-type": "application/json" });
      res.end(JSON.stringify(outcome.response));
    });
  });
  let url = "";
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/push`;
  });
  after(() => server.close());

  const post = async (contentType: string, body: string) => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": contentType },
      body,
    });
    return { status: response.status, body: (await response.json()) as PushOutcome["response"] };
  };

  test("Prometheus text: 200, stored with the ingest time when there is no timestamp", async () => {
    const { status, body } = await post(
      "text/plain; version=0.0.4; charset=utf-8",
      '# TYPE backup_last_success gauge\nbackup_last_success{db="main"} 1\nbackup_bytes 2048 1699999990000\n',
    );
    assert.equal(status, 200);
    assert.deepEqual(body, {
      accepted: 2,
      duplicates: 0,
      rejected: [],
      problems: [],
      problems_total: 0,
      message: "stored 2 samples",
    });
    assert.deepEqual(sink.samples, [
      { name: "backup_last_success", labels: { db: "main" }, value: 1, timestampMs: NOW },
      { name: "backup_bytes", labels: {}, value: 2048, timestampMs: 1_699_999_990_000 },
    ]);
  });

  test("a partly bad body: 200, the good samples stored, the bad lines listed", async () => {
    sink.samples.length = 0;
    const { status, body } = await post("text/plain", "good_a 1\nbad line\ngood_b 2\n{x} 3\n");
    assert.equal(status, 200);
    assert.equal(body.accepted, 2);
    assert.equal(body.problems_total, 2);
    assert.deepEqual(
      body.problems.map((p) => [p.line, p.column, p.text]),
      [
        [2, 5, "bad line"],
        [4, 1, "{x} 3"],
      ],
    );
    assert.equal(body.message, "stored 2 samples; 2 problems in the body (see problems)");
    assert.deepEqual(
      sink.samples.map((s) => s.name),
      ["good_a", "good_b"],
    );
  });

  test("an all-bad body: 400, nothing stored", async () => {
    sink.samples.length = 0;
    const { status, body } = await post("text/plain", "<html>\nnope\n");
    assert.equal(status, 400);
    assert.deepEqual([body.accepted, body.problems_total], [0, 2]);
    assert.equal(body.message, "nothing stored: no sample could be read (2 problems)");
    assert.equal(sink.samples.length, 0);
  });

  test("another content type: 415 naming the accepted ones", async () => {
    const { status, body } = await post("text/csv", "a,1\n");
    assert.equal(status, 415);
    const message =
      'unsupported content type "text/csv": send text/plain, application/openmetrics-text, application/json';
    assert.equal(body.message, message);
    assert.deepEqual(body.problems, [{ line: 0, column: 0, message, text: "" }]);
  });

  test("JSON from a Buffer", async () => {
    sink.samples.length = 0;
    const { status, body } = await post(
      "application/json",
      JSON.stringify({ samples: [{ name: "jobs_done", labels: { queue: "q" }, value: 7 }] }),
    );
    assert.deepEqual([status, body.accepted], [200, 1]);
    assert.deepEqual(sink.samples, [
      { name: "jobs_done", labels: { queue: "q" }, value: 7, timestampMs: NOW },
    ]);
  });
});

describe("ingestPush", () => {
  const push = (contentType: string | undefined, body: unknown, sink = new RecordingSink()) => ({
    sink,
    outcome: ingestPush({ contentType, body, sink, nowMs: NOW, maxSamples: 5 }),
  });

  test("OpenMetrics: timestamps in seconds", () => {
    const { outcome, sink } = push(
      "application/openmetrics-text; version=1.0.0",
      "events_total 3 1700000000.25\n# EOF\n",
    );
    assert.equal(outcome.status, 200);
    assert.deepEqual(sink.samples, [
      { name: "events_total", labels: {}, value: 3, timestampMs: 1_700_000_000_250 },
    ]);
  });

  test("JSON already parsed, a bare array, with a bad item", () => {
    const { outcome, sink } = push("application/json", [
      { name: "a", value: 1, timestamp: "2023-11-14T22:13:20Z" },
      { name: "b", value: "lots" },
      { name: "c", value: "NaN" },
    ]);
    assert.equal(outcome.status, 200);
    assert.deepEqual(
      outcome.response.problems.map((p) => [p.line, p.message]),
      [[2, 'item 2: "value" must be a number, "NaN", "+Inf" or "-Inf", got "lots"']],
    );
    assert.deepEqual(
      sink.samples.map((s) => [s.name, s.value, s.timestampMs]),
      [
        ["a", 1, 1_700_000_000_000],
        ["c", Number.NaN, NOW],
      ],
    );
  });

  test("invalid JSON, a wrong JSON shape and an empty body are 400", () => {
    const invalid = push("application/json", "{nope").outcome;
    assert.equal(invalid.status, 400);
    assert.match(invalid.response.message, /^nothing stored: the body is not valid JSON: /);
    const shape = push("application/json", { metrics: [] }).outcome;
    assert.equal(shape.status, 400);
    assert.equal(
      shape.response.message,
      'nothing stored: expected {"samples": [...]} or an array of samples',
    );
    const empty = push("text/plain", "").outcome;
    assert.deepEqual(
      [empty.status, empty.response.message],
      [400, "nothing stored: the body holds no samples"],
    );
  });

  test("no content type is 415", () => {
    const { outcome } = push(undefined, "a 1\n");
    assert.equal(outcome.status, 415);
    assert.match(outcome.response.message, /^missing content type: send text\/plain, /);
  });

  test("duplicates: repeated in the body and identical to stored samples", () => {
    const sink = new RecordingSink();
    push("text/plain", "a 1 1000\n", sink);
    const { outcome } = push("text/plain", "a 1 1000\nb 1\nb 2\n", sink);
    assert.equal(outcome.status, 200);
    assert.deepEqual([outcome.response.accepted, outcome.response.duplicates], [1, 2]);
    assert.deepEqual(sink.values("b"), [2], "the last of the repeated samples is kept");
  });

  test("the store's rejections are listed with status 200", () => {
    const sink = new RecordingSink();
    sink.refuse = (s) => (s.name === "old" ? "out_of_order" : undefined);
    const { outcome } = push("text/plain", "old 1\nnew 1\n", sink);
    assert.equal(outcome.status, 200);
    assert.deepEqual(outcome.response.rejected, [
      { reason: "out_of_order", count: 1, message: "refused: out_of_order" },
    ]);
    assert.equal(
      outcome.response.message,
      "stored 1 sample; 1 refused by the store (see rejected)",
    );
  });

  test("too many samples are cut and reported; problems are listed up to 100", () => {
    const { outcome, sink } = push("text/plain", "a 1\nb 1\nc 1\nd 1\ne 1\nf 1\ng 1\n");
    assert.equal(outcome.status, 200);
    assert.equal(sink.samples.length, 5);
    assert.deepEqual(
      outcome.response.problems.map((p) => p.message),
      ["line 6:1: too many samples: over 5, the rest is ignored"],
    );
    const bad = push("text/plain", `${"?\n".repeat(150)}ok 1\n`).outcome;
    assert.equal(bad.status, 200);
    assert.deepEqual([bad.response.problems.length, bad.response.problems_total], [100, 150]);
  });
});
