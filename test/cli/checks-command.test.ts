import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { main } from "../../src/main.ts";
import { captureIO } from "../helpers/cli-workspace.ts";
import { startTestUnyo, type TestUnyo } from "../helpers/unyo.ts";

describe("unyo checks list | show | pause | resume against a running server", () => {
  const target = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"status":"healthy"}');
  });
  let t: TestUnyo;
  before(async () => {
    target.listen(0, "127.0.0.1");
    await once(target, "listening");
    const port = (target.address() as AddressInfo).port;
    t = await startTestUnyo(
      `checks:
  - { id: web, http: { url: "http://127.0.0.1:${port}/" }, every: 1h }
  - { id: nightly, heartbeat: { key: cli-test-heartbeat-key-01, period: 1d } }
`,
      { listen: true },
    );
    await t.unyo.runtime.checks.runNow("web", AbortSignal.timeout(5000));
  });
  after(async () => {
    await t.close();
    target.close();
  });

  const run = async (args: string[], token = t.adminToken) => {
    const { io, output } = captureIO({ UNYO_URL: t.baseUrl, UNYO_TOKEN: token }, process.cwd());
    const code = await main(["checks", ...args], io);
    return { code, ...output() };
  };

  test("list: a table with state and uptime, heartbeat ping URLs for admins; --json", async () => {
    const r = await run(["list"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ID\s+TYPE\s+STATE/m);
    assert.match(r.stdout, /^web\s+http\s+up\s+.*100%/m);
    assert.match(r.stdout, /^nightly\s+heartbeat\s+/m);
    assert.match(
      r.stdout,
      /Heartbeat ping URLs[\s\S]*nightly\s+http:\/\/.*\/ping\/cli-test-heartbeat-key-01/,
    );
    assert.match(r.stderr, /2 check\(s\), 0 down/);
    const json = JSON.parse((await run(["list", "--json"])).stdout);
    assert.deepEqual(json.map((c: { id: string }) => c.id).sort(), ["nightly", "web"]);
  });

  test("show, pause and resume", async () => {
    const shown = await run(["show", "web"]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /web \(web\) — UP since/);
    assert.match(shown.stdout, /Latest results:[\s\S]*ok/);
    const paused = await run(["pause", "web"]);
    assert.equal(paused.code, 0, paused.stderr);
    assert.match(paused.stdout, /web is paused \(paused by token:test-admin\)/);
    assert.match((await run(["resume", "web"])).stdout, /web is (up|pending)/);
  });

  test("errors: unknown check (exit 1), no token, a viewer may not pause", async () => {
    const missing = await run(["show", "nope"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No check with id "nope"/);
    const { io, output } = captureIO(
      { UNYO_URL: t.baseUrl, XDG_CONFIG_HOME: "/nonexistent" },
      process.cwd(),
    );
    assert.equal(await main(["checks", "list"], io), 1);
    assert.match(output().stderr, /Not logged in/);
    const viewer = await t.inject({
      method: "POST",
      url: "/api/v1/tokens",
      payload: { name: "cli-viewer", role: "viewer", service: true },
    });
    const refused = await run(["pause", "web"], viewer.json().token);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /needs the operator role/);
  });
});
