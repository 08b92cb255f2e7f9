import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sparkline } from "../../src/cli/query-command.ts";
import { main } from "../../src/main.ts";
import { captureIO } from "../helpers/cli-workspace.ts";
import { startTestUnyo, type TestUnyo } from "../helpers/unyo.ts";

describe("unyo query and unyo rules against a running server", () => {
  let t: TestUnyo;
  const MIN = 60_000;
  before(async () => {
    t = await startTestUnyo(
      `metrics: { host: { enabled: false } }
rules:
  - id: disk
    name: ディスク使用率
    expr: max by (mount) (disk_used_percent)
    warning: ">= 70"
    critical: ">= 90"
    recover: "<= 60"
    every: 1h
    annotations: { summary: '{{ $labels.mount }} {{ $value }}%' }
  - id: any-down
    expr: up == 0
    severity: critical
    every: 1h
`,
      { listen: true },
    );
    // Ten minutes of one sample a minute: /data climbs 62 → 80, /var stays at 40.
    const now = Date.now();
    const samples = [];
    for (let i = 0; i <= 10; i++) {
      const at = now - (10 - i) * MIN;
      samples.push({
        name: "disk_used_percent",
        labels: { mount: "/data" },
        value: 62 + i * 1.8,
        timestampMs: at,
      });
      samples.push({
        name: "disk_used_percent",
        labels: { mount: "/var" },
        value: 40,
        timestampMs: at,
      });
    }
    assert.deepEqual(t.unyo.runtime.series.append(samples).rejected, []);
    await t.unyo.runtime.rules.evaluate("disk", now);
    await t.unyo.runtime.rules.evaluate("any-down", now);
    await t.unyo.runtime.rules.flush();
  });
  after(() => t.close());

  const run = async (args: string[]) => {
    const { io, output } = captureIO(
      { UNYO_URL: t.baseUrl, UNYO_TOKEN: t.adminToken },
      process.cwd(),
    );
    const code = await main(args, io);
    return { code, ...output() };
  };

  test("query: a table of series and values; a scalar; --json; an empty result", async () => {
    const r = await run(["query", "disk_used_percent"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^SERIES\s+VALUE$/m);
    assert.match(r.stdout, /^disk_used_percent\{mount="\/data"\}\s+80$/m);
    assert.match(r.stdout, /^disk_used_percent\{mount="\/var"\}\s+40$/m);
    assert.equal((await run(["query", "2 * 21"])).stdout, "42\n");
    const json = JSON.parse((await run(["query", "sum(disk_used_percent)", "--json"])).stdout);
    assert.equal(json.result.series[0].value, 120);
    assert.match((await run(["query", "nothing_here"])).stdout, /^\(no series at /);
  });

  test("query --range: a sparkline with min, avg, max and last per series", async () => {
    const r = await run([
      "query",
      'disk_used_percent{mount="/data"}',
      "--range",
      "10m",
      "--step",
      "1m",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const line = r.stdout.split("\n").find((l) => l.startsWith('disk_used_percent{mount="/data"}'));
    assert.ok(line, r.stdout);
    assert.match(line, /[▁▂▃▄▅▆▇█]{10,11}\s+6[2-4](\.\d+)?\s+7\d(\.\d+)?\s+80\s+80$/);
  });

  test("query errors: syntax with the column and exit 2, bad --range, unknown remote", async () => {
    const syntax = await run(["query", "avg(disk_used_percent[)"]);
    assert.equal(syntax.code, 2);
    assert.match(syntax.stderr, /column 23/);
    const range = await run(["query", "up", "--range", "an hour"]);
    assert.equal(range.code, 2);
    assert.match(range.stderr, /--range expects a duration such as 1h/);
    const remote = await run(["query", "up", "--source", "prom"]);
    assert.equal(remote.code, 1);
    assert.match(remote.stderr, /No metrics\.remote with id "prom"/);
  });

  test("rules list and show", async () => {
    const list = await run(["rules", "list"]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^ID\s+STATE\s+HEALTH\s+LAST EVAL\s+ALERTS\s+NAME$/m);
    assert.match(list.stdout, /^disk\s+warning\s+ok\s+\S+ \S+\s+1 firing\s+ディスク使用率$/m);
    assert.match(list.stdout, /^any-down\s+ok\s+ok\s+/m);
    const json = JSON.parse((await run(["rules", "list", "--json"])).stdout);
    assert.deepEqual(
      json.map((r: { id: string }) => r.id),
      ["disk", "any-down"],
    );

    const show = await run(["rules", "show", "disk"]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^ディスク使用率 \(disk\) — warning, health ok$/m);
    assert.match(show.stdout, /levels {3}warning >= 70, critical >= 90, recover <= 60/);
    assert.match(
      show.stdout,
      /^firing\s+warning\s+80\s+\S+ \S+\s+\{alertname="disk", mount="\/data", severity="warning"\}\s+\/data 80%$/m,
    );
    assert.match(show.stdout, /Latest transitions:[\s\S]*inactive\s+firing\/warning\s+80/);
    const condition = await run(["rules", "show", "any-down"]);
    assert.match(condition.stdout, /levels {3}condition critical/);

    const missing = await run(["rules", "show", "nope"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No rule with id "nope"/);
    const usage = await run(["rules", "frobnicate"]);
    assert.equal(usage.code, 2);
  });
});

test("sparkline: scaled to the range, gaps as spaces, flat series in the middle", () => {
  assert.equal(sparkline([0, 7, null, 14]), "▁▅ █");
  assert.equal(sparkline([5, 5, 5]), "▄▄▄");
  assert.equal(sparkline([null, Number.NaN]), "");
});
