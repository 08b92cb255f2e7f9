/**
 * An in-process Unyo for tests: a config file in a temp folder, a real SQLite store, a
 * logger whose lines are collected, and the app built but not listening (use app.inject),
 * unless `listen: true`.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { InjectOptions, LightMyRequestResponse } from "fastify";
import { createUnyo, type Unyo } from "../../src/app.ts";
import type { FirstAdminOutcome } from "../../src/auth/first-admin.ts";
import { TokenService } from "../../src/auth/tokens.ts";
import { loadConfigFile } from "../../src/config/load.ts";
import type { Clock } from "../../src/core/clock.ts";
import { createLogger, type LogLevel } from "../../src/log/logger.ts";
import { openStore, type Store, type StoreConfig } from "../../src/store/store.ts";

export interface TestUnyo {
  unyo: Unyo;
  store: Store;
  dir: string;
  configPath: string;
  /** Every log line written so far, parsed. */
  logs(): Record<string, unknown>[];
  /** Raw log text, for grepping secrets. */
  rawLogs(): string;
  writeConfig(yaml: string): void;
  baseUrl: string;
  /** What start() did about the first admin (created from the env, a setup link, or exists). */
  firstAdmin: FirstAdminOutcome;
  /** An admin service token (`unyo_…`), made for the test. */
  adminToken: string;
  /** app.inject with the admin token (unless the options set their own authorization). */
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function startTestUnyo(
  yaml: string,
  options: {
    listen?: boolean;
    store?: StoreConfig;
    env?: Record<string, string>;
    logLevelOverride?: LogLevel;
    /** The runtime's clock (a ManualClock to move time); systemClock by default. */
    clock?: Clock;
  } = {},
): Promise<TestUnyo> {
  const dir = mkdtempSync(join(tmpdir(), "unyo-test-"));
  const configPath = join(dir, "unyo.yaml");
  writeFileSync(configPath, yaml);
  const env = options.env ?? {};
  const loaded = await loadConfigFile(configPath, env);
  if (!loaded.ok) throw new Error(`test config invalid: ${JSON.stringify(loaded.problems)}`);
  const lines: string[] = [];
  const log = createLogger({
    level: "debug",
    destination: { write: (line: string) => void lines.push(line) },
  });
  const store = await openStore(options.store ?? { kind: "sqlite", path: join(dir, "unyo.db") });
  const unyo = await createUnyo({
    loaded: loaded.value,
    env,
    store,
    log,
    logLevelOverride: options.logLevelOverride,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  let baseUrl = "http://127.0.0.1:1";
  if (options.listen) {
    baseUrl = await unyo.app.listen({ host: "127.0.0.1", port: 0 });
  } else {
    await unyo.app.ready();
  }
  const { firstAdmin } = await unyo.start(baseUrl);
  const { token: adminToken } = await new TokenService(store.db, unyo.runtime.clock).create({
    name: "test-admin",
    role: "admin",
  });
  return {
    firstAdmin,
    adminToken,
    inject: (opts) =>
      unyo.app.inject({
        ...opts,
        headers: { authorization: `Bearer ${adminToken}`, ...opts.headers },
      }),
    unyo,
    store,
    dir,
    configPath,
    baseUrl,
    logs: () =>
      lines
        .join("")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    rawLogs: () => lines.join(""),
    writeConfig: (text) => writeFileSync(configPath, text),
    close: () => unyo.stop(),
  };
}
