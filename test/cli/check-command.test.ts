import assert from "node:assert/strict";
import { once } from "node:events";
import { readdirSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { phaseAt } from "../../examples/demo/demo-service.ts";
import { main } from "../../src/main.ts";
import { captureIO, cliWorkspace } from "../helpers/cli-workspace.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

describe("unyo check ID", () => {
  const server = createServer((req, res) => {
    const slow = req.url?.includes("slow");
    setTimeout(
      () => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ status: "healthy", database: "disconnected" }));
      },
      slow ? 120 : 0,
    );
  });
  let ws: ReturnType<typeof cliWorkspace>;
  before(async () => {
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    ws = cliWorkspace(
      "check",
      `checks:
  - id: api
    name: API
    http: { url: "${url}/health" }
    expect: [status == 200, 'body.status == "healthy"', 'body.database == "connected"']
  - id: slow
    http: { url: "${url}/slow" }
    expect: [status == 200, response_time < 50ms]
  - id: ok
    http: { url: "${url}/health" }
  - id: beat
    heartbeat: { period: 1h }
`,
    );
  });
  after(() => server.close());

  const run = (args: string[]) => {
    const { io, output } = captureIO({}, ws.dir);
    return main(["check", ...args], io).then((code) => ({ code, ...output() }));
  };

  test("reports every assertion, passed and failed, and exits 1 on failure", async () => {
    const r = await run(["api"]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /answered: status 200/);
    assert.match(r.stdout, /✔ status == 200 {2}\(status = 200\)/);
    assert.match(
      r.stdout,
      /✘ body\.database == "connected"\n {6}body\.database: expected "connected", got "disconnected"/,
    );
    assert.match(r.stdout, /FAIL$/m);
  });

  test("exit 0 when it passes; degraded is a failure; --json", async () => {
    assert.equal((await run(["ok"])).code, 0);
    const slow = await run(["slow"]);
    assert.equal(slow.code, 1);
    assert.match(slow.stdout, /FAIL \(degraded: only latency assertions failed\)/);
    const json = JSON.parse((await run(["api", "--json"])).stdout);
    assert.equal(json.ok, false);
    assert.deepEqual(
      json.assertions.map((a: { ok: boolean }) => a.ok),
      [true, true, false],
    );
  });

  test("an unknown id suggests the closest; a heartbeat cannot be run", async () => {
    const typo = await run(["apii"]);
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /has no check "apii"\. Did you mean "api"\?/);
    const beat = await run(["beat"]);
    assert.equal(beat.code, 2);
    assert.match(beat.stderr, /heartbeat: it is not run, it reports in/);
  });
});

describe("examples and the demo", () => {
  test("every example config is valid", async () => {
    for (const dir of readdirSync(join(ROOT, "examples"))) {
      const { io, output } = captureIO({}, ROOT);
      const code = await main(["validate", join("examples", dir, "unyo.yaml")], io);
      assert.equal(code, 0, `${dir}: ${output().stdout}${output().stderr}`);
    }
  });

  test("the demo service fails on its cycle: database at 2:00, slow at 5:00", () => {
    const minute = 60_000;
    assert.equal(phaseAt(0), "healthy");
    assert.equal(phaseAt(2 * minute + 1), "database_down");
    assert.equal(phaseAt(5 * minute + 1), "slow");
    assert.equal(phaseAt(8 * minute + 2 * minute + 1), "database_down");
  });
});
