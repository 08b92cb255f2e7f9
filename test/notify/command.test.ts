import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { commandChannel } from "../../src/notify/channels/command.ts";
import { sampleMessage } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "unyo-notify-command-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const node = process.execPath;
const ctx = (key = "alert-3:cmd", signal = new AbortController().signal) => ({
  signal,
  idempotencyKey: key,
});

/** Writes a Node script into the temp folder and returns its path. */
function script(name: string, source: string): string {
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
}

describe("command channel", () => {
  test("runs the program with the message as JSON on stdin; exit 0 is sent", async () => {
    const out = join(dir, "received.json");
    const save = script(
      "save.mjs",
      `import { writeFileSync } from "node:fs";
let data = "";
process.stdin.on("data", (c) => (data += c));
process.stdin.on("end", () => {
  const env = process.env;
  const seen = { stdin: data, key: env.UNYO_IDEMPOTENCY_KEY, secret: env.UNYO_ADMIN_PASSWORD ?? null, team: env.TEAM };
  writeFileSync(${JSON.stringify(out)}, JSON.stringify(seen));
});`,
    );
    process.env.UNYO_ADMIN_PASSWORD = "must-not-leak";
    try {
      const channel = commandChannel({
        id: "cmd",
        argv: [node, save],
        cwd: dir,
        env: { TEAM: "ops" },
      });
      assert.deepEqual(await channel.send(sampleMessage(), ctx()), { ok: true, status: 0 });
    } finally {
      delete process.env.UNYO_ADMIN_PASSWORD;
    }
    const got = JSON.parse(readFileSync(out, "utf8"));
    assert.equal(got.key, "alert-3:cmd");
    assert.equal(got.secret, null, "Unyo's own environment does not reach the program");
    assert.equal(got.team, "ops");
    const doc = JSON.parse(got.stdin);
    assert.equal(doc.idempotency_key, "alert-3:cmd");
    assert.equal(doc.title, "API health check is down");
    assert.equal(doc.subject, "[FIRING] [CRITICAL] API health check is down");
  });

  test("a non-zero exit is a retryable failure quoting stderr", async () => {
    const result = await commandChannel({
      id: "cmd",
      argv: ["sh", "-c", "cat >/dev/null; echo 'gateway said no' >&2; exit 3"],
      cwd: dir,
    }).send(sampleMessage(), ctx());
    assert.deepEqual(result, {
      ok: false,
      retryable: true,
      status: 3,
      error: '"sh" exited with 3: gateway said no',
    });
  });

  test("a program that does not read stdin and exits 0 still counts as sent", async () => {
    const result = await commandChannel({ id: "cmd", argv: ["true"], cwd: dir }).send(
      sampleMessage({ text: "x".repeat(1_000_000) }),
      ctx(),
    );
    assert.equal(result.ok, true);
  });

  test("a missing program is a clear, non-retryable error", async () => {
    const result = await commandChannel({
      id: "cmd",
      argv: ["./no-such-notifier.sh"],
      cwd: dir,
    }).send(sampleMessage(), ctx());
    assert.equal(result.retryable, false);
    assert.match(
      result.error ?? "",
      /program "\.\/no-such-notifier\.sh" not found: no file .*no-such-notifier\.sh/,
    );
  });

  test("at the deadline the whole process group is ended", async () => {
    const pidFile = join(dir, "bg.pid");
    const started = performance.now();
    const result = await commandChannel({
      id: "cmd",
      argv: ["sh", "-c", `sleep 30 & echo $! > ${pidFile}; wait`],
      cwd: dir,
      timeoutMs: 300,
    }).send(sampleMessage(), ctx());
    const took = performance.now() - started;
    assert.deepEqual(result, {
      ok: false,
      retryable: true,
      error: '"sh" did not finish within 300 ms',
    });
    assert.ok(took < 2500, `took ${took} ms`);
    const bg = Number(readFileSync(pidFile, "utf8").trim());
    assert.equal(alive(bg), false, "the background sleep was killed with its group");
  });

  test("an aborted attempt stops the program", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const result = await commandChannel({ id: "cmd", argv: ["sleep", "30"], cwd: dir }).send(
      sampleMessage(),
      ctx("k", controller.signal),
    );
    assert.deepEqual(result, { ok: false, retryable: true, error: "attempt cut short" });
  });
});

function alive(pid: number): boolean {
  try {
    const stat = execFileSync("ps", ["-o", "stat=", "-p", String(pid)], { encoding: "utf8" });
    return !stat.trim().startsWith("Z");
  } catch {
    return false;
  }
}
