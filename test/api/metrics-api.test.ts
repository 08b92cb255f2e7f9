/**
 * Metrics and rules through the HTTP API of a whole Unyo: push (text and JSON, with a token
 * of role operator), instant and range queries, the series list, scrape targets against a
 * real local exporter, rules with their state after pushed values cross a threshold, and the
 * errors (syntax with position, unknown remote, NaN as a string).
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { TokenService } from "../../src/auth/tokens.ts";
import { startTestUnyo, type TestUnyo } from "../helpers/unyo.ts";

describe("metrics and rules API", () => {
  const exporter = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
    res.end('# TYPE app_queue_depth gauge\napp_queue_depth{queue="mail"} 7\nthis line is broken\n');
  });
  let t: TestUnyo;
  let viewer = "";
  let operator = "";
  const now = () => Date.now();

  before(async () => {
    exporter.listen(0, "127.0.0.1");
    await once(exporter, "listening");
    const port = (exporter.address() as AddressInfo).port;
    t = await startTestUnyo(`metrics:
  host: { enabled: false }
  scrape:
    - { id: app, url: "http://127.0.0.1:${port}/metrics", every: 1s, timeout: 500ms, labels: { role: web } }
rules:
  - id: queue
    name: キュー滞留
    expr: max by (queue) (queue_depth)
    warning: "> 100"
    critical: "> 1000"
    recover: "< 50"
    every: 1h
    annotations: { summary: '{{ $labels.queue }}: {{ $value }}' }
`);
    const tokens = new TokenService(t.store.db, t.unyo.runtime.clock);
    viewer = (await tokens.create({ name: "v", role: "viewer" })).token;
    operator = (await tokens.create({ name: "o", role: "operator" })).token;
  });
  after(async () => {
    await t.close();
    exporter.close();
  });

  const as = (token: string) => ({ authorization: `Bearer ${token}` });

  test("push: Prometheus text with a bad line stores the rest and reports the line", async () => {
    const res = await t.unyo.app.inject({
      method: "POST",
      url: "/api/v1/push",
      headers: { ...as(operator), "content-type": "text/plain" },
      payload:
        'queue_depth{queue="mail"} 120\nqueue_depth{queue="sms"} oops\nqueue_depth{queue="jobs"} 3\n',
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.accepted, 2);
    assert.equal(body.problems_total, 1);
    assert.equal(body.problems[0].line, 2);
  });

  test("push: JSON samples; a viewer may not push; other content types are 415", async () => {
    const samples = { samples: [{ name: "queue_depth", labels: { queue: "sms" }, value: 5 }] };
    const ok = await t.unyo.app.inject({
      method: "POST",
      url: "/api/v1/push",
      headers: as(operator),
      payload: samples,
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().accepted, 1);
    const denied = await t.unyo.app.inject({
      method: "POST",
      url: "/api/v1/push",
      headers: as(viewer),
      payload: samples,
    });
    assert.equal(denied.statusCode, 403);
    const xml = await t.unyo.app.inject({
      method: "POST",
      url: "/api/v1/push",
      headers: { ...as(operator), "content-type": "application/xml" },
      payload: "<x/>",
    });
    assert.equal(xml.statusCode, 415);
    assert.equal(xml.json().error.code, "UNYO_E_UNSUPPORTED_MEDIA_TYPE");
  });

  test("instant query: vector with labels, scalar, aggregation", async () => {
    const q = async (expr: string) => {
      const res = await t.unyo.app.inject({
        method: "GET",
        url: `/api/v1/query?expr=${encodeURIComponent(expr)}`,
        headers: as(viewer),
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().result;
    };
    const vector = await q('queue_depth{queue=~"mail|jobs"}');
    assert.equal(vector.kind, "vector");
    assert.deepEqual(
      vector.series.map((s: { labels: Record<string, string>; value: number }) => [
        s.labels.queue,
        s.value,
      ]),
      [
        ["jobs", 3],
        ["mail", 120],
      ],
    );
    assert.deepEqual(await q("1 + 2 * 3"), { kind: "scalar", value: 7 });
    assert.deepEqual((await q("sum(queue_depth)")).series, [{ labels: {}, value: 128 }]);
    assert.deepEqual((await q("queue_depth / 0")).series[0].value, "+Inf");
  });

  test("syntax errors are 400 UNYO_E_EXPR_INVALID with the column", async () => {
    const res = await t.inject({
      method: "GET",
      url: `/api/v1/query?expr=${encodeURIComponent("avg(queue_depth[])")}`,
    });
    assert.equal(res.statusCode, 400);
    const error = res.json().error;
    assert.equal(error.code, "UNYO_E_EXPR_INVALID");
    assert.equal(error.details.column, 17);
    const remote = await t.inject({ method: "GET", url: "/api/v1/query?expr=up&source=nope" });
    assert.equal(remote.statusCode, 404);
  });

  test("range query: one point per step", async () => {
    const end = now();
    const res = await t.inject({
      method: "GET",
      url: `/api/v1/query_range?expr=queue_depth{queue="mail"}&start=${(end - 60_000) / 1000}&end=${end / 1000}&step=30s`,
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.step_ms, 30_000);
    assert.equal(body.series.length, 1);
    // Pushed moments ago: only the last step (end) sees it; earlier steps precede it.
    assert.deepEqual(
      body.series[0].points.map((p: [number, number]) => p[1]),
      [120],
    );
    const tooMany = await t.inject({
      method: "GET",
      url: `/api/v1/query_range?expr=up&start=0&end=${end / 1000}&step=1s`,
    });
    assert.equal(tooMany.statusCode, 400);
  });

  test("scrape targets: up, samples and the malformed line", async () => {
    let targets: { id: string; up: boolean | null; problems: { line: number }[] }[] = [];
    for (let i = 0; i < 50 && targets[0]?.up !== true; i++) {
      await sleep(100);
      targets = (await t.inject({ method: "GET", url: "/api/v1/metrics/targets" })).json();
    }
    assert.equal(targets[0]?.id, "app");
    assert.equal(targets[0]?.up, true);
    assert.equal(targets[0]?.problems[0]?.line, 3);
    const series = (
      await t.inject({ method: "GET", url: "/api/v1/series?match=app_queue_depth" })
    ).json();
    assert.equal(series.total, 1);
    assert.equal(series.series[0].labels.job, "app");
    assert.equal(series.series[0].labels.role, "web");
    const up = (await t.inject({ method: "GET", url: "/api/v1/query?expr=up" })).json();
    assert.equal(up.result.series[0].value, 1);
  });

  test("rules: evaluation raises per-label-set alerts; the API and events show them", async () => {
    await t.unyo.runtime.rules.evaluate("queue", now());
    const list = (await t.inject({ method: "GET", url: "/api/v1/rules" })).json();
    assert.equal(list.length, 1);
    const rule = list[0];
    assert.equal(rule.state, "warning");
    assert.equal(rule.health, "ok");
    assert.deepEqual(
      rule.alerts.map(
        (a: {
          labels: Record<string, string>;
          level: string;
          annotations: Record<string, string>;
        }) => [a.labels.queue, a.level, a.annotations.summary],
      ),
      [["mail", "warning", "mail: 120"]],
    );
    const one = (await t.inject({ method: "GET", url: "/api/v1/rules/queue" })).json();
    await t.unyo.runtime.rules.flush();
    const again = (await t.inject({ method: "GET", url: "/api/v1/rules/queue" })).json();
    assert.equal(one.id, "queue");
    assert.deepEqual(
      again.events.map(
        (e: { to: { state: string; level: string } }) => `${e.to.state}/${e.to.level}`,
      ),
      ["firing/warning"],
    );
    const missing = await t.inject({ method: "GET", url: "/api/v1/rules/nope" });
    assert.equal(missing.statusCode, 404);
    const filtered = (
      await t.inject({ method: "GET", url: "/api/v1/rules?state=critical" })
    ).json();
    assert.deepEqual(filtered, []);
  });
});
