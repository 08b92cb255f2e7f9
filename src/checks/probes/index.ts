/** Runs the probe of a check's kind: the one place that knows every kind. */
import type { CheckConfig } from "../../config/schema.ts";
import { probeHttp } from "../http-probe.ts";
import type { ProbeContext, ProbeOutcome } from "./types.ts";

export async function runProbe(check: CheckConfig, ctx: ProbeContext): Promise<ProbeOutcome> {
  if (check.http) {
    const { http } = check;
    const headers = { ...http.headers };
    if (http.auth && !Object.keys(headers).some((h) => h.toLowerCase() === "authorization")) {
      headers.authorization =
        "bearer" in http.auth
          ? `Bearer ${http.auth.bearer}`
          : `Basic ${Buffer.from(`${http.auth.basic.username}:${http.auth.basic.password}`).toString("base64")}`;
    }
    return probeHttp(
      {
        url: http.url.startsWith("/") ? new URL(http.url, ctx.baseUrl).href : http.url,
        method: http.method,
        headers,
        body: http.body,
        followRedirects: http.follow_redirects,
        tlsVerify: http.tls_verify,
        timeoutMs: ctx.timeoutMs,
      },
      ctx.signal,
    );
  }
  throw new Error(`check ${check.id} has no probe this version can run`);
}

/** Where a check points, for lists and logs — never with credentials or query strings. */
export function targetOf(check: CheckConfig): string {
  if (check.http) {
    if (check.http.url.startsWith("/")) return check.http.url.split("?")[0] ?? check.http.url;
    const u = new URL(check.http.url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  }
  return check.id;
}
