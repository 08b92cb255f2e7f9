import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { TokenService } from "../../src/auth/tokens.ts";
import { startTestUnyo, type TestUnyo } from "../helpers/unyo.ts";

const KEY = "api-test-heartbeat-key-0001";

describe("checks API", () => {
  let healthy = true;
  const target = createServer((_req, res) => {
    res.writeHead(healthy ? 200 : 503, { "content-type": "application/json" });
    res.end(JSON.stringify({ status: healthy ? "healthy" : "unhealthy" }));
  });
  let t: TestUnyo;
  let viewer = "";
  let operator = "";

  before(async () => {
    target.listen(0, "127.0.0.1");
    await once(target, "listening");
    const port = (target.address() as AddressInfo).port;
    // Hour-long intervals: the tests drive runs with POST /run, the scheduler stays out.
    t = await startTestUnyo(`checks:
  - id: web
    name: Web ヘルスチェック
    http: { url: "http://127.0.0.1:${port}/health" }
    every: 1h
    expect: [status == 200, 'body.status == "healthy"']
  - id: batch
    heartbeat: { key: ${KEY}, period: 1h }
`);
    const tokens = new TokenService(t.store.db, t.unyo.runtime.clock);
    viewer = (await tokens.create({ name: "v", role: "viewer" })).token;
    operator = (await tokens.create({ name: "o", role: "operator" })).token;
  });
  after(async () => {
    await t.close();
    target.close();
  });

  const as = (token: string, method: "GET" | "POST", url: string) =>
    t.unyo.app.inject({ method, url, headers: { authorization: `Bearer ${token}` } });

  test("run now: operators may, viewers get 403; the result is recorded", async () => {
    assert.equal((await as(viewer, "POST", "/api/v1/checks/web/run")).statusCode, 403);
    const run = await as(operator, "POST", "/api/v1/checks/web/run");
    assert.equal(run.statusCode, 200, run.body);
    assert.equal(run.json().ok, true);
    assert.equal(run.json().attempts, 1);
    healthy = false;
    const failed = (await as(operator, "POST", "/api/v1/checks/web/run")).json();
    assert.equal(failed.ok, false);
    assert.match(failed.message, /status: expected 200, got 503/);
    healthy = true;
    const missing = await as(operator, "POST", "/api/v1/checks/nope/run");
    assert.equal(missing.statusCode, 404);
    const heartbeat = await as(operator, "POST", "/api/v1/checks/batch/run");
    assert.equal(heartbeat.statusCode, 400);
    assert.match(heartbeat.json().error.message, /heartbeat: it is not run/);
    const audit = await t.inject({ method: "GET", url: "/api/v1/audit?action=check.run" });
    assert.equal(audit.json().entries[0].actor, "token:o");
  });

  test("list shows state, uptime and latency; state filter", async () => {
    const list = (await as(viewer, "GET", "/api/v1/checks")).json();
    const web = list.find((c: { id: string }) => c.id === "web");
    assert.equal(web.type, "http");
    assert.equal(web.state, "down");
    assert.equal(web.uptime["24h"], 50);
    assert.ok(web.latency_24h.p50_ms !== null);
    const down = (await as(viewer, "GET", "/api/v1/checks?state=down")).json();
    assert.deepEqual(
      down.map((c: { id: string }) => c.id),
      ["web"],
    );
    await as(operator, "POST", "/api/v1/checks/web/run");
    const detail = (await as(viewer, "GET", "/api/v1/checks/web?limit=2")).json();
    assert.equal(detail.check.state, "up");
    assert.equal(detail.results.length, 2);
    assert.deepEqual(
      detail.events.map((e: { from: string; to: string }) => `${e.from}→${e.to}`),
      ["down→up", "up→down", "pending→up"],
    );
  });

  test("results page with next_before; uptime for a window", async () => {
    const first = (await as(viewer, "GET", "/api/v1/checks/web/results?limit=2")).json();
    assert.equal(first.results.length, 2);
    assert.ok(first.next_before);
    const second = (
      await as(viewer, "GET", `/api/v1/checks/web/results?limit=2&before=${first.next_before}`)
    ).json();
    assert.equal(second.results.length, 1);
    assert.equal(second.results[0].outcome, "ok");
    assert.equal(second.next_before, null);
    const uptime = (await as(viewer, "GET", "/api/v1/checks/web/uptime")).json();
    assert.equal(uptime.summary.count, 3);
    assert.equal(uptime.summary.failures, 1);
    const bad = await as(
      viewer,
      "GET",
      "/api/v1/checks/web/uptime?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
    );
    assert.equal(bad.statusCode, 400);
  });

  test("timeline: buckets per minute, hour and day", async () => {
    const hourly = (await as(viewer, "GET", "/api/v1/checks/web/timeline")).json();
    assert.equal(hourly.resolution, "1h");
    assert.ok(hourly.buckets.length >= 24 && hourly.buckets.length <= 25);
    const total = hourly.buckets.reduce((n: number, b: { count: number }) => n + b.count, 0);
    assert.equal(total, 3);
    const minutes = (
      await as(
        viewer,
        "GET",
        "/api/v1/checks/web/timeline?resolution=1m&from=" +
          new Date(Date.now() - 600_000).toISOString(),
      )
    ).json();
    assert.equal(
      minutes.buckets.reduce((n: number, b: { count: number }) => n + b.count, 0),
      3,
    );
    const failed = minutes.buckets.find((b: { failures: number }) => b.failures > 0);
    assert.equal(failed.uptime_percent, failed.count === 1 ? 0 : failed.uptime_percent);
    const days = (
      await as(
        viewer,
        "GET",
        "/api/v1/checks/web/timeline?resolution=1d&from=2026-01-01T00:00:00Z&to=2026-01-03T00:00:00Z",
      )
    ).json();
    assert.equal(days.buckets.length, 2);
    const tooMany = await as(
      viewer,
      "GET",
      "/api/v1/checks/web/timeline?resolution=1m&from=2026-01-01T00:00:00Z&to=2026-01-03T00:00:00Z",
    );
    assert.equal(tooMany.statusCode, 400);
    assert.match(tooMany.json().error.message, /at most 1500/);
  });

  test("pause and resume are kept, shown and audited", async () => {
    const paused = await as(operator, "POST", "/api/v1/checks/web/pause");
    assert.equal(paused.json().state, "paused");
    assert.equal(paused.json().paused_by, "token:o");
    assert.equal(paused.json().next_due_at, null);
    const stored = await t.store.db
      .selectFrom("check_state")
      .selectAll()
      .where("check_id", "=", "web")
      .executeTakeFirstOrThrow();
    assert.equal(stored.paused_by, "token:o");
    const resumed = await as(operator, "POST", "/api/v1/checks/web/resume");
    assert.notEqual(resumed.json().state, "paused");
    assert.ok(resumed.json().next_due_at);
    const audit = await t.inject({ method: "GET", url: "/api/v1/audit?action=check.*" });
    const actions = audit.json().entries.map((e: { action: string }) => e.action);
    assert.ok(actions.includes("check.pause") && actions.includes("check.resume"));
  });

  test("badges need a token unless security.public_badges; SVG with the state or uptime", async () => {
    assert.equal(
      (await t.unyo.app.inject({ url: "/api/v1/checks/web/badge.svg" })).statusCode,
      401,
    );
    const badge = await as(viewer, "GET", "/api/v1/checks/web/badge.svg");
    assert.equal(badge.statusCode, 200);
    assert.match(String(badge.headers["content-type"]), /image\/svg\+xml/);
    assert.match(badge.body, /<svg[^>]*aria-label="Web ヘルスチェック: up"/);
    const uptime = await as(
      viewer,
      "GET",
      "/api/v1/checks/web/badge.svg?type=uptime&window=7d&label=<x>",
    );
    assert.match(uptime.body, /&#60;x&#62;: 66\.666% 7d/);
    t.writeConfig(
      `${(await import("node:fs")).readFileSync(t.configPath, "utf8")}security: { public_badges: true }\n`,
    );
    assert.equal((await t.unyo.reload("test")).outcome, "applied");
    assert.equal(
      (await t.unyo.app.inject({ url: "/api/v1/checks/web/badge.svg" })).statusCode,
      200,
    );
  });

  test("heartbeat: the ping URL is shown to operators only; a ping makes it up", async () => {
    const asViewer = (await as(viewer, "GET", "/api/v1/checks/batch")).json().check;
    assert.equal(asViewer.heartbeat.ping_url, undefined);
    assert.ok(asViewer.heartbeat.expected_at);
    const asOperator = (await as(operator, "GET", "/api/v1/checks/batch")).json().check;
    assert.match(asOperator.heartbeat.ping_url, new RegExp(`/ping/${KEY}$`));
    const ping = await t.unyo.app.inject({ method: "POST", url: `/ping/${KEY}`, payload: "done" });
    assert.equal(ping.statusCode, 200);
    const after = (await as(viewer, "GET", "/api/v1/checks/batch")).json().check;
    assert.equal(after.state, "up");
    // The key never reaches the log.
    assert.ok(!t.rawLogs().includes(KEY));
  });
});
