import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { startTestUnyo } from "../helpers/unyo.ts";

describe("token lifetimes", () => {
  test("a token cannot make a token that outlives it", async () => {
    const t = await startTestUnyo("checks: []\n");
    try {
      const make = (auth: string, body: object) =>
        t.unyo.app.inject({
          method: "POST",
          url: "/api/v1/tokens",
          headers: { authorization: `Bearer ${auth}` },
          payload: body,
        });
      const parent = await make(t.adminToken, { name: "parent", service: true, expires_in: "1d" });
      assert.equal(parent.statusCode, 201, parent.body);
      const parentExpiry = Date.parse(parent.json().record.expires_at);

      const forever = await make(parent.json().token, { name: "child", service: true });
      assert.equal(forever.statusCode, 201, forever.body);
      const childExpiry = Date.parse(forever.json().record.expires_at);
      assert.equal(childExpiry, parentExpiry, "capped at the maker's expiry");

      const bad = await make(t.adminToken, { name: "bad", service: true, expires_in: "soon" });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.code, "UNYO_E_VALIDATION");
      assert.match(bad.json().error.message, /expires_in/);
    } finally {
      await t.close();
    }
  });
});
