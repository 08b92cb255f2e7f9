import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import Fastify, { type FastifyInstance } from "fastify";
import { errorBodySchema, installErrorHandling } from "../../../src/api/errors.ts";
import { pingRoutes } from "../../../src/api/routes/ping.ts";
import { HeartbeatMonitor, type HeartbeatResult } from "../../../src/checks/heartbeat/monitor.ts";
import { heartbeatSchema } from "../../../src/checks/heartbeat/schema.ts";
import { ManualClock } from "../../../src/core/clock.ts";
import { createLogger } from "../../../src/log/logger.ts";
import { openStore, type Store } from "../../../src/store/store.ts";

const T0 = Date.UTC(2026, 0, 10);

describe("ping routes", () => {
  const dir = mkdtempSync(join(tmpdir(), "unyo-ping-"));
  const clock = new ManualClock(T0);
  const results: HeartbeatResult[] = [];
  const routes: { method: string; url: string; auth: unknown; tags: unknown }[] = [];
  let store: Store;
  let monitor: HeartbeatMonitor;
  let app: FastifyInstance;
  let key: string;

  before(async () => {
    store = await openStore({ kind: "sqlite", path: join(dir, "unyo.db") });
    monitor = new HeartbeatMonitor({
      db: store.db,
      clock,
      log: createLogger({ destination: { write: () => {} } }),
      onResult: (_id, result) => results.push(result),
    });
    const heartbeat = heartbeatSchema({ baseDir: dir }).parse({ period: "1h", max_body: "1KiB" });
    await monitor.apply([{ id: "nightly", heartbeat, timezone: "UTC" }]);
    await monitor.start();
    key = monitor.keyOf("nightly") as string;

    app = Fastify();
    app.addSchema(errorBodySchema);
    installErrorHandling(app);
    app.addHook("onRoute", (route) => {
      for (const method of [route.method].flat()) {
        routes.push({ method, url: route.url, auth: route.config?.auth, tags: route.schema?.tags });
      }
    });
    pingRoutes(app, monitor);
    await app.ready();
  });
  after(async () => {
    monitor.stop();
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const pings = () =>
    store.db
      .selectFrom("heartbeat_pings")
      .select(["kind", "exit_code", "run_id", "duration_ms", "source_ip", "body"])
      .orderBy("id")
      .execute();

  test("every route is public, tagged, for GET, HEAD and POST", () => {
    const paths = ["/ping/:key", "/ping/:key/start", "/ping/:key/fail", "/ping/:key/:code"];
    assert.deepEqual(
      routes.map((r) => `${r.method} ${r.url}`).sort(),
      paths.flatMap((p) => ["GET", "HEAD", "POST"].map((m) => `${m} ${p}`)).sort(),
    );
    for (const route of routes) {
      assert.equal(route.auth, "public");
      assert.deepEqual(route.tags, ["heartbeats"]);
    }
  });

  test("GET and HEAD /ping/<key> record a success and answer OK", async () => {
    const res = await app.inject({ method: "GET", url: `/ping/${key}` });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, "OK\n");
    assert.match(String(res.headers["content-type"]), /^text\/plain/);
    assert.equal((await app.inject({ method: "HEAD", url: `/ping/${key}` })).statusCode, 200);
    assert.deepEqual(
      results.splice(0).map((r) => [r.state, r.ok]),
      [
        ["up", true],
        ["up", true],
      ],
    );
  });

  test("start, fail, exit codes and run ids", async () => {
    const before = (await pings()).length;
    const get = (path: string) => app.inject({ method: "GET", url: `/ping/${key}${path}` });
    assert.equal((await get("/start?rid=r-1")).statusCode, 200);
    clock.advance(90_000);
    assert.equal((await get("/0?rid=r-1")).statusCode, 200);
    assert.equal((await get("/fail")).statusCode, 200);
    assert.equal((await get("/3")).statusCode, 200);
    assert.equal((await get("/255")).statusCode, 200);
    assert.deepEqual(
      results.splice(0).map((r) => [r.state, r.durationMs, r.message]),
      [
        ["up", 90_000, null],
        ["down", 0, "the job reported failure"],
        ["down", 0, "the job exited with code 3"],
        ["down", 0, "the job exited with code 255"],
      ],
    );
    assert.deepEqual(
      (await pings()).slice(before).map((p) => [p.kind, p.exit_code, p.run_id, p.duration_ms]),
      [
        ["start", null, "r-1", null],
        ["exit", 0, "r-1", 90_000],
        ["fail", null, null, null],
        ["exit", 3, null, null],
        ["exit", 255, null, null],
      ],
    );
    assert.equal((await pings()).at(-1)?.source_ip, "127.0.0.1");
  });

  test("bad exit codes and run ids are refused", async () => {
    for (const url of [`/ping/${key}/256`, `/ping/${key}/-1`, `/ping/${key}/x`]) {
      const res = await app.inject({ method: "GET", url });
      assert.equal(res.statusCode, 400, url);
      assert.equal(res.json().error.code, "UNYO_E_VALIDATION");
    }
    const long = await app.inject({ method: "GET", url: `/ping/${key}?rid=${"r".repeat(65)}` });
    assert.equal(long.statusCode, 400);
  });

  test("an unknown key is 404 UNYO_E_NOT_FOUND", async () => {
    for (const url of ["/ping/not-a-known-key-0123456789", "/ping/nope/start", "/ping/nope/1"]) {
      const res = await app.inject({ method: "POST", url, payload: "output" });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error.code, "UNYO_E_NOT_FOUND");
      assert.equal(res.json().error.message, "No check has this ping key.");
    }
  });

  test("a POST body of any content type is stored as text, up to max_body", async () => {
    const post = (payload: string, contentType?: string) =>
      app.inject({
        method: "POST",
        url: `/ping/${key}/fail`,
        payload,
        headers: contentType ? { "content-type": contentType } : {},
      });
    assert.equal((await post('{"rows": 3}', "application/json")).statusCode, 200);
    assert.equal((await post("a=1&b=2", "application/x-www-form-urlencoded")).statusCode, 200);
    assert.equal((await post("ERROR: disk full\nmore")).statusCode, 200);
    assert.equal((await post("x".repeat(5000), "text/plain")).statusCode, 200);
    const bodies = (await pings()).slice(-4).map((p) => p.body);
    assert.deepEqual(bodies, [
      '{"rows": 3}',
      "a=1&b=2",
      "ERROR: disk full\nmore",
      "x".repeat(1024),
    ]);
    assert.equal(results.at(-2)?.message, "the job reported failure: ERROR: disk full");
  });

  test("a body over 100KiB is refused with 413 and not recorded", async () => {
    const count = (await pings()).length;
    const res = await app.inject({
      method: "POST",
      url: `/ping/${key}`,
      payload: "x".repeat(100 * 1024 + 1),
      headers: { "content-type": "text/plain" },
    });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().error.code, "UNYO_E_PAYLOAD_TOO_LARGE");
    assert.equal((await pings()).length, count);
  });
});
