import type { CheckConfig } from "../config/schema.ts";
import type { Assertion } from "./assertions.ts";
import { type AssertionFailure, evaluate } from "./evaluate.ts";
import { type ErrorKind, probeHttp } from "./http-probe.ts";

export interface CheckRunResult {
  ok: boolean;
  /** Failed only on response-time assertions: the service answers, slowly. */
  degraded: boolean;
  durationMs: number;
  errorKind: ErrorKind | null;
  message: string | null;
  failures: AssertionFailure[];
}

/** Runs one check once: probe, then every assertion (parsed at load), reporting each failed one. */
export async function runCheck(
  check: CheckConfig,
  assertions: readonly Assertion[],
  options: { baseUrl: string; signal: AbortSignal },
): Promise<CheckRunResult> {
  const url = check.http.url.startsWith("/")
    ? new URL(check.http.url, options.baseUrl).href
    : check.http.url;
  const outcome = await probeHttp(
    {
      url,
      method: check.http.method,
      headers: check.http.headers,
      body: check.http.body,
      followRedirects: check.http.follow_redirects,
      tlsVerify: check.http.tls_verify,
      // A run must end before the next slot of the same check.
      timeoutMs: Math.min(check.timeout, check.every),
    },
    options.signal,
  );
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
  };
}
