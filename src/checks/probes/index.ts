/** Runs the probe of a check's kind: the one place that knows every kind. */
import type { CheckConfig } from "../../config/schema.ts";
import { probeHttp } from "../http-probe.ts";
import { probeCommand } from "./command.ts";
import { probeDns } from "./dns.ts";
import { probeMysql } from "./mysql.ts";
import { probePostgres } from "./postgres.ts";
import { probeRedis } from "./redis.ts";
import { probeTcp } from "./tcp.ts";
import { probeTls } from "./tls.ts";
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
      ctx.deadline,
    );
  }
  if (check.tcp) return probeTcp(check.tcp, ctx);
  if (check.tls) return probeTls(check.tls, ctx);
  if (check.dns) return probeDns(check.dns, ctx);
  if (check.postgres) return probePostgres(check.postgres, ctx);
  if (check.mysql) return probeMysql(check.mysql, ctx);
  if (check.redis) return probeRedis(check.redis, ctx);
  if (check.command) return probeCommand(check.command, ctx);
  throw new Error(`check ${check.id} has no probe this version can run`);
}

/** Where a check points, for lists and logs — never with credentials or query strings. */
export function targetOf(check: CheckConfig): string {
  if (check.http) {
    if (check.http.url.startsWith("/")) return check.http.url.split("?")[0] ?? check.http.url;
    const u = new URL(check.http.url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  }
  if (check.tcp) return `${check.tcp.host}:${check.tcp.port}`;
  if (check.tls) return `${check.tls.host}:${check.tls.port}`;
  if (check.dns)
    return `${check.dns.type} ${check.dns.name}${check.dns.server ? ` @${check.dns.server}` : ""}`;
  for (const db of [check.postgres, check.mysql, check.redis]) {
    if (db) return safeDbUrl(db.url);
  }
  if (check.command) return check.command.argv.join(" ").slice(0, 120);
  return check.id;
}

/** scheme://host:port/db of a database URL: never the user or password. */
function safeDbUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(database)";
  }
}
