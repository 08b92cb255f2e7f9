import { loadConfigFile } from "../config/load.ts";
import { formatProblem } from "../config/problems.ts";
import { EXIT, isUnyoError } from "../core/errors.ts";
import { formatError, parseCommandArgs } from "./args.ts";
import type { Command } from "./command.ts";
import { displayPath, resolveConfigPath } from "./config-path.ts";

export const validateCommand: Command = {
  name: "validate",
  summary: "Check a config file and report every problem at once",
  help: `Usage: unyo validate [FILE] [--json]

Checks FILE (default: UNYO_CONFIG, then ./unyo.yaml) the way \`unyo up\` would load it:
YAML syntax, \${VAR} references, every key and value against the schema. All problems are
reported at once, one per line as FILE:LINE:COLUMN PATH: MESSAGE.

Options:
  --json      Print {"valid", "file", "revision", "problems": [...]} instead of text
  -h, --help  Show this help

Exit codes:
  0  the file is valid
  1  the file has problems
  2  the command line is wrong
  3  the file cannot be read
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      "validate",
      argv,
      { json: { type: "boolean" } },
      1,
    );
    if (values.help) {
      io.stdout(this.help);
      return EXIT.ok;
    }
    try {
      const path = resolveConfigPath(positionals[0], io.env, io.cwd);
      const shown = displayPath(path, io.cwd);
      const result = await loadConfigFile(path, io.env, { displayName: shown });
      if (values.json) {
        io.stdout(
          `${JSON.stringify(
            result.ok
              ? { valid: true, file: shown, revision: result.value.revision, problems: [] }
              : { valid: false, file: shown, problems: result.problems },
            null,
            2,
          )}\n`,
        );
        return result.ok ? EXIT.ok : EXIT.failure;
      }
      if (result.ok) {
        const { config } = result.value;
        const calendars = Object.keys(config.calendars).length;
        io.stdout(
          `${shown} is valid: ${config.checks.length} check(s), ${config.rules.length} rule(s), ${config.metrics.scrape.length} scrape target(s), ${calendars} calendar(s), time zone ${config.timezone} (revision ${result.value.revision}).\n`,
        );
        return EXIT.ok;
      }
      for (const problem of result.problems) io.stderr(`${formatProblem(problem)}\n`);
      const n = result.problems.length;
      io.stderr(`\n${n} problem${n === 1 ? "" : "s"} in ${shown}.\n`);
      return EXIT.failure;
    } catch (error) {
      if (!isUnyoError(error)) throw error;
      if (values.json) io.stdout(`${JSON.stringify(error.toJSON(), null, 2)}\n`);
      else io.stderr(formatError(error));
      return error.exitCode;
    }
  },
};
