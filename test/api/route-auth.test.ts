import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { buildApp, routesOf } from "../../src/api/app.ts";
import { TokenService } from "../../src/auth/tokens.ts";
import { asToken, errorCode } from "../helpers/sessions.ts";
import { startTestUnyo, type TestUnyo } from "../helpers/unyo.ts";

const CONFIG = `
checks:
  - id: self
    http: { url: /api/health }
    every: 1h
`;

/**
 * The least role of every route. A route added without an entry here fails the walk below,
 * so a new public route is always a decision someone made in this file.
 */
const EXPECTED: Record<string, "public" | "viewer" | "operator" | "admin"> = {
  "GET /api/health": "public",
  "GET /setup": "public",
  "POST /api/v1/setup": "public",
  "POST /api/v1/auth/login": "public",
  "POST /api/v1/auth/token": "public",
  "GET /metrics": "viewer",
  "GET /api/v1/status": "viewer",
  "GET /api/v1/errors": "viewer",
  "GET /api/v1/checks": "viewer",
  "GET /api/v1/checks/:id": "viewer",
  "GET /api/v1/checks/:id/results": "viewer",
  "GET /api/v1/checks/:id/uptime": "viewer",
  "GET /api/v1/checks/:id/events": "viewer",
  "GET /api/v1/checks/:id/timeline": "viewer",
  "GET /api/v1/checks/:id/badge.svg": "viewer",
  "POST /api/v1/checks/:id/pause": "operator",
  "POST /api/v1/checks/:id/resume": "operator",
  "POST /api/v1/checks/:id/run": "operator",
  "GET /ping/:key": "public",
  "POST /ping/:key": "public",
  "GET /ping/:key/start": "public",
  "POST /ping/:key/start": "public",
  "GET /ping/:key/fail": "public",
  "POST /ping/:key/fail": "public",
  "GET /ping/:key/:code": "public",
  "POST /ping/:key/:code": "public",
  "POST /api/v1/auth/logout": "viewer",
  "GET /api/v1/auth/me": "viewer",
  "POST /api/v1/auth/password": "viewer",
  "POST /api/v1/auth/mfa/totp": "viewer",
  "POST /api/v1/auth/mfa/totp/confirm": "viewer",
  "DELETE /api/v1/auth/mfa": "viewer",
  "GET /api/v1/tokens": "viewer",
  "POST /api/v1/tokens": "viewer",
  "DELETE /api/v1/tokens/:id": "viewer",
  "GET /api/v1/openapi.json": "viewer",
  "GET /api/v1/users": "admin",
  "POST /api/v1/users": "admin",
  "PATCH /api/v1/users/:username": "admin",
  "PUT /api/v1/users/:username/password": "admin",
  "DELETE /api/v1/users/:username/mfa": "admin",
  "GET /api/v1/users/review": "admin",
  "GET /api/v1/audit": "admin",
  "GET /api/v1/audit/verify": "admin",
  "GET /api/v1/query": "viewer",
  "GET /api/v1/query_range": "viewer",
  "GET /api/v1/series": "viewer",
  "GET /api/v1/metrics/targets": "viewer",
  "POST /api/v1/push": "operator",
  "GET /api/v1/rules": "viewer",
  "GET /api/v1/rules/:id": "viewer",
  "GET /api/v1/rules/events": "viewer",
};

interface Route {
  key: string;
  method: string;
  url: string;
}

function routes(t: TestUnyo): Route[] {
  return routesOf(t.unyo.app)
    .filter((r) => r.method !== "HEAD")
    .map((r) => ({
      key: `${r.method} ${r.url}`,
      method: r.method,
      url: r.url.replace(":id", "1").replace(":username", "admin"),
    }));
}

const hasBody = (method: string) => ["POST", "PUT", "PATCH", "DELETE"].includes(method);

/** A small body with plausible fields; its validity does not matter before authentication. */
const PROBE_BODY = { name: "probe", role: "viewer" };

describe("every route is authenticated unless declared public", () => {
  let t: TestUnyo;
  let viewerToken: string;
  before(async () => {
    t = await startTestUnyo(CONFIG);
    viewerToken = (
      await new TokenService(t.store.db, t.unyo.runtime.clock).create({
        name: "viewer-probe",
        role: "viewer",
      })
    ).token;
  });
  after(() => t.close());

  test("the table above lists exactly the registered routes", () => {
    const registered = routes(t)
      .map((r) => r.key)
      .sort();
    assert.deepEqual(registered, Object.keys(EXPECTED).sort());
  });

  test("without credentials every non-public route answers 401 UNYO_E_UNAUTHENTICATED", async () => {
    const open: string[] = [];
    for (const route of routes(t)) {
      const res = await t.unyo.app.inject({
        method: route.method as "GET",
        url: route.url,
        ...(hasBody(route.method) ? { payload: PROBE_BODY } : {}),
      });
      if (EXPECTED[route.key] === "public") {
        assert.notEqual(res.statusCode, 401, `${route.key} is public but answered 401`);
        assert.ok(res.statusCode < 500, `${route.key}: ${res.statusCode} ${res.body}`);
        continue;
      }
      if (res.statusCode !== 401 || errorCode(res) !== "UNYO_E_UNAUTHENTICATED") {
        open.push(`${route.key} → ${res.statusCode}`);
      }
    }
    assert.deepEqual(open, [], "routes reachable without credentials");
  });

  test("HEAD of a protected GET route is refused too", async () => {
    const res = await t.unyo.app.inject({ method: "HEAD", url: "/api/v1/status" });
    assert.equal(res.statusCode, 401);
  });

  test("an unknown or malformed bearer token is 401 on every non-public route", async () => {
    for (const route of routes(t).filter((r) => EXPECTED[r.key] !== "public")) {
      for (const token of [`unyo_${"A".repeat(43)}`, "garbage"]) {
        const res = await asToken(t, token, {
          method: route.method as "GET",
          url: route.url,
          ...(hasBody(route.method) ? { payload: PROBE_BODY } : {}),
        });
        assert.equal(res.statusCode, 401, `${route.key} with ${token}: ${res.body}`);
        assert.equal(errorCode(res), "UNYO_E_UNAUTHENTICATED");
      }
    }
  });

  test("a viewer token gets 403 UNYO_E_FORBIDDEN with details.required above viewer", async () => {
    const adminRoutes = routes(t).filter(
      (r) => EXPECTED[r.key] === "admin" || EXPECTED[r.key] === "operator",
    );
    assert.ok(adminRoutes.length >= 8);
    for (const route of adminRoutes) {
      const res = await asToken(t, viewerToken, {
        method: route.method as "GET",
        url: route.url,
        ...(hasBody(route.method) ? { payload: PROBE_BODY } : {}),
      });
      assert.equal(res.statusCode, 403, `${route.key}: ${res.body}`);
      const error = res.json().error;
      assert.equal(error.code, "UNYO_E_FORBIDDEN");
      assert.equal(error.details.required, EXPECTED[route.key]);
      assert.equal(error.details.role, "viewer");
    }
    // Refused changes are audited; refused reads are not (they would flood the log).
    const denied = await t.inject({ method: "GET", url: "/api/v1/audit?action=auth.denied" });
    const targets = denied.json().entries.map((e: { target: string }) => e.target);
    assert.ok(targets.includes("POST /api/v1/users"), JSON.stringify(targets));
    assert.ok(!targets.includes("GET /api/v1/users"), JSON.stringify(targets));
    for (const entry of denied.json().entries) {
      assert.equal(entry.actor, "token:viewer-probe");
      assert.equal(entry.outcome, "denied");
    }
  });

  test("a viewer token is not refused for its role on viewer routes", async () => {
    for (const route of routes(t).filter((r) => EXPECTED[r.key] === "viewer")) {
      const res = await asToken(t, viewerToken, {
        method: route.method as "GET",
        url: route.url,
        ...(hasBody(route.method) ? { payload: PROBE_BODY } : {}),
      });
      assert.notEqual(res.statusCode, 401, `${route.key}: ${res.body}`);
      const details = res.statusCode === 403 ? res.json().error.details : undefined;
      assert.equal(details?.required, undefined, `${route.key}: ${res.body}`);
    }
  });

  test("the public routes answer without credentials", async () => {
    const health = await t.unyo.app.inject({ method: "GET", url: "/api/health" });
    assert.equal(health.statusCode, 200);
    const page = await t.unyo.app.inject({ method: "GET", url: "/setup" });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers["content-type"]), /^text\/html/);
    assert.ok(page.headers["content-security-policy"]);
    const login = await t.unyo.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { username: "nobody", password: "wrong-password-1!" },
    });
    assert.equal(login.statusCode, 401);
    assert.equal(
      errorCode(login),
      "UNYO_E_LOGIN_FAILED",
      "a failed log-in, not a missing credential",
    );
  });
});

describe("/metrics", () => {
  test("needs a credential by default and is public with security.public_metrics", async () => {
    const t = await startTestUnyo("checks: []\n");
    try {
      const closed = await t.unyo.app.inject({ method: "GET", url: "/metrics" });
      assert.equal(closed.statusCode, 401);
      assert.equal(errorCode(closed), "UNYO_E_UNAUTHENTICATED");
      assert.equal((await t.inject({ method: "GET", url: "/metrics" })).statusCode, 200);

      t.writeConfig("checks: []\nsecurity:\n  public_metrics: true\n");
      assert.equal((await t.unyo.reload("test")).outcome, "applied");
      const open = await t.unyo.app.inject({ method: "GET", url: "/metrics" });
      assert.equal(open.statusCode, 200);
      assert.match(open.body, /unyo_build_info/);
      // Only /metrics opens up.
      const status = await t.unyo.app.inject({ method: "GET", url: "/api/v1/status" });
      assert.equal(status.statusCode, 401);
    } finally {
      await t.close();
    }
  });

  test("starts public when the config says so", async () => {
    const t = await startTestUnyo("checks: []\nsecurity: { public_metrics: true }\n");
    try {
      const res = await t.unyo.app.inject({ method: "GET", url: "/metrics" });
      assert.equal(res.statusCode, 200);
    } finally {
      await t.close();
    }
  });
});

describe("routes must declare their auth", () => {
  let t: TestUnyo;
  before(async () => {
    t = await startTestUnyo("checks: []\n");
  });
  after(() => t.close());

  test("registering a route without config.auth throws", async () => {
    const app = await buildApp(t.unyo.runtime, { bodyLimit: 1024 });
    try {
      assert.throws(
        () => app.get("/api/v1/forgotten", async () => ({ secret: true })),
        /GET \/api\/v1\/forgotten declares no auth/,
      );
      assert.throws(
        () => app.post("/api/v1/forgotten", { config: {} }, async () => ({})),
        /declares no auth/,
      );
      // A declared route is fine, and a route in a plugin is checked the same way.
      app.get("/api/v1/declared", { config: { auth: "admin" } }, async () => ({}));
      void app.register(async (plugin) => {
        plugin.get("/api/v1/in-plugin", async () => ({}));
      });
      await assert.rejects(
        async () => void (await app.ready()),
        /GET \/api\/v1\/in-plugin declares no auth/,
      );
    } finally {
      await app.close().catch(() => {});
    }
  });

  test("a declared route in a fresh app is protected", async () => {
    const app = await buildApp(t.unyo.runtime, { bodyLimit: 1024 });
    try {
      app.get("/api/v1/declared", { config: { auth: "admin" } }, async () => ({ ok: true }));
      await app.ready();
      const anonymous = await app.inject({ method: "GET", url: "/api/v1/declared" });
      assert.equal(anonymous.statusCode, 401);
      const admin = await app.inject({
        method: "GET",
        url: "/api/v1/declared",
        headers: { authorization: `Bearer ${t.adminToken}` },
      });
      assert.equal(admin.statusCode, 200);
    } finally {
      await app.close();
    }
  });
});
