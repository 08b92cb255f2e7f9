/** In-process CLI runs for tests: captured output, and a temp folder with its own store. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { CliIO } from "../../src/cli/command.ts";
import { createUsersCommand } from "../../src/cli/users-command.ts";
import { main } from "../../src/main.ts";

export interface CapturedRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** An IO whose output is collected; read it with output(). */
export function captureIO(env: Record<string, string | undefined>, cwd: string) {
  let stdout = "";
  let stderr = "";
  const io: CliIO = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env,
    cwd,
  };
  return { io, output: () => ({ stdout, stderr }) };
}

/**
 * A folder with a unyo.yaml; run() runs the CLI in-process on its SQLite store under
 * `data/`. `stdin` is what `users add | passwd` read as standard input.
 */
export function cliWorkspace(prefix: string, config: string) {
  const dir = mkdtempSync(join(tmpdir(), `unyo-${prefix}-`));
  writeFileSync(join(dir, "unyo.yaml"), config);
  const dataDir = join(dir, "data");
  async function run(args: string[], stdin?: string): Promise<CapturedRun> {
    const { io, output } = captureIO({}, dir);
    const argv = [...args, "--data-dir", dataDir];
    const code =
      stdin === undefined
        ? await main(argv, io)
        : await createUsersCommand({ stdin: () => Readable.from([stdin]) }).run(argv.slice(1), io);
    return { code, ...output() };
  }
  return { dir, dataDir, dbFile: join(dataDir, "unyo.db"), run };
}
