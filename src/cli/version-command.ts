import { EXIT } from "../core/errors.ts";
import { LATEST_MIGRATION } from "../store/migrations/index.ts";
import { VERSION } from "../version.ts";
import { parseCommandArgs } from "./args.ts";
import type { Command } from "./command.ts";

export const versionCommand: Command = {
  name: "version",
  summary: "Print the version of Unyo, Node.js and the store schema",
  help: `Usage: unyo version [--json]

Options:
  --json      Print {"version", "node", "schema"}
  -h, --help  Show this help

Exit codes: 0 ok, 2 usage error.
`,
  async run(argv, io) {
    const { values } = parseCommandArgs("version", argv, { json: { type: "boolean" } });
    if (values.help) {
      io.stdout(this.help);
      return EXIT.ok;
    }
    const info = { version: VERSION, node: process.version, schema: LATEST_MIGRATION };
    io.stdout(
      values.json
        ? `${JSON.stringify(info)}\n`
        : `unyo ${info.version} (Node.js ${info.node}, store schema ${info.schema})\n`,
    );
    return EXIT.ok;
  },
};
