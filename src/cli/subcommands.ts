/**
 * Subcommand dispatch for the API commands (`unyo checks`, `unyo rules`). The store
 * commands (`users`, `tokens`, `audit`) use `dispatch` in store-command.ts instead, which
 * also prints errors itself and suggests the closest subcommand.
 */
import { EXIT, UnyoError } from "../core/errors.ts";
import type { CliIO, Command } from "./command.ts";

export type Subcommands = Record<string, (argv: string[], io: CliIO) => Promise<number>>;

/**
 * The `run` of `unyo <name> <sub> ...`: no subcommand prints the help and exits 2 (usage);
 * `--help` or `-h`, first or after the subcommand, prints it and exits 0; an unknown
 * subcommand is a usage error naming the known ones.
 */
export function subcommands(name: string, help: string, table: Subcommands): Command["run"] {
  return async (argv, io) => {
    const [sub, ...rest] = argv;
    if (!sub || sub === "--help" || sub === "-h") {
      io.stdout(help);
      return sub ? EXIT.ok : EXIT.usage;
    }
    const run = Object.hasOwn(table, sub) ? table[sub] : undefined;
    if (!run) {
      throw new UnyoError("UNYO_E_USAGE", `unyo ${name}: unknown subcommand "${sub}".`, {
        hint: `Use one of ${Object.keys(table).join(", ")}.`,
      });
    }
    if (rest.includes("--help") || rest.includes("-h")) {
      io.stdout(help);
      return EXIT.ok;
    }
    return run(rest, io);
  };
}
