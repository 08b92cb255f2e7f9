import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { configJsonSchema } from "../config/json-schema.ts";
import { EXIT } from "../core/errors.ts";
import { parseCommandArgs } from "./args.ts";
import type { Command } from "./command.ts";

export const schemaCommand: Command = {
  name: "schema",
  summary: "Print the JSON Schema of unyo.yaml (for editor completion)",
  help: `Usage: unyo schema [--output FILE]

Prints the JSON Schema (draft-07) of unyo.yaml. With yaml-language-server (VS Code's YAML
extension, Neovim, …) put this line at the top of unyo.yaml for completion and inline errors:

  # yaml-language-server: $schema=./unyo.schema.json

Options:
  -o, --output FILE  Write the schema to FILE instead of standard output
  -h, --help         Show this help

Exit codes: 0 ok, 2 usage error, 3 the file cannot be written.
`,
  async run(argv, io) {
    const { values } = parseCommandArgs("schema", argv, { output: { type: "string", short: "o" } });
    if (values.help) {
      io.stdout(this.help);
      return EXIT.ok;
    }
    const text = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
    if (!values.output) {
      io.stdout(text);
      return EXIT.ok;
    }
    const path = resolve(io.cwd, values.output);
    try {
      await writeFile(path, text);
    } catch (error) {
      io.stderr(`Cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}.\n`);
      return EXIT.unavailable;
    }
    io.stderr(`Wrote ${path}.\n`);
    return EXIT.ok;
  },
};
