import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { parseAssertion } from "../../src/checks/assertions.ts";
import { type CheckRunResult, runCheck } from "../../src/checks/run-check.ts";
import { loadConfigText } from "../../src/config/load.ts";
import type { CheckConfig } from "../../src/config/schema.ts";

/** One check from YAML, through the real loader (defaults applied, assertions validated). */
function checkFrom(yaml: string): CheckConfig {
  const loaded = loadConfigText(`checks:\n${yaml}`, { file: "t.yaml", env: {} });
  if (!loaded.ok) assert.fail(JSON.stringify(loaded.problems));
  const check = loaded.value.config.checks[0];
  assert.ok(check);
  return check;
}

describe("runCheck", () => {
  let base = "";
  let health: unknown = { status: "healthy", database: "connected" };
  let delayMs = 0;
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? "");
    if (req.url === "/hang") return;
    if (req.url === "/moved") {
      res.writeHead(302, { location: "/api/health" });
      res.end();
      return;
    }
    if (req.url === "/echo") {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        res.setHeader("content-type", "application/json");
        res.end(
          JSON.stringify({
            method: req.method,
            key: req.headers["x-key"],
            body: `${Buffer.concat(chunks)}`,
          }),
        );
      });
      return;
    }
    setTimeout(() => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(health));
    }, delayMs);
  });

  before(async () => {
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  async function run(check: CheckConfig, baseUrl = "http://127.0.0.1:1"): Promise<CheckRunResult> {
    return runCheck(check, check.expect.map(parseAssertion), {
      baseUrl,
      signal: new AbortController().signal,
    });
  }

  function healthCheck(...expect: string[]): CheckConfig {
    const lines = expect.map((e) => `      - '${e}'`).join("\n");
    return checkFrom(`  - id: api\n    http:\n      url: ${base}/health\n    expect:\n${lines}\n`);
  }

  test("passes when every assertion holds", async () => {
    health = { status: "healthy", database: "connected" };
    delayMs = 0;
    const result = await run(healthCheck("status == 200", 'body.database == "connected"'));
    assert.equal(result.ok, true);
    assert.equal(result.degraded, false);
    assert.equal(result.errorKind, null);
    assert.equal(result.message, null);
    assert.deepEqual(result.failures, []);
    assert.ok(result.durationMs >= 0);
  });

  test("the default expectation is status < 400", async () => {
    const check = checkFrom(`  - id: api\n    http:\n      url: ${base}/health\n`);
    assert.deepEqual(check.expect, ["status < 400"]);
    assert.equal((await run(check)).ok, true);
  });

  test("reports a failed body assertion with the field, expected and actual value", async () => {
    health = { status: "healthy", database: "disconnected" };
    delayMs = 0;
    const result = await run(healthCheck("status == 200", 'body.database == "connected"'));
    assert.equal(result.ok, false);
    assert.equal(result.degraded, false);
    assert.equal(result.errorKind, "assertion");
    assert.equal(result.message, 'body.database: expected "connected", got "disconnected"');
    assert.deepEqual(result.failures, [
      {
        assertion: 'body.database == "connected"',
        message: 'body.database: expected "connected", got "disconnected"',
      },
    ]);
  });

  test("reports every failed assertion, joined in order", async () => {
    health = { status: "degraded" };
    delayMs = 0;
    const result = await run(
      healthCheck("status == 201", 'body.status == "healthy"', 'body.database == "connected"'),
    );
    assert.equal(result.failures.length, 3);
    assert.equal(
      result.message,
      'status: expected 201, got 200; body.status: expected "healthy", got "degraded"; body.database: expected "connected", got nothing',
    );
  });

  test("is degraded when only response-time assertions fail", async () => {
    health = { status: "healthy", database: "connected" };
    delayMs = 20;
    const result = await run(healthCheck("status == 200", "response_time < 1ms"));
    assert.equal(result.ok, false);
    assert.equal(result.degraded, true);
    assert.equal(result.errorKind, "assertion");
    assert.match(result.message ?? "", /^response_time: expected < 1ms, got \d+ms$/);
    assert.ok(result.durationMs >= 15, `took ${result.durationMs} ms`);
  });

  test("is down, not degraded, when latency and something else fail", async () => {
    health = { status: "healthy", database: "disconnected" };
    delayMs = 20;
    const result = await run(healthCheck('body.database == "connected"', "response_time < 1ms"));
    assert.equal(result.ok, false);
    assert.equal(result.degraded, false);
    assert.equal(result.failures.length, 2);
  });

  test("resolves a relative URL against the base URL", async () => {
    health = { status: "healthy", database: "connected" };
    delayMs = 0;
    paths.length = 0;
    const check = checkFrom(
      `  - id: self\n    http:\n      url: /api/health?full=1\n    expect:\n      - 'body.database == "connected"'\n`,
    );
    const result = await run(check, base);
    assert.equal(result.ok, true, result.message ?? "");
    assert.deepEqual(paths, ["/api/health?full=1"]);
  });

  test("absolute URLs ignore the base URL", async () => {
    paths.length = 0;
    const result = await run(healthCheck("status == 200"), "http://127.0.0.1:1/");
    assert.equal(result.ok, true);
    assert.deepEqual(paths, ["/health"]);
  });

  test("passes method, headers, body and follow_redirects from the config", async () => {
    const echo = checkFrom(
      [
        "  - id: echo",
        "    http:",
        `      url: ${base}/echo`,
        "      method: PUT",
        "      headers: { x-key: k1 }",
        "      body: hello",
        "    expect:",
        "      - 'body.method == \"PUT\"'",
        "      - 'body.key == \"k1\"'",
        "      - 'body.body == \"hello\"'",
        "",
      ].join("\n"),
    );
    const echoed = await run(echo);
    assert.equal(echoed.ok, true, echoed.message ?? "");

    const noFollow = checkFrom(
      `  - id: moved\n    http:\n      url: ${base}/moved\n      follow_redirects: false\n    expect: ['status == 302']\n`,
    );
    assert.equal((await run(noFollow)).ok, true);
  });

  test("a probe failure carries its kind and no assertion failures", async () => {
    const probeServer = createServer();
    probeServer.listen(0, "127.0.0.1");
    await once(probeServer, "listening");
    const port = (probeServer.address() as AddressInfo).port;
    probeServer.close();
    await once(probeServer, "close");
    const result = await run(
      checkFrom(`  - id: gone\n    http:\n      url: http://127.0.0.1:${port}/\n`),
    );
    assert.equal(result.ok, false);
    assert.equal(result.degraded, false);
    assert.equal(result.errorKind, "connect");
    assert.deepEqual(result.failures, []);
  });

  test("the probe deadline is the smaller of timeout and every", async () => {
    const check = checkFrom(
      `  - id: slow\n    http:\n      url: ${base}/hang\n    every: 200ms\n    timeout: 10s\n`,
    );
    assert.equal(check.every, 200);
    assert.equal(check.timeout, 10_000);
    const result = await run(check);
    assert.equal(result.errorKind, "timeout");
    assert.equal(result.message, "no complete response within 200 ms");
  });
});
