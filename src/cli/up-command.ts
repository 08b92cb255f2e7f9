import { dirname } from "node:path";
import { createUnyo, type Unyo } from "../app.ts";
import type { FirstAdminOutcome } from "../auth/first-admin.ts";
import { loadConfigFile } from "../config/load.ts";
import { formatProblem } from "../config/problems.ts";
import { EXIT, isUnyoError, UnyoError } from "../core/errors.ts";
import { createLogger, type LogLevel } from "../log/logger.ts";
import { openStore } from "../store/store.ts";
import { VERSION } from "../version.ts";
import { formatError, parseCommandArgs } from "./args.ts";
import type { CliIO, Command } from "./command.ts";
import { displayPath, resolveConfigPath } from "./config-path.ts";
import { chooseStore } from "./open-store.ts";

export const upCommand: Command = {
  name: "up",
  summary: "Start the Unyo server (the main job)",
  help: `Usage: unyo up [--config FILE] [--port N] [--data-dir DIR]

Starts Unyo: loads the config, opens the store (embedded SQLite by default), runs the
migrations, serves the web UI and API, and runs the configured checks. Logs are JSON lines
on standard output; the URL and other notes for people go to standard error.

Options (each has an environment variable; the flag wins):
  -c, --config FILE   Config file            UNYO_CONFIG    (default ./unyo.yaml)
  -p, --port N        Port to listen on      UNYO_PORT      (default server.port, 8080)
      --host ADDR     Address to listen on   UNYO_HOST      (default server.host, 127.0.0.1)
  -d, --data-dir DIR  Folder for the SQLite  UNYO_DATA_DIR  (default storage.data_dir, ./data)
                      store and other files
  -h, --help          Show this help
Other environment: UNYO_DATABASE_URL (use PostgreSQL), UNYO_LOG_LEVEL (debug … critical).

While running: SIGHUP or saving the config file reloads it (an invalid file keeps the running
config; see /api/v1/status). Ctrl-C or SIGTERM stops cleanly; a second one exits at once.

Exit codes:
  0  stopped cleanly
  1  the config is invalid
  2  the command line is wrong
  3  a dependency is unavailable (database, port, config file)
`,
  async run(argv, io) {
    const { values } = parseCommandArgs("up", argv, {
      config: { type: "string", short: "c" },
      port: { type: "string", short: "p" },
      host: { type: "string" },
      "data-dir": { type: "string", short: "d" },
    });
    if (values.help) {
      io.stdout(this.help);
      return EXIT.ok;
    }
    try {
      return await up(values, io);
    } catch (error) {
      if (!isUnyoError(error)) throw error;
      io.stderr(`${formatError(error)}Unyo did not start.\n`);
      return error.exitCode;
    }
  },
};

interface UpFlags {
  config?: string | undefined;
  port?: string | undefined;
  host?: string | undefined;
  "data-dir"?: string | undefined;
}

async function up(flags: UpFlags, io: CliIO): Promise<number> {
  const signals = handleSignals(io);
  try {
    return await startUp(flags, io, signals);
  } catch (error) {
    signals.abandon();
    throw error;
  }
}

async function startUp(
  flags: UpFlags,
  io: CliIO,
  signals: ReturnType<typeof handleSignals>,
): Promise<number> {
  const configPath = resolveConfigPath(flags.config, io.env, io.cwd);
  const shown = displayPath(configPath, io.cwd);
  const loaded = await loadConfigFile(configPath, io.env, { displayName: shown });
  if (!loaded.ok) {
    for (const problem of loaded.problems) io.stderr(`${formatProblem(problem)}\n`);
    io.stderr(`\n${loaded.problems.length} problem(s) in ${shown}. Unyo did not start.\n`);
    signals.abandon();
    return EXIT.failure;
  }
  const { config } = loaded.value;
  const port = parsePort(flags.port || io.env.UNYO_PORT, config.server.port);
  // An empty variable counts as unset: UNYO_HOST= must not mean "listen everywhere".
  const host = flags.host || io.env.UNYO_HOST || config.server.host;
  const logLevelOverride = parseLogLevel(io.env.UNYO_LOG_LEVEL);
  const logLevel = logLevelOverride ?? config.server.log_level;
  const log = createLogger({ level: logLevel });

  const storeConfig = chooseStore(config, flags, io, dirname(configPath));
  const store = await openStore(storeConfig, { log });
  const unyo = await createUnyo({
    loaded: { ...loaded.value, file: configPath },
    env: io.env,
    store,
    log,
    logLevelOverride,
  });

  try {
    await unyo.app.listen({ host, port });
  } catch (error) {
    await unyo.stop();
    throw listenError(error, host, port);
  }
  const address = unyo.app.server.address();
  const actualPort = typeof address === "object" && address ? address.port : port;
  const shownHost =
    host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;
  const url = `http://${shownHost}:${actualPort}`;
  const { firstAdmin } = await unyo.start(
    `http://${host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host}:${actualPort}`,
  );

  io.stderr(
    `Unyo ${VERSION} is running at ${url}/\n` +
      `  config  ${shown} (revision ${loaded.value.revision}, ${config.checks.length} check(s), ${config.rules.length} rule(s), ${config.metrics.scrape.length} scrape target(s))\n` +
      `  store   ${store.kind} ${store.description}\n` +
      `  health  ${url}/api/health   status ${url}/api/v1/status   API ${url}/api/v1/openapi.json\n` +
      "Press Ctrl-C to stop.\n",
  );
  io.stderr(firstAdminMessage(firstAdmin, config.server.public_url ?? url));
  log.info(
    { url, version: VERSION, revision: loaded.value.revision, store: store.kind },
    "Unyo started",
  );
  return signals.started(unyo);
}

/**
 * Installs the signal handlers before anything is printed: a SIGTERM that arrives while Unyo
 * starts (a supervisor that gives up quickly) still ends in a clean stop, never in the
 * default kill. Resolves with the exit code once Unyo has stopped.
 */
function handleSignals(io: CliIO) {
  let unyo: Unyo | undefined;
  let requested: NodeJS.Signals | undefined;
  let resolveExit: (code: number) => void = () => {};
  const exited = new Promise<number>((r) => {
    resolveExit = r;
  });
  const stop = (signal: NodeJS.Signals) => {
    if (!unyo) return;
    const { log } = unyo.runtime;
    io.stderr(`Received ${signal}: stopping (running work may take a moment)…\n`);
    log.info({ signal }, "shutting down");
    unyo.stop().then(
      () => {
        log.info({}, "Unyo stopped");
        log.flush();
        io.stderr("Unyo stopped.\n");
        resolveExit(EXIT.ok);
      },
      (error: unknown) => {
        log.error({ error }, "error while stopping");
        log.flush();
        resolveExit(EXIT.internal);
      },
    );
  };
  const onStop = (signal: NodeJS.Signals) => {
    if (requested) {
      io.stderr(`Received ${signal} again: exiting now.\n`);
      process.exit(130);
    }
    requested = signal;
    stop(signal);
  };
  const onHup = () => {
    if (unyo) void unyo.reload("SIGHUP");
  };
  process.on("SIGINT", onStop);
  process.on("SIGTERM", onStop);
  process.on("SIGHUP", onHup);
  return {
    /** Hands over the started Unyo; stops it at once if a signal came during start-up. */
    started(u: Unyo): Promise<number> {
      unyo = u;
      if (requested) stop(requested);
      return exited;
    },
    /** Start-up failed: remove the handlers so the process can exit. */
    abandon() {
      process.off("SIGINT", onStop);
      process.off("SIGTERM", onStop);
      process.off("SIGHUP", onHup);
    },
  };
}

function parsePort(text: string | undefined, fallback: number): number {
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new UnyoError(
      "UNYO_E_USAGE",
      `"${text}" is not a port: expected a whole number from 0 to 65535.`,
      {
        hint: "Set --port N or UNYO_PORT to a free port, e.g. 8080 (0 picks any free port).",
      },
    );
  }
  return n;
}

function parseLogLevel(text: string | undefined): LogLevel | undefined {
  if (!text) return undefined;
  const level = text.toLowerCase() === "warn" ? "warning" : text.toLowerCase();
  if (["debug", "info", "warning", "error", "critical"].includes(level)) return level as LogLevel;
  throw new UnyoError("UNYO_E_USAGE", `UNYO_LOG_LEVEL="${text}" is not a log level.`, {
    hint: "Use one of debug, info, warning, error, critical.",
  });
}

function listenError(error: unknown, host: string, port: number): UnyoError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EADDRINUSE") {
    return new UnyoError(
      "UNYO_E_PORT_IN_USE",
      `Port ${port} on ${host} is already in use, probably by another Unyo or another server.`,
      { hint: "Stop that process, or start Unyo on another port with --port N or UNYO_PORT=N." },
    );
  }
  if (code === "EACCES") {
    return new UnyoError(
      "UNYO_E_LISTEN_FAILED",
      `Not allowed to listen on ${host}:${port} (EACCES).`,
      {
        hint: "Ports below 1024 need privileges; choose a port above 1024 with --port N.",
      },
    );
  }
  return new UnyoError(
    "UNYO_E_LISTEN_FAILED",
    `Cannot listen on ${host}:${port}: ${(error as Error).message}.`,
    { hint: "Check --host / UNYO_HOST names an address of this machine." },
  );
}

/** What the person at the console must know about the first admin account. */
function firstAdminMessage(outcome: FirstAdminOutcome, baseUrl: string): string {
  if (outcome.kind === "created") {
    return `  admin   created user "${outcome.user.username}" from UNYO_ADMIN_PASSWORD\n`;
  }
  if (outcome.kind === "setup_link") {
    const until = new Date(outcome.expiresAt).toISOString();
    return (
      "\nNo users yet. Create the first admin with this one-time link:\n" +
      `  ${baseUrl.replace(/\/$/, "")}/setup#token=${outcome.token}\n` +
      `  (valid until ${until}; or run \`unyo users add NAME --role admin\`, or set UNYO_ADMIN_PASSWORD)\n`
    );
  }
  return "";
}
