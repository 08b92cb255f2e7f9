/**
 * Which store a command uses, and opening it for the admin commands (`unyo users`, `tokens`,
 * `audit`) that work on the database directly, without a running server.
 */
import { dirname, isAbsolute, resolve } from "node:path";
import { loadConfigFile } from "../config/load.ts";
import { formatProblem } from "../config/problems.ts";
import type { UnyoConfig } from "../config/schema.ts";
import { openStore, type Store, type StoreConfig, type StoreLog } from "../store/store.ts";
import type { CliIO } from "./command.ts";
import { displayPath, resolveConfigPath } from "./config-path.ts";

export interface StoreFlags {
  config?: string | undefined;
  "data-dir"?: string | undefined;
}

/**
 * The store the config names, with UNYO_DATABASE_URL, --data-dir and UNYO_DATA_DIR taking
 * precedence. Relative paths in the config are read from the config file's folder.
 */
export function chooseStore(
  config: UnyoConfig,
  flags: Pick<StoreFlags, "data-dir">,
  io: CliIO,
  configDir: string,
): StoreConfig {
  const url = io.env.UNYO_DATABASE_URL || config.storage.postgres?.url;
  if (url) return { kind: "postgres", url, poolSize: config.storage.postgres?.pool_size ?? 10 };
  // The flag and the environment win over the config, as for every other setting.
  const override = flags["data-dir"] || io.env.UNYO_DATA_DIR;
  if (override) return { kind: "sqlite", path: resolve(io.cwd, override, "unyo.db") };
  if (config.storage.sqlite) {
    const p = config.storage.sqlite.path;
    return { kind: "sqlite", path: isAbsolute(p) ? p : resolve(configDir, p) };
  }
  const dataDir = config.storage.data_dir ? resolve(configDir, config.storage.data_dir) : "data";
  return { kind: "sqlite", path: resolve(io.cwd, dataDir, "unyo.db") };
}

export interface ConfiguredStore {
  store: Store;
  config: UnyoConfig;
  /** Closes the store; call it in `finally`. Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Loads the config like `unyo up` and opens (and migrates) its store with a quiet logger.
 * Returns null when the config is invalid, after printing every problem to standard error:
 * the caller exits with EXIT.failure. A missing config file or an unreachable database
 * throws the usual UnyoError.
 */
export async function openConfiguredStore(
  flags: StoreFlags,
  io: CliIO,
): Promise<ConfiguredStore | null> {
  const configPath = resolveConfigPath(flags.config, io.env, io.cwd);
  const shown = displayPath(configPath, io.cwd);
  const loaded = await loadConfigFile(configPath, io.env, { displayName: shown });
  if (!loaded.ok) {
    for (const problem of loaded.problems) io.stderr(`${formatProblem(problem)}\n`);
    io.stderr(`\n${loaded.problems.length} problem(s) in ${shown}. Nothing was changed.\n`);
    return null;
  }
  const { config } = loaded.value;
  const storeConfig = chooseStore(config, flags, io, dirname(configPath));
  const store = await openStore(storeConfig, { log: quietLog(io) });
  return { store, config, close: () => store.close() };
}

/** Migration progress is not news at the console; a warning still reaches standard error. */
function quietLog(io: CliIO): StoreLog {
  return {
    info() {},
    warn(_fields, message) {
      io.stderr(`unyo: ${message}\n`);
    },
  };
}
