/**
 * The command probe: runs a program (a script, the aws CLI, kubectl …) and reports how it
 * ended — exit code, stdout, stderr, and stdout parsed as JSON when it is JSON — for the
 * assertions in `expect` to judge (`exit_code == 0`, `json.RunningCount == json.DesiredCount`).
 *
 * The program runs without a shell, with stdin closed, in a minimal environment and in its own
 * process group. When it is cut short (deadline, shutdown) the whole group is ended: SIGTERM,
 * then SIGKILL a second later for whatever is still alive — so a script's `sleep 100 &` does
 * not outlive the attempt. The same happens to anything the program leaves running in its
 * group when it exits, since a check that runs every minute must not pile up processes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { type SchemaContext, secretSchema } from "../../config/secret.ts";
import { formatSize, sizeSchema } from "../../core/duration.ts";
import type { Observation } from "../evaluate.ts";
import {
  abortedOutcome,
  attemptSignal,
  type ErrorKind,
  type Probe,
  type ProbeOutcome,
} from "./types.ts";

/** Between SIGTERM to the process group and SIGKILL to what is left of it. */
export const KILL_GRACE_MS = 1000;
/** After SIGKILL, how long to wait for the output pipes to close before giving up on them. */
export const PIPE_GRACE_MS = 250;
/** The variables a command inherits from Unyo's own environment; nothing else leaks in. */
export const INHERITED_ENV = ["PATH", "HOME", "LANG", "TZ"] as const;

const ARGV_EXPECTED =
  'expected the program and its arguments as a list, e.g. ["./scripts/check_batch.sh"] or ["sh", "-c", "ls /backups | wc -l"]';
const ENV_NAME_EXPECTED =
  "expected environment variable names of letters, digits and _, not starting with a digit, e.g. AWS_REGION";

const noNul = (text: string) => !text.includes("\0");

export function commandProbeSchema(ctx: SchemaContext) {
  return z.strictObject({
    argv: z
      .array(
        z
          .string({ error: ARGV_EXPECTED })
          .refine(noNul, { error: "arguments cannot contain NUL characters" }),
        { error: ARGV_EXPECTED },
      )
      .min(1, { error: ARGV_EXPECTED })
      .refine((argv) => argv[0] !== "", {
        error: 'expected a program name as the first item of argv, e.g. "aws" or "./check.sh"',
      })
      .meta({
        description:
          'The program and its arguments. It runs WITHOUT a shell: pipes, globs, $VARS and && need ["sh", "-c", "…"] explicitly. A program with a slash (./scripts/x.sh) is found relative to cwd, one without in PATH',
        examples: [
          [
            "aws",
            "ecs",
            "describe-services",
            "--cluster",
            "prod",
            "--services",
            "api",
            "--query",
            "services[0].{RunningCount:runningCount,DesiredCount:desiredCount}",
          ],
          ["./scripts/check_batch.sh"],
          ["sh", "-c", "ls /backups/*.dump | wc -l"],
        ],
      }),
    cwd: z
      .string({ error: "expected a folder, e.g. scripts or /opt/checks" })
      .min(1, { error: "expected a folder, e.g. scripts or /opt/checks" })
      .refine(noNul, { error: "a folder name cannot contain NUL characters" })
      .optional()
      .transform((dir) => (dir === undefined ? ctx.baseDir : resolve(ctx.baseDir, dir)))
      .meta({
        description:
          "Folder the program runs in; a relative folder is relative to the config file's folder (default: that folder)",
        examples: ["scripts", "/opt/checks"],
      }),
    env: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: ENV_NAME_EXPECTED }),
        secretSchema(ctx).refine(noNul, { error: "values cannot contain NUL characters" }),
        { error: "expected a map of variable names to values, e.g. { AWS_REGION: eu-west-1 }" },
      )
      .default({})
      .meta({
        description: `Environment variables for the program (a value may be { file: path }). Commands do NOT get Unyo's whole environment — only ${INHERITED_ENV.join(", ")} (when set) plus these — so Unyo's own secrets such as UNYO_ADMIN_PASSWORD or UNYO_DATABASE_URL never reach a check`,
        examples: [{ AWS_REGION: "eu-west-1", AWS_PROFILE: "monitoring" }],
      }),
    max_output: sizeSchema.prefault("64KiB").meta({
      description:
        "Most of stdout and of stderr (each) kept; the rest is read and discarded, and the text ends with a note that it was truncated (default 64KiB)",
      examples: ["64KiB", "1MiB"],
    }),
  });
}

export type CommandProbeConfig = z.output<ReturnType<typeof commandProbeSchema>>;

/**
 * Runs the program once. Whenever it runs to completion the outcome is ok — whatever its exit
 * code, which the check's assertions judge. It fails with kind "command" when the program
 * cannot be started or is killed by a signal Unyo did not send, "timeout" at the deadline and
 * "interrupted" on shutdown; in those last two cases its whole process group has been ended.
 */
export const probeCommand: Probe<CommandProbeConfig> = (spec, ctx) => {
  const startedAt = performance.now();
  const signal = attemptSignal(ctx);
  if (signal.aborted) return Promise.resolve(abortedOutcome(ctx, startedAt));
  const elapsed = () => Math.round(performance.now() - startedAt);
  const [program = "", ...args] = spec.argv;
  const file = program.includes("/") ? resolve(spec.cwd, program) : program;

  return new Promise<ProbeOutcome>((resolveOutcome) => {
    let child: ChildProcess;
    try {
      child = spawn(file, args, {
        cwd: spec.cwd,
        env: commandEnv(spec.env),
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
        shell: false,
      });
    } catch (error) {
      // Node's own message may quote the environment; say only what is safe to show.
      const code = (error as NodeJS.ErrnoException).code ?? "error";
      resolveOutcome({
        ok: false,
        kind: "command",
        message: `cannot run ${JSON.stringify(program)} in ${spec.cwd} (${code})`,
        responseTimeMs: elapsed(),
      });
      return;
    }

    const stdout = new CappedOutput(spec.max_output);
    const stderr = new CappedOutput(spec.max_output);
    child.stdout?.on("data", (chunk: Buffer) => stdout.add(chunk));
    child.stderr?.on("data", (chunk: Buffer) => stderr.add(chunk));

    let exited: { code: number | null; signal: NodeJS.Signals | null; at: number } | undefined;
    /** Set when we cut the program short (deadline or shutdown): what to report then. */
    let cutShort: ProbeOutcome | undefined;
    let ending = false;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    let pipeTimer: NodeJS.Timeout | undefined;
    const pgid = child.pid;

    const settle = (outcome: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      clearTimeout(pipeTimer);
      // Keep the SIGKILL timer only while something of the group is still alive.
      if (killTimer && !groupAlive(pgid)) clearTimeout(killTimer);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolveOutcome(outcome);
    };

    /** The outcome once the program has exited and its output has been read. */
    const finish = () => {
      if (cutShort) return settle(cutShort);
      if (!exited) return;
      if (exited.code === null) {
        return settle({
          ok: false,
          kind: "command",
          message: `${JSON.stringify(program)} was killed by ${exited.signal ?? "a signal"}`,
          responseTimeMs: exited.at,
        });
      }
      const out = stdout.text();
      const observation: Observation = {
        responseTimeMs: exited.at,
        exitCode: exited.code,
        stdout: out,
        stderr: stderr.text(),
        body: stdout.truncated ? out : parseOutput(out),
      };
      settle({ ok: true, observation });
    };

    /** SIGTERM to the whole group now, SIGKILL to what is left after the grace period. */
    const endGroup = () => {
      if (ending) return;
      ending = true;
      signalGroup(pgid, "SIGTERM");
      killTimer = setTimeout(() => {
        if (groupAlive(pgid)) signalGroup(pgid, "SIGKILL");
        // A process that left the group (setsid) may still hold the pipes open.
        if (!settled) pipeTimer = setTimeout(finish, PIPE_GRACE_MS);
      }, KILL_GRACE_MS);
    };

    const onAbort = () => {
      // Once the program has exited it ran to completion; only leftovers are ended.
      if (!exited)
        cutShort = abortedOutcome(ctx, startedAt, `${JSON.stringify(program)} did not finish`);
      endGroup();
    };
    signal.addEventListener("abort", onAbort, { once: true });

    child.on("error", (error: NodeJS.ErrnoException) => {
      // Only a failed start matters (no pid); a failed kill() changes nothing.
      if (pgid !== undefined) return;
      settle({
        ok: false,
        ...startError(error, program, file, spec.cwd),
        responseTimeMs: elapsed(),
      });
    });

    child.on("exit", (code, exitSignal) => {
      exited = { code, signal: exitSignal, at: elapsed() };
      // Whatever the program left running in its group goes too; the pipes close once it has.
      endGroup();
    });

    // All of stdout and stderr have been read (or their holders are gone).
    child.on("close", finish);
  });
};

/** PATH, HOME, LANG and TZ from Unyo's environment (when set), then the check's own. */
export function commandEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_ENV) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...extra };
}

/** stdout as JSON when it is JSON (after trimming), otherwise the text itself. */
function parseOutput(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === "") return text;
  try {
    return JSON.parse(trimmed);
  } catch {
    return text;
  }
}

/** One output stream, keeping its first `max` bytes and counting (but dropping) the rest. */
export class CappedOutput {
  readonly #max: number;
  readonly #chunks: Buffer[] = [];
  #kept = 0;
  truncated = false;

  constructor(max: number) {
    this.#max = max;
  }

  add(chunk: Buffer): void {
    const room = this.#max - this.#kept;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.#chunks.push(part);
    this.#kept += part.length;
  }

  text(): string {
    let bytes = Buffer.concat(this.#chunks, this.#kept);
    if (!this.truncated) return bytes.toString("utf8");
    bytes = bytes.subarray(0, utf8Boundary(bytes));
    return `${bytes.toString("utf8")}\n… (truncated: more than ${formatSize(this.#max)})`;
  }
}

/** The length of `bytes` without a UTF-8 character cut off at its end. */
function utf8Boundary(bytes: Buffer): number {
  let i = bytes.length;
  // Step back over continuation bytes (10xxxxxx) to the start of the last character.
  let back = 0;
  while (i - back - 1 >= 0 && back < 3 && ((bytes[i - back - 1] as number) & 0xc0) === 0x80) {
    back++;
  }
  const lead = i - back - 1;
  if (lead < 0) return i;
  const first = bytes[lead] as number;
  const size = first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : first >= 0xc0 ? 2 : 1;
  if (size > back + 1) i = lead;
  return i;
}

export function signalGroup(pgid: number | undefined, sig: NodeJS.Signals): void {
  if (pgid === undefined) return;
  try {
    process.kill(-pgid, sig);
  } catch {
    // ESRCH: the group is already gone.
  }
}

export function groupAlive(pgid: number | undefined): boolean {
  if (pgid === undefined) return false;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    // EPERM: a member changed user; it still exists.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Why the program could not be started, naming it and the folder it was run in. */
export function startError(
  error: NodeJS.ErrnoException,
  program: string,
  file: string,
  cwd: string,
): { kind: ErrorKind; message: string } {
  const name = JSON.stringify(program);
  const code = error.code ?? "error";
  if (!isDirectory(cwd)) {
    return {
      kind: "command",
      message: `cannot run ${name}: the folder ${cwd} does not exist or is not a folder (${code})`,
    };
  }
  const inPath = !program.includes("/");
  if (code === "ENOENT") {
    if (inPath) {
      return {
        kind: "command",
        message: `program ${name} not found in PATH (run in ${cwd}, ENOENT); give its full path or set PATH in env`,
      };
    }
    if (existsSync(file)) {
      return {
        kind: "command",
        message: `cannot run ${name} in ${cwd}: ${file} exists but the interpreter on its #! line was not found (ENOENT)`,
      };
    }
    return {
      kind: "command",
      message: `program ${name} not found: no file ${file} (run in ${cwd}, ENOENT)`,
    };
  }
  if (code === "EACCES") {
    const where = isAbsolute(program) || inPath ? "" : ` (${file})`;
    return {
      kind: "command",
      message: `cannot run ${name} in ${cwd}${where}: permission denied (EACCES); make it executable (chmod +x) or run it through its interpreter, e.g. ["sh", ${name}]`,
    };
  }
  return { kind: "command", message: `cannot run ${name} in ${cwd} (${code})` };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
