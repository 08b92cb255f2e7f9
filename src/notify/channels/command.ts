/**
 * The command channel: runs a program of the user's (a script that posts to an in-house
 * system, a pager gateway's CLI, …) with the message as JSON on stdin — the same document the
 * webhook channel POSTs — and the idempotency key in UNYO_IDEMPOTENCY_KEY. Exit 0 means sent.
 *
 * It runs exactly like the command probe (src/checks/probes/command.ts, whose helpers it
 * reuses): argv without a shell, a minimal environment so Unyo's own secrets never leak into
 * it, its own process group, and at the deadline SIGTERM then SIGKILL to the whole group so
 * nothing it started outlives the attempt. A program that cannot be started is a
 * configuration error (not retried); a non-zero exit or a kill is retried.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import {
  CappedOutput,
  commandEnv,
  groupAlive,
  KILL_GRACE_MS,
  PIPE_GRACE_MS,
  signalGroup,
  startError,
} from "../../checks/probes/command.ts";
import { type Channel, excerpt, type SendContext, type SendResult } from "../channel.ts";
import { messageDocument, type NotificationMessage } from "../render.ts";

export interface CommandChannelConfig {
  id: string;
  /** The program and its arguments; a program with a slash is relative to cwd. */
  argv: string[];
  /** Folder the program runs in. */
  cwd: string;
  /** Extra environment variables (only PATH, HOME, LANG and TZ are inherited). */
  env?: Record<string, string>;
  /** Per run, in ms (default 30 s). */
  timeoutMs?: number;
  /** Most of stderr kept for the delivery log (default 4 KiB). */
  maxOutput?: number;
}

export function commandChannel(config: CommandChannelConfig): Channel {
  const timeoutMs = config.timeoutMs ?? 30_000;
  return {
    id: config.id,
    send(message: NotificationMessage, ctx: SendContext): Promise<SendResult> {
      const input = `${JSON.stringify(messageDocument(message, ctx.idempotencyKey))}\n`;
      return run(config, input, ctx, timeoutMs);
    },
  };
}

function run(
  config: CommandChannelConfig,
  input: string,
  ctx: SendContext,
  timeoutMs: number,
): Promise<SendResult> {
  const [program = "", ...args] = config.argv;
  const name = JSON.stringify(program);
  if (ctx.signal.aborted) return Promise.resolve({ ok: false, error: "attempt cut short" });
  const file = program.includes("/") ? resolve(config.cwd, program) : program;

  return new Promise<SendResult>((done) => {
    let child: ChildProcess;
    try {
      child = spawn(file, args, {
        cwd: config.cwd,
        env: commandEnv({ ...config.env, UNYO_IDEMPOTENCY_KEY: ctx.idempotencyKey }),
        stdio: ["pipe", "ignore", "pipe"],
        detached: true,
        shell: false,
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "error";
      done({ ok: false, retryable: false, error: `cannot run ${name} in ${config.cwd} (${code})` });
      return;
    }
    const pgid = child.pid;
    const stderr = new CappedOutput(config.maxOutput ?? 4096);
    child.stderr?.on("data", (chunk: Buffer) => stderr.add(chunk));
    // A program that exits without reading stdin closes the pipe: not our failure.
    child.stdin?.on("error", () => {});
    child.stdin?.end(input);

    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let cutShort: string | undefined;
    let settled = false;
    let ending = false;
    const timers: NodeJS.Timeout[] = [];

    const settle = (result: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      ctx.signal.removeEventListener("abort", onAbort);
      // Keep the SIGKILL timer only while something of the group is still alive.
      if (!groupAlive(pgid)) for (const t of timers) clearTimeout(t);
      child.stderr?.destroy();
      done(result);
    };

    const finish = () => {
      if (cutShort) return settle({ ok: false, retryable: true, error: cutShort });
      if (!exited) return;
      const said = stderr.text().trim();
      const tail = said === "" ? "" : `: ${excerpt(said)}`;
      if (exited.code === 0) return settle({ ok: true, status: 0 });
      if (exited.code === null)
        return settle({
          ok: false,
          retryable: true,
          error: `${name} was killed by ${exited.signal}${tail}`,
        });
      return settle({
        ok: false,
        retryable: true,
        status: exited.code,
        error: `${name} exited with ${exited.code}${tail}`,
      });
    };

    const endGroup = () => {
      if (ending) return;
      ending = true;
      signalGroup(pgid, "SIGTERM");
      timers.push(
        setTimeout(() => {
          if (groupAlive(pgid)) signalGroup(pgid, "SIGKILL");
          if (!settled) timers.push(setTimeout(finish, PIPE_GRACE_MS));
        }, KILL_GRACE_MS),
      );
    };

    const stopEarly = (why: string) => {
      if (!exited) cutShort = why;
      endGroup();
    };
    const deadline = setTimeout(
      () => stopEarly(`${name} did not finish within ${timeoutMs} ms`),
      timeoutMs,
    );
    const onAbort = () => stopEarly("attempt cut short");
    ctx.signal.addEventListener("abort", onAbort, { once: true });

    child.on("error", (error: NodeJS.ErrnoException) => {
      if (pgid !== undefined) return;
      const why = startError(error, program, file, config.cwd);
      settle({ ok: false, retryable: false, error: why.message });
    });
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      endGroup();
    });
    child.on("close", finish);
  });
}
