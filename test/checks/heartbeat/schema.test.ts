import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { heartbeatSchema } from "../../../src/checks/heartbeat/schema.ts";

const schema = heartbeatSchema({ baseDir: "." });

/** Each problem as "path: message". */
function problems(input: unknown, s = schema): string[] {
  const parsed = s.safeParse(input);
  assert.equal(parsed.success, false, "expected the input to be refused");
  return (parsed.error?.issues ?? []).map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("heartbeat schema", () => {
  const dir = mkdtempSync(join(tmpdir(), "unyo-heartbeat-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("defaults: grace 5m, max_body 10KiB, no key", () => {
    assert.deepEqual(schema.parse({ period: "1h" }), {
      period: 3_600_000,
      grace: 300_000,
      max_body: 10_240,
    });
    assert.deepEqual(schema.parse({ schedule: "0 2 * * *", timezone: "Asia/Tokyo", grace: "1h" }), {
      schedule: "0 2 * * *",
      timezone: "Asia/Tokyo",
      grace: 3_600_000,
      max_body: 10_240,
    });
  });

  test("exactly one of period or schedule", () => {
    const message =
      'a heartbeat needs exactly one of period (e.g. 1h: a ping at least hourly) or schedule (e.g. "0 2 * * *": a ping after each 02:00 run)';
    assert.deepEqual(problems({}), [`: ${message}`]);
    assert.deepEqual(problems({ period: "1h", schedule: "0 2 * * *" }), [`schedule: ${message}`]);
  });

  test("an invalid schedule says what a schedule looks like", () => {
    const [problem, ...rest] = problems({ schedule: "0 2 * *" });
    assert.equal(rest.length, 0);
    assert.match(
      problem ?? "",
      /^schedule: "0 2 \* \*" is not a valid cron schedule: it has 4 fields; expected 5 fields/,
    );
    assert.match(problems({ schedule: "0 0 31 4 *" })[0] ?? "", /^schedule: .* never fires/);
  });

  test("timezone must be an IANA zone, and only goes with schedule", () => {
    assert.deepEqual(problems({ schedule: "0 2 * * *", timezone: "Mars/Olympus" }), [
      'timezone: "Mars/Olympus" is not an IANA time zone: expected e.g. Asia/Tokyo or UTC',
    ]);
    assert.deepEqual(problems({ period: "1d", timezone: "Asia/Tokyo" }), [
      "timezone: timezone applies to schedule only: remove it, or use schedule instead of period",
    ]);
  });

  test("a configured key must look like a key, and is never quoted back", () => {
    const [problem] = problems({ period: "1h", key: "hunter2-secret" });
    assert.equal(
      problem,
      "key: expected a ping key of 16 to 128 characters: letters, digits, - and _ (e.g. the output of `openssl rand -base64 24 | tr '+/' '-_'`)",
    );
    assert.ok(!problem?.includes("hunter2"));
    assert.equal(problems({ period: "1h", key: "a/b+c=d".repeat(4) }).length, 1);
    assert.equal(problems({ period: "1h", key: "x".repeat(129) }).length, 1);
    const key = "Ab-_0123456789xyzAb-_0123";
    assert.equal(schema.parse({ period: "1h", key }).key, key);
  });

  test("a key may come from a file; without secrets (unyo schema) it is not read", () => {
    const file = join(dir, "ping-key");
    writeFileSync(file, "from-a-file-0123456789\n");
    assert.equal(schema.parse({ period: "1h", key: { file } }).key, "from-a-file-0123456789");
    const noSecrets = heartbeatSchema({ baseDir: dir, readSecrets: false });
    assert.equal(noSecrets.parse({ period: "1h", key: { file: "missing" } }).key, "");
  });

  test("durations, sizes and unknown keys", () => {
    assert.match(problems({ period: "1 hour" })[0] ?? "", /^period: "1 hour" is not a duration/);
    assert.deepEqual(problems({ period: "500ms" }), [
      "period: expected a period of at least 1s, e.g. 1h",
    ]);
    assert.deepEqual(problems({ period: "1h", max_body: "1MiB" }), [
      "max_body: expected at most 100KiB (the ping URL accepts bodies up to 100KiB), e.g. 10KiB",
    ]);
    assert.equal(schema.parse({ period: "1h", max_body: "100KiB" }).max_body, 102_400);
    assert.match(problems({ period: "1h", every: "1m" })[0] ?? "", /every/);
  });
});
