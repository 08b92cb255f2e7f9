import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { startTestUnyo } from "../helpers/unyo.ts";

const PASSWORD = "Proxy-test-Pa55!";

async function failedLoginIp(yaml: string): Promise<string | null> {
  const t = await startTestUnyo(yaml, { env: { UNYO_ADMIN_PASSWORD: PASSWORD } });
  try {
    const res = await t.unyo.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      remoteAddress: "127.0.0.1",
      headers: { "x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https" },
      payload: { username: "admin", password: "not-it" },
    });
    assert.equal(res.statusCode, 401);
    const audit = await t.inject({ method: "GET", url: "/api/v1/audit?action=auth.login" });
    return audit.json().entries[0].source_ip;
  } finally {
    await t.close();
  }
}

describe("server.trust_proxy", () => {
  test("by default X-Forwarded-For is ignored: the audit log has the peer address", async () => {
    assert.equal(await failedLoginIp("checks: []\n"), "127.0.0.1");
  });

  test("with the proxy trusted the client address is the forwarded one", async () => {
    const ip = await failedLoginIp("server:\n  trust_proxy: [127.0.0.1]\nchecks: []\n");
    assert.equal(ip, "203.0.113.7");
  });

  test("behind a trusted HTTPS proxy the session cookie is Secure", async () => {
    const t = await startTestUnyo(
      "server:\n  trust_proxy: true\nsecurity:\n  require_mfa: []\nchecks: []\n",
      { env: { UNYO_ADMIN_PASSWORD: PASSWORD } },
    );
    try {
      const res = await t.unyo.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        headers: { "x-forwarded-proto": "https" },
        payload: { username: "admin", password: PASSWORD },
      });
      assert.equal(res.statusCode, 200, res.body);
      const cookie = String(res.headers["set-cookie"]);
      assert.match(cookie, /unyo_session=[^;]+;.*Secure/);
    } finally {
      await t.close();
    }
  });
});
