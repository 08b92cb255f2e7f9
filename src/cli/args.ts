import { type ParseArgsConfig, parseArgs } from "node:util";
import { UnyoError } from "../core/errors.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * Strict argument parsing shared by every command: an unknown flag or a missing value is a
 * usage error (exit 2) that names the flag and points at --help.
 */
export function parseCommandArgs<O extends Options>(
  command: string,
  argv: string[],
  options: O,
  maxPositionals = 0,
) {
  try {
    const parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
    if (parsed.positionals.length > maxPositionals) {
      throw new UnyoError(
        "UNYO_E_USAGE",
        `unyo ${command}: unexpected argument "${parsed.positionals[maxPositionals]}".`,
        { hint: `See unyo ${command} --help.` },
      );
    }
    return parsed;
  } catch (error) {
    if (error instanceof UnyoError) throw error;
    throw new UnyoError("UNYO_E_USAGE", `unyo ${command}: ${(error as Error).message}`, {
      hint: `See unyo ${command} --help.`,
    });
  }
}

/** Prints an error the way every command does: one paragraph, then the hint. */
export function formatError(error: UnyoError): string {
  return `${error.message}${error.hint ? `\n${error.hint}` : ""}\n`;
}
