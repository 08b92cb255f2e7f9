import type { CheckConfig } from "../config/schema.ts";
import type { Assertion } from "./assertions.ts";
import { type AssertionFailure, evaluate, type Observation } from "./evaluate.ts";
import { runProbe } from "./probes/index.ts";
import { type ErrorKind, makeDeadline } from "./probes/types.ts";

export interface CheckRunResult {
  ok: boolean;
  /** Failed only on response-time assertions: the service answers, slowly. */
  degraded: boolean;
  durationMs: number;
  errorKind: ErrorKind | null;
  message: string | null;
  failures: AssertionFailure[];
  /** Attempts made: 1 + the retries used. */
  attempts: number;
  /** What the last attempt observed, when the target answered (for reports). */
  observation?: Observation;
}

export interface RunOptions {
  baseUrl: string;
  signal: AbortSignal;
  /** Waits between retries; injectable so tests need not sleep. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * Runs one check once: probe, then every assertion (parsed at load), reporting each failed
 * one. A failed attempt is retried up to `retries` times after `retry_delay`; the last
 * attempt is the result. Shutdown is never retried.
 */
export async function runCheck(
  check: CheckConfig,
  assertions: readonly Assertion[],
  options: RunOptions,
): Promise<CheckRunResult> {
  const sleep = options.sleep ?? abortableSleep;
  let result: CheckRunResult | undefined;
  for (let attempt = 1; attempt <= check.retries + 1; attempt++) {
    if (attempt > 1) {
      await sleep(check.retry_delay, options.signal);
      if (options.signal.aborted) break;
    }
    result = { ...(await attemptOnce(check, assertions, options)), attempts: attempt };
    if (result.ok || result.degraded || result.errorKind === "interrupted") break;
  }
  return (
    result ?? {
      ok: false,
      degraded: false,
      durationMs: 0,
      errorKind: "interrupted",
      message: "interrupted by shutdown",
      failures: [],
      attempts: 0,
    }
  );
}

async function attemptOnce(
  check: CheckConfig,
  assertions: readonly Assertion[],
  options: RunOptions,
): Promise<Omit<CheckRunResult, "attempts">> {
  // An attempt must end before the next slot of the same check.
  const timeoutMs = Math.min(check.timeout, check.every);
  const deadline = makeDeadline(options.signal, timeoutMs);
  const outcome = await runProbe(check, {
    signal: options.signal,
    timeoutMs,
    baseUrl: options.baseUrl,
    deadline: deadline.signal,
  }).finally(() => deadline.dispose());
  if (!outcome.ok) {
    return {
      ok: false,
      degraded: false,
      durationMs: outcome.responseTimeMs,
      errorKind: outcome.kind,
      message: outcome.message,
      failures: [],
    };
  }
  const failures: AssertionFailure[] = [];
  let onlyLatency = true;
  for (const assertion of assertions) {
    const failure = evaluate(assertion, outcome.observation);
    if (failure) {
      failures.push(failure);
      if (assertion.subject.kind !== "response_time") onlyLatency = false;
    }
  }
  const ok = failures.length === 0;
  return {
    ok,
    degraded: !ok && onlyLatency,
    durationMs: outcome.observation.responseTimeMs,
    errorKind: ok ? null : "assertion",
    message: ok ? null : failures.map((f) => f.message).join("; "),
    failures,
    observation: outcome.observation,
  };
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
