import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, test } from "node:test";
import { runCli, spawnCli } from "../helpers/cli.ts";

const NO_STACK = /\n\s+at .+:\d+:\d+/;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "unyo-up-"));
}

function writeConfig(dir: string, text: string): string {
  const path = join(dir, "unyo.yaml");
  writeFileSync(path, text);
  return path;
}

const SELF_CHECK = `timezone: Asia/Tokyo
security:
  require_mfa: []
checks:
  - id: self
    http: { url: /api/health }
    every: 1s
    expect: [ 'body.status == "healthy"' ]
`;

const ADMIN_PASSWORD = "Up-test-Pa55word!";
let token = "";

// biome-ignore lint/suspicious/noExplicitAny: API bodies are checked field by field below.
async function getJson(url: string): Promise<any> {
  return (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).json();
}

/** Logs in as the admin made from UNYO_ADMIN_PASSWORD, the way `unyo login` does. */
async function logIn(url: string): Promise<void> {
  const res = await fetch(`${url}/api/v1/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: ADMIN_PASSWORD, name: "up-test" }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  token = ((await res.json()) as { token: string }).token;
}

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("unyo up", () => {
  test("starts, serves health, runs checks, reloads on SIGHUP and stops cleanly on SIGTERM", async () => {
    const dir = tempDir();
    const config = writeConfig(dir, SELF_CHECK);
    const dataDir = join(dir, "data");
    const cli = spawnCli(["up", "--config", config, "--port", "0", "--data-dir", dataDir], {
      env: { UNYO_ADMIN_PASSWORD: ADMIN_PASSWORD },
    });
    try {
      const [, url] = await cli.waitForStderr(/running at (http:\/\/[^\s]+?)\/?\n/);
      await cli.waitForStderr(/created user "admin" from UNYO_ADMIN_PASSWORD/);
      assert.doesNotMatch(cli.stderr() + cli.stdout(), /Up-test-Pa55word/);
      await logIn(url as string);
      assert.ok(
        existsSync(join(dataDir, "unyo.db")),
        "the SQLite store is created under --data-dir",
      );

      const health = await fetch(`${url}/api/health`);
      assert.equal(health.status, 200);
      assert.equal(((await health.json()) as { status: string }).status, "healthy");

      // The self-check runs and turns up.
      await waitFor("the self-check to be up", async () => {
        const body = await getJson(`${url}/api/v1/checks/self`);
        return body.check.state === "up" ? body : undefined;
      });

      // SIGHUP applies a changed config without restart.
      const before = (await getJson(`${url}/api/v1/status`)).config.revision;
      writeFileSync(
        config,
        `${SELF_CHECK}  - { id: second, http: { url: /api/health }, every: 1h }\n`,
      );
      cli.process.kill("SIGHUP");
      await waitFor("the reload", async () => {
        const s = await getJson(`${url}/api/v1/status`);
        return s.config.revision !== before && s.checks.total === 2 ? s : undefined;
      });

      // Logs on stdout are JSON lines.
      const lines = cli.stdout().trim().split("\n");
      for (const line of lines) JSON.parse(line);
      assert.ok(lines.some((l) => l.includes('"message":"config reloaded"')));

      cli.process.kill("SIGTERM");
      const result = await cli.exited;
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /Unyo stopped\./);

      // The store was closed cleanly and holds the results.
      const db = new DatabaseSync(join(dataDir, "unyo.db"));
      const row = db
        .prepare("select sum(count) as n from check_samples where check_id = 'self'")
        .get() as {
        n: number;
      };
      db.close();
      assert.ok(row.n >= 1);
    } finally {
      cli.process.kill("SIGKILL");
    }
  });

  test("a port already in use is a clear error, exit 3", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const dir = tempDir();
      const config = writeConfig(dir, "checks: []\n");
      const result = await runCli([
        "up",
        "--config",
        config,
        "--port",
        String(port),
        "--data-dir",
        dir,
      ]);
      assert.equal(result.code, 3);
      assert.match(result.stderr, new RegExp(`Port ${port} on 127.0.0.1 is already in use`));
      assert.match(result.stderr, /--port N/);
      assert.doesNotMatch(result.stderr, NO_STACK);
    } finally {
      blocker.close();
    }
  });

  test("an unreachable PostgreSQL is a clear error without the password, exit 3", async () => {
    const dir = tempDir();
    const config = writeConfig(dir, "checks: []\n");
    const started = Date.now();
    const result = await runCli(["up", "--config", config, "--port", "0"], {
      env: { UNYO_DATABASE_URL: "postgres://unyo:s3cret-pw@127.0.0.1:1/unyo" },
    });
    assert.equal(result.code, 3);
    assert.match(result.stderr, /PostgreSQL/);
    assert.match(result.stderr, /127\.0\.0\.1:1/);
    assert.doesNotMatch(result.stderr + result.stdout, /s3cret-pw/);
    assert.doesNotMatch(result.stderr, NO_STACK);
    assert.ok(Date.now() - started < 15_000);
  });

  test("a database used by a newer Unyo is refused, exit 3", async () => {
    const dir = tempDir();
    const config = writeConfig(dir, "checks: []\n");
    // First start creates and migrates the store.
    const first = spawnCli(["up", "--config", config, "--port", "0", "--data-dir", dir]);
    await first.waitForStderr(/running at/);
    first.process.kill("SIGTERM");
    assert.equal((await first.exited).code, 0);
    const db = new DatabaseSync(join(dir, "unyo.db"));
    db.prepare(
      "insert into unyo_migration (name, timestamp) values ('999_from_the_future', '2030-01-01')",
    ).run();
    db.close();
    const result = await runCli(["up", "--config", config, "--port", "0", "--data-dir", dir]);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /999_from_the_future/);
    assert.match(result.stderr, /newer/i);
    assert.doesNotMatch(result.stderr, NO_STACK);
  });

  test("an invalid config is listed with positions and nothing starts, exit 1", async () => {
    const dir = tempDir();
    const config = writeConfig(dir, "server:\n  prot: 80\n  host: ${UNYO_TEST_UNSET_HOST}\n");
    const result = await runCli([
      "up",
      "--config",
      config,
      "--port",
      "0",
      "--data-dir",
      join(dir, "d"),
    ]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /unyo\.yaml:2:3 server\.prot: unknown key "prot": did you mean "port"\?/,
    );
    assert.match(
      result.stderr,
      /unyo\.yaml:3:9 server\.host: environment variable UNYO_TEST_UNSET_HOST is not set/,
    );
    assert.match(result.stderr, /Unyo did not start/);
    assert.equal(existsSync(join(dir, "d")), false, "no store is created for an invalid config");
  });

  test("malformed YAML, a missing file and a bad flag each get one clear message", async () => {
    const dir = tempDir();
    const config = writeConfig(dir, "checks: [\n");
    const malformed = await runCli(["up", "--config", config]);
    assert.equal(malformed.code, 1);
    assert.match(malformed.stderr, /unyo\.yaml:\d+:\d+ YAML syntax error/);

    const missing = await runCli(["up", "--config", join(dir, "nope.yaml")]);
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /Cannot read the configuration file .*nope\.yaml \(ENOENT\)/);

    const badFlag = await runCli(["up", "--prot", "80"]);
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.stderr, /--prot/);
    assert.match(badFlag.stderr, /unyo up --help/);

    const badPort = await runCli(
      ["up", "--config", config.replace("unyo.yaml", "x"), "--port", "http"],
      {
        env: { UNYO_CONFIG: undefined },
      },
    );
    assert.notEqual(badPort.code, 0);
    for (const r of [malformed, missing, badFlag]) assert.doesNotMatch(r.stderr, NO_STACK);
    assert.ok(readFileSync(config, "utf8").length > 0);
  });
});
