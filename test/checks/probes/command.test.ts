import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { Observation } from "../../../src/checks/evaluate.ts";
import {
  type CommandProbeConfig,
  commandProbeSchema,
  probeCommand,
} from "../../../src/checks/probes/command.ts";
import type { ProbeContext, ProbeOutcome } from "../../../src/checks/probes/types.ts";

const dir = mkdtempSync(join(tmpdir(), "unyo-command-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const node = process.execPath;

function ctx(over: Partial<ProbeContext> = {}): ProbeContext {
  return {
    signal: new AbortController().signal,
    timeoutMs: 5000,
    baseUrl: "http://127.0.0.1",
    ...over,
  };
}

function spec(input: Record<string, unknown>, baseDir = dir): CommandProbeConfig {
  return commandProbeSchema({ baseDir }).parse(input);
}

function observed(outcome: ProbeOutcome): Observation {
  if (!outcome.ok) assert.fail(`expected a run, got ${outcome.kind}: ${outcome.message}`);
  return outcome.observation;
}

function failed(outcome: ProbeOutcome): Extract<ProbeOutcome, { ok: false }> {
  if (outcome.ok) assert.fail(`expected a failure, got ${JSON.stringify(outcome.observation)}`);
  return outcome;
}

/** Live (not zombie) processes in the process group / session `pgid`. */
function liveInGroup(pgid: number): string[] {
  let out = "";
  try {
    out = execFileSync("ps", ["-o", "pid=,stat=,args=", "-g", String(pgid)], { encoding: "utf8" });
  } catch {
    return []; // ps exits 1 when nothing matched
  }
  return out
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !/^\d+\s+Z/.test(line));
}

describe("probeCommand", () => {
  test("a program that exits 0, with its text output", async () => {
    const obs = observed(await probeCommand(spec({ argv: ["sh", "-c", "echo hello"] }), ctx()));
    assert.equal(obs.exitCode, 0);
    assert.equal(obs.stdout, "hello\n");
    assert.equal(obs.stderr, "");
    assert.equal(obs.body, "hello\n");
    assert.ok(obs.responseTimeMs >= 0 && obs.responseTimeMs < 5000);
  });

  test("a non-zero exit code is still an answer, for the assertions to judge", async () => {
    const obs = observed(await probeCommand(spec({ argv: ["sh", "-c", "exit 3"] }), ctx()));
    assert.equal(obs.exitCode, 3);
    assert.equal(obs.stdout, "");
  });

  test("stdout that is JSON becomes the body", async () => {
    const argv = [node, "-e", "console.log(JSON.stringify({RunningCount:2,DesiredCount:2}))"];
    const obs = observed(await probeCommand(spec({ argv }), ctx()));
    assert.deepEqual(obs.body, { RunningCount: 2, DesiredCount: 2 });
    assert.equal(obs.stdout, '{"RunningCount":2,"DesiredCount":2}\n');
  });

  test("stderr is captured separately", async () => {
    const argv = ["sh", "-c", "echo out; echo 'bad thing' >&2; exit 1"];
    const obs = observed(await probeCommand(spec({ argv }), ctx()));
    assert.equal(obs.stdout, "out\n");
    assert.equal(obs.stderr, "bad thing\n");
    assert.equal(obs.exitCode, 1);
  });

  test("output over max_output is cut and marked, without hanging the writer", async () => {
    const argv = [node, "-e", "process.stdout.write('x'.repeat(10 * 1024 * 1024))"];
    const started = performance.now();
    const obs = observed(await probeCommand(spec({ argv, max_output: "1KiB" }), ctx()));
    assert.ok(performance.now() - started < 4000);
    assert.equal(obs.exitCode, 0);
    assert.ok(obs.stdout?.startsWith("x".repeat(1024)));
    assert.ok(!obs.stdout?.startsWith("x".repeat(1025)));
    assert.match(obs.stdout ?? "", /truncated: more than 1KiB\)$/);
    assert.equal(obs.body, obs.stdout);
  });

  test("a program that is not found names itself", async () => {
    const missing = failed(await probeCommand(spec({ argv: ["unyo-no-such-program"] }), ctx()));
    assert.equal(missing.kind, "command");
    assert.match(missing.message, /"unyo-no-such-program" not found in PATH/);
    const relative = failed(await probeCommand(spec({ argv: ["./nope.sh"] }), ctx()));
    assert.equal(relative.kind, "command");
    assert.ok(relative.message.includes('"./nope.sh"') && relative.message.includes(dir));
  });

  test("a script that is not executable says so", async () => {
    writeFileSync(join(dir, "plain.sh"), "#!/bin/sh\necho hi\n", { mode: 0o644 });
    const outcome = failed(await probeCommand(spec({ argv: ["./plain.sh"] }), ctx()));
    assert.equal(outcome.kind, "command");
    assert.match(outcome.message, /"\.\/plain\.sh".*EACCES/);
  });

  test("./script.sh is found relative to cwd, which is relative to the config folder", async () => {
    mkdirSync(join(dir, "scripts"), { recursive: true });
    const script = join(dir, "scripts", "check_batch.sh");
    writeFileSync(script, '#!/bin/sh\necho "ran in $(pwd)"\nexit 2\n');
    chmodSync(script, 0o755);
    const fromBase = observed(
      await probeCommand(spec({ argv: ["./scripts/check_batch.sh"] }), ctx()),
    );
    assert.equal(fromBase.exitCode, 2);
    assert.equal(fromBase.stdout, `ran in ${dir}\n`);
    const fromCwd = observed(
      await probeCommand(spec({ argv: ["./check_batch.sh"], cwd: "scripts" }), ctx()),
    );
    assert.equal(fromCwd.stdout, `ran in ${join(dir, "scripts")}\n`);
  });

  test("the environment is minimal: the check's own variables, not Unyo's secrets", async () => {
    const saved = process.env.UNYO_ADMIN_PASSWORD;
    process.env.UNYO_ADMIN_PASSWORD = "hunter2-secret";
    try {
      const argv = [node, "-e", "console.log(JSON.stringify(process.env))"];
      const obs = observed(
        await probeCommand(spec({ argv, env: { AWS_REGION: "eu-west-1" } }), ctx()),
      );
      const env = obs.body as Record<string, string>;
      assert.equal(env.AWS_REGION, "eu-west-1");
      assert.equal(env.UNYO_ADMIN_PASSWORD, undefined);
      assert.equal(env.PATH, process.env.PATH);
      const allowed = new Set(["PATH", "HOME", "LANG", "TZ", "AWS_REGION"]);
      assert.deepEqual(
        Object.keys(env).filter((name) => !allowed.has(name)),
        [],
      );
    } finally {
      if (saved === undefined) delete process.env.UNYO_ADMIN_PASSWORD;
      else process.env.UNYO_ADMIN_PASSWORD = saved;
    }
  });

  test("the deadline ends the whole process group", async () => {
    const pidFile = join(dir, "group.pid");
    const argv = ["sh", "-c", `echo $$ > '${pidFile}'; sleep 30 & sleep 30`];
    const started = performance.now();
    const outcome = failed(await probeCommand(spec({ argv }), ctx({ timeoutMs: 300 })));
    assert.ok(performance.now() - started < 2500, "returned quickly");
    assert.equal(outcome.kind, "timeout");
    assert.equal(outcome.message, '"sh" did not finish within 300 ms');
    const pgid = Number(readFileSync(pidFile, "utf8").trim());
    assert.ok(pgid > 1);
    assert.deepEqual(liveInGroup(pgid), []);
  });

  test("processes that ignore SIGTERM get SIGKILL a second later", async () => {
    const pidFile = join(dir, "stubborn.pid");
    const argv = ["sh", "-c", `trap '' TERM; echo $$ > '${pidFile}'; sleep 30 & sleep 30`];
    const started = performance.now();
    const outcome = failed(await probeCommand(spec({ argv }), ctx({ timeoutMs: 300 })));
    const took = performance.now() - started;
    assert.equal(outcome.kind, "timeout");
    assert.ok(took >= 1200 && took < 3000, `took ${took} ms`);
    assert.deepEqual(liveInGroup(Number(readFileSync(pidFile, "utf8").trim())), []);
  });

  test("background processes left behind by a finished program are ended", async () => {
    const pidFile = join(dir, "leftover.pid");
    const argv = ["sh", "-c", `echo $$ > '${pidFile}'; sleep 30 & echo done`];
    const started = performance.now();
    const obs = observed(await probeCommand(spec({ argv }), ctx()));
    assert.ok(performance.now() - started < 2500, "did not wait for the background sleep");
    assert.equal(obs.stdout, "done\n");
    assert.equal(obs.exitCode, 0);
    assert.deepEqual(liveInGroup(Number(readFileSync(pidFile, "utf8").trim())), []);
  });

  test("shutdown interrupts the program", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = performance.now();
    const outcome = failed(
      await probeCommand(
        spec({ argv: ["sleep", "30"] }),
        ctx({ signal: controller.signal, timeoutMs: 10_000 }),
      ),
    );
    assert.equal(outcome.kind, "interrupted");
    assert.ok(performance.now() - started < 2500);
  });

  test("an attempt that starts after shutdown does not run anything", async () => {
    const controller = new AbortController();
    controller.abort();
    const marker = join(dir, "should-not-exist");
    const outcome = failed(
      await probeCommand(spec({ argv: ["touch", marker] }), ctx({ signal: controller.signal })),
    );
    assert.equal(outcome.kind, "interrupted");
    assert.throws(() => readFileSync(marker), { code: "ENOENT" });
  });

  test("a program killed by a signal it did not get from us is a command failure", async () => {
    const argv = ["sh", "-c", "kill -SEGV $$"];
    const outcome = failed(await probeCommand(spec({ argv }), ctx()));
    assert.equal(outcome.kind, "command");
    assert.match(outcome.message, /killed by SIGSEGV/);
  });
});

describe("commandProbeSchema", () => {
  const schema = commandProbeSchema({ baseDir: "/etc/unyo" });

  test("defaults: cwd is the config folder, no extra env, 64KiB of output", () => {
    assert.deepEqual(schema.parse({ argv: ["true"] }), {
      argv: ["true"],
      cwd: "/etc/unyo",
      env: {},
      max_output: 64 * 1024,
    });
  });

  test("cwd resolves from the config folder; sizes are parsed", () => {
    const parsed = schema.parse({ argv: ["x"], cwd: "scripts", max_output: "1MiB" });
    assert.equal(parsed.cwd, "/etc/unyo/scripts");
    assert.equal(parsed.max_output, 1024 * 1024);
    assert.equal(schema.parse({ argv: ["x"], cwd: "/opt/checks" }).cwd, "/opt/checks");
  });

  test("argv is required and not empty", () => {
    for (const input of [{}, { argv: [] }, { argv: "aws ecs list" }, { argv: [""] }]) {
      const result = schema.safeParse(input);
      assert.equal(result.success, false, JSON.stringify(input));
      assert.match(result.error?.issues[0]?.message ?? "", /expected/);
    }
  });

  test("unknown keys and bad values are rejected", () => {
    assert.equal(schema.safeParse({ argv: ["x"], shell: true }).success, false);
    assert.equal(schema.safeParse({ argv: ["x"], env: { "BAD-NAME": "1" } }).success, false);
    assert.equal(schema.safeParse({ argv: ["x"], env: { A: 1 } }).success, false);
    assert.equal(schema.safeParse({ argv: ["x"], max_output: "lots" }).success, false);
  });
});
