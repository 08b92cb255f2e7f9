/** Runs the real `unyo` command in a child process, as a person or a script would. */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const UNYO_BIN = fileURLToPath(new URL("../../bin/unyo.js", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Written to the command's standard input, which is then closed. Without it: no stdin. */
  input?: string;
}

/** Runs `unyo ...args` to completion (with a safety timeout). */
export function runCli(
  args: string[],
  options: CliOptions & { timeoutMs?: number } = {},
): Promise<CliResult> {
  const child = spawnCli(args, options);
  const timer = setTimeout(() => child.process.kill("SIGKILL"), options.timeoutMs ?? 20_000);
  return child.exited.finally(() => clearTimeout(timer));
}

export interface RunningCli {
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of the pattern on stderr. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<CliResult>;
}

export function spawnCli(args: string[], options: CliOptions = {}): RunningCli {
  const env = { ...process.env, ...options.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const cwd = options.cwd ?? process.cwd();
  const argv = [UNYO_BIN, ...args];
  const child =
    options.input === undefined
      ? spawn(process.execPath, argv, { cwd, env, stdio: ["ignore", "pipe", "pipe"] })
      : spawn(process.execPath, argv, { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
  if (child.stdin) {
    // A command that exits without reading its input must not fail the test with EPIPE.
    child.stdin.on("error", () => {});
    child.stdin.end(options.input);
  }
  let stdout = "";
  let stderr = "";
  const waiters: (() => void)[] = [];
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
    for (const w of waiters) w();
  });
  const exited = new Promise<CliResult>((resolve) => {
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  return {
    process: child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForStderr(pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = stderr.match(pattern);
          if (m) {
            clearTimeout(timer);
            resolve(m);
          }
        };
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `timed out waiting for ${pattern}; stderr so far:\n${stderr}\nstdout:\n${stdout}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push(check);
        void exited.then(() => {
          check();
          clearTimeout(timer);
          if (!stderr.match(pattern))
            reject(new Error(`exited before ${pattern}; stderr:\n${stderr}`));
        });
        check();
      });
    },
  };
}
