/** What every CLI command gets and returns. Commands never call process.exit themselves. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
  cwd: string;
}

export interface Command {
  name: string;
  /** One line for `unyo --help`. */
  summary: string;
  /** Full text for `unyo <name> --help`: usage, options, exit codes, examples. */
  help: string;
  /** Returns the process exit code (see EXIT in src/core/errors.ts). */
  run(argv: string[], io: CliIO): Promise<number>;
}
