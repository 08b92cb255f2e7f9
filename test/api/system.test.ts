import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { routesOf } from "../../src/api/app.ts";
import { startTestUnyo, type TestUnyo } from "../helpers/unyo.ts";

const CONFIG = `
timezone: Asia/Tokyo
checks:
  - id: self
    http: { url: /api/health }
    every: 1h
`;

describe("system routes", () => {
  let t: TestUnyo;
  before(async () => {
    t = await startTestUnyo(CONFIG);
  });
  after(() => t.close());

  test("GET /api/health answers like the seeds' health check", async () => {
    const res = await t.inject({ method: "GET", url: "/api/health" });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.status, "healthy");
    assert.equal(body.database, "connected");
    assert.equal(typeof body.version, "string");
    assert.match(body.timestamp, /^\d{4}-\d\d-\d\dT/);
  });

  test("checks list their next scheduled run before the first run", async () => {
    const res = await t.inject({ method: "GET", url: "/api/v1/checks" });
    const [check] = res.json();
    assert.equal(check.id, "self");
    assert.ok(Date.parse(check.next_due_at) > Date.now() - 60_000, check.next_due_at);
  });

  test("GET /api/v1/status gives version, config revision, errors and uptime", async () => {
    const res = await t.inject({ method: "GET", url: "/api/v1/status" });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.version, t.unyo.runtime.version);
    assert.match(body.config.revision, /^[0-9a-f]{12}$/);
    assert.equal(body.config.valid, true);
    assert.deepEqual(body.config.errors, []);
    assert.equal(body.timezone, "Asia/Tokyo");
    assert.equal(body.store.kind, "sqlite");
    assert.equal(body.store.connected, true);
    assert.equal(body.checks.total, 1);
    assert.equal(typeof body.uptime_seconds, "number");
  });

  test("GET /metrics is Prometheus text that promtool accepts", async () => {
    await t.inject({ method: "GET", url: "/api/health" });
    const res = await t.inject({ method: "GET", url: "/metrics" });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers["content-type"] as string, /^text\/plain/);
    assert.match(res.body, /unyo_build_info\{version="[^"]+"\} 1/);
    assert.match(
      res.body,
      /unyo_http_requests_total\{method="GET",route="\/api\/health",status="200"\} \d+/,
    );
    assert.match(res.body, /unyo_process_resident_memory_bytes \d+/);
    const file = join(t.dir, "metrics.txt");
    writeFileSync(file, res.body);
    // promtool comes from Debian's prometheus package, installed by .ci/run.
    const out = execFileSync(
      "sh",
      ["-c", `promtool check metrics < ${file} 2>&1; echo "exit=$?"`],
      {
        encoding: "utf8",
      },
    );
    assert.match(out, /exit=0\s*$/, out);
  });

  test("the OpenAPI document describes every registered route", async () => {
    const res = await t.inject({ method: "GET", url: "/api/v1/openapi.json" });
    assert.equal(res.statusCode, 200);
    const doc = res.json();
    assert.match(doc.openapi, /^3\./);
    const routes = routesOf(t.unyo.app).filter((r) => r.method !== "HEAD");
    assert.ok(routes.length >= 6);
    for (const route of routes) {
      const path = route.url.replace(/:(\w+)/g, "{$1}");
      const op = doc.paths[path]?.[route.method.toLowerCase()];
      assert.ok(op, `${route.method} ${route.url} is missing from the OpenAPI document`);
      assert.ok(op.summary, `${route.method} ${route.url} has no summary`);
      const success = Object.keys(op.responses ?? {}).filter((code) => /^2\d\d$/.test(code));
      assert.ok(success.length > 0, `${route.method} ${route.url} documents no 2xx response`);
    }
  });

  test("errors are JSON with a stable code from the catalogue and the request id", async () => {
    const missing = await t.inject({ method: "GET", url: "/api/v1/nope?token=abc" });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, "UNYO_E_ROUTE_NOT_FOUND");
    assert.doesNotMatch(missing.body, /token=abc/);
    assert.equal(missing.json().error.requestId, missing.headers["x-request-id"]);

    const noCheck = await t.inject({ method: "GET", url: "/api/v1/checks/nope" });
    assert.equal(noCheck.statusCode, 404);
    assert.equal(noCheck.json().error.code, "UNYO_E_NOT_FOUND");

    const bad = await t.inject({ method: "GET", url: "/api/v1/checks/self?limit=abc" });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, "UNYO_E_VALIDATION");

    const unknownParam = await t.inject({
      method: "GET",
      url: "/api/v1/checks/self?limti=5",
    });
    assert.equal(
      unknownParam.statusCode,
      400,
      "an unknown query parameter is an error, not ignored",
    );
    assert.equal(unknownParam.json().error.code, "UNYO_E_VALIDATION");

    const catalogue = await t.inject({ method: "GET", url: "/api/v1/errors" });
    const codes = catalogue.json().map((e: { code: string }) => e.code);
    for (const code of ["UNYO_E_ROUTE_NOT_FOUND", "UNYO_E_NOT_FOUND", "UNYO_E_VALIDATION"]) {
      assert.ok(codes.includes(code));
    }
  });

  test("logs are JSON lines in seed 001's format with the request id", async () => {
    const res = await t.inject({
      method: "GET",
      url: "/api/health",
      headers: { "x-request-id": "req-from-caller" },
    });
    assert.equal(res.headers["x-request-id"], "req-from-caller");
    const line = t
      .logs()
      .find((l) => l.requestId === "req-from-caller" && l.message === "request completed");
    assert.ok(line, "no access log line with the caller's request id");
    assert.equal(line.level, "INFO");
    assert.match(String(line.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(line.statusCode, 200);
    assert.equal(line.path, "/api/health");
    assert.equal(typeof line.ip, "string");
    // A request id that could forge log content is replaced.
    const forged = await t.inject({
      method: "GET",
      url: "/api/health",
      headers: { "x-request-id": 'x"\n{"level":"CRITICAL"}' },
    });
    assert.match(String(forged.headers["x-request-id"]), /^req-[0-9a-f]{12}$/);
  });

  test("secrets are redacted from logs by key and inside text", () => {
    const log = t.unyo.runtime.log;
    log.warn(
      {
        password: "hunter2-pass",
        config: { token: "tok-123456" },
        headers: { authorization: "Bearer abc", Authorization: "Basic cap-secret" },
        reason: "GET https://ops:field-secret@example.com failed",
      },
      "connecting to postgres://unyo:s3cret-pw@db.example.com/unyo with Bearer eyJhbGciOi",
    );
    log.error({ error: new Error("failed for postgres://u:err-secret@h/db") }, "boom");
    const raw = t.rawLogs();
    for (const secret of [
      "hunter2-pass",
      "tok-123456",
      "s3cret-pw",
      "eyJhbGciOi",
      "err-secret",
      "Bearer abc",
      "cap-secret",
      "field-secret",
    ]) {
      assert.ok(!raw.includes(secret), `log contains ${secret}`);
    }
    assert.match(raw, /postgres:\/\/unyo:\[REDACTED\]@db\.example\.com/);
    assert.match(raw, /"level":"WARNING"/);
  });
});

describe("health when the store is unreachable", () => {
  test("answers 503 with database disconnected", async () => {
    const t = await startTestUnyo("checks: []\nsecurity:\n  public_metrics: true\n");
    try {
      await t.store.close();
      const res = await t.inject({ method: "GET", url: "/api/health" });
      assert.equal(res.statusCode, 503);
      assert.equal(res.json().status, "unhealthy");
      assert.equal(res.json().database, "disconnected");
      const metrics = await t.inject({ method: "GET", url: "/metrics" });
      assert.match(metrics.body, /unyo_store_up 0/);
      // Routes that need a credential cannot check it: 503, not a 500 or a way in.
      const status = await t.inject({ method: "GET", url: "/api/v1/status" });
      assert.equal(status.statusCode, 503);
      assert.equal(status.json().error.code, "UNYO_E_STORE_UNAVAILABLE");
    } finally {
      await t.close();
    }
  });
});
