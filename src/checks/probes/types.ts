/**
 * The contract every probe kind implements (http, tcp, tls, dns, postgres, mysql, redis,
 * command). A probe does one attempt against its target within a deadline and reports
 * either what it observed — for the assertions in `expect` to judge — or a classified error.
 * Probes never throw for a failing target; they throw only for a bug.
 */
import type { Observation } from "../evaluate.ts";

/** Why an attempt failed, for people and for alert routing. */
export type ErrorKind =
  | "dns" // name resolution failed (or a DNS check got no / the wrong answer)
  | "connect" // refused, reset, unreachable
  | "tls" // handshake, certificate, host name
  | "timeout" // no complete answer within the deadline
  | "http" // protocol-level failure of an HTTP exchange
  | "auth" // the target refused our credentials (database, redis)
  | "query" // the target answered the query/command with an error
  | "command" // a command could not be started, or was killed
  | "assertion" // the target answered but an `expect` line did not hold
  | "heartbeat" // a job reported failure, or did not report in time
  | "interrupted"; // Unyo's own shutdown cut the attempt short

export type ProbeOutcome =
  | { ok: true; observation: Observation }
  | { ok: false; kind: ErrorKind; message: string; responseTimeMs: number };

export interface ProbeContext {
  /** Aborted when Unyo shuts down; the probe returns kind "interrupted" then. */
  signal: AbortSignal;
  /** The deadline of this attempt (already min(timeout, every)). */
  timeoutMs: number;
  /** Unyo's own base URL, for http checks whose url is a path. */
  baseUrl: string;
  /**
   * The attempt's deadline (shutdown or timeout), made and disposed by the caller. Without
   * it attemptSignal() makes one with AbortSignal.timeout, whose timer lives on until it
   * fires: at hundreds of runs a second those live timers fill the old generation.
   */
  deadline?: AbortSignal;
}

/** A signal that aborts on `parent` or after `ms`; dispose() when done frees the timer at once. */
export function makeDeadline(
  parent: AbortSignal,
  ms: number,
): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onParent = () => controller.abort(parent.reason);
  if (parent.aborted) onParent();
  else parent.addEventListener("abort", onParent, { once: true });
  const timer = setTimeout(
    () => controller.abort(new DOMException("the attempt timed out", "TimeoutError")),
    ms,
  );
  timer.unref();
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      parent.removeEventListener("abort", onParent);
    },
  };
}

export type Probe<Spec> = (spec: Spec, ctx: ProbeContext) => Promise<ProbeOutcome>;

/** A deadline signal for one attempt: the shutdown signal or the timeout, whichever first. */
export function attemptSignal(ctx: ProbeContext): AbortSignal {
  return ctx.deadline ?? AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.timeoutMs)]);
}

/** The failure to report when the attempt's signal fired: shutdown or timeout. */
export function abortedOutcome(
  ctx: ProbeContext,
  startedAt: number,
  what = "no complete answer",
): ProbeOutcome {
  const responseTimeMs = Math.round(performance.now() - startedAt);
  return ctx.signal.aborted
    ? { ok: false, kind: "interrupted", message: "interrupted by shutdown", responseTimeMs }
    : { ok: false, kind: "timeout", message: `${what} within ${ctx.timeoutMs} ms`, responseTimeMs };
}
