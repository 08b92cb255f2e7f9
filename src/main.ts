import { formatError } from "./cli/args.ts";
import { auditCommand } from "./cli/audit-command.ts";
import { checkCommand } from "./cli/check-command.ts";
import { checksCommand } from "./cli/checks-command.ts";
import type { CliIO, Command } from "./cli/command.ts";
import { createLoginCommand, logoutCommand, whoamiCommand } from "./cli/login-command.ts";
import { queryCommand } from "./cli/query-command.ts";
import { rulesCommand } from "./cli/rules-command.ts";
import { createScheduleCommand } from "./cli/schedule-command.ts";
import { configScheduleResolver } from "./cli/schedule-resolver.ts";
import { schemaCommand } from "./cli/schema-command.ts";
import { tokensCommand } from "./cli/tokens-command.ts";
import { upCommand } from "./cli/up-command.ts";
import { usersCommand } from "./cli/users-command.ts";
import { validateCommand } from "./cli/validate-command.ts";
import { versionCommand } from "./cli/version-command.ts";
import { closest } from "./config/suggest.ts";
import { EXIT, isUnyoError } from "./core/errors.ts";
import { VERSION } from "./version.ts";

const COMMANDS: Command[] = [
  upCommand,
  validateCommand,
  schemaCommand,
  createScheduleCommand(configScheduleResolver),
  checkCommand,
  checksCommand,
  rulesCommand,
  queryCommand,
  usersCommand,
  tokensCommand,
  auditCommand,
  createLoginCommand(),
  whoamiCommand,
  logoutCommand,
  versionCommand,
];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `Unyo ${VERSION} (運用): the operations manual, executable.

Usage: unyo <command> [options]

Commands:
${lines.join("\n")}

Run "unyo <command> --help" for a command's options and exit codes.

Exit codes: 0 ok, 1 failure (invalid config, failed check), 2 usage error,
3 unavailable (database, port, file), 70 internal error.
`;
}

/** Runs the CLI and returns the exit code; never calls process.exit except on a second Ctrl-C. */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    io.stdout(overview());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === "--version" || name === "-V") return versionCommand.run([], io);
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    const suggestion = closest(
      name,
      COMMANDS.map((c) => c.name),
    );
    io.stderr(
      `unyo: unknown command "${name}".${suggestion ? ` Did you mean "${suggestion}"?` : ""}\nRun "unyo --help" for the list of commands.\n`,
    );
    return EXIT.usage;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (isUnyoError(error)) {
      io.stderr(formatError(error));
      return error.exitCode;
    }
    io.stderr(
      `unyo ${name}: unexpected error: ${(error as Error).message}\nThis is a bug in Unyo; the stack trace follows.\n${(error as Error).stack ?? ""}\n`,
    );
    return EXIT.internal;
  }
}

function processIO(): CliIO {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
  };
}
