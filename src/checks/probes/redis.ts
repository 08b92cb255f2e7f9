/**
 * The redis probe: opens one short-lived connection, sends one command (PING unless the
 * check gives its own, argv style) and reports the reply as the body. The client never
 * reconnects (reconnectStrategy: false) and is destroyed before the probe returns, so no
 * socket or timer outlives the attempt.
 */
import { z } from "zod";
import { type SchemaContext, secretSchema } from "../../config/secret.ts";
import { redactUrl } from "../../store/postgres.ts";
import { isUrlWithHost, reasonOf, scrub, secretsOf, untilAborted } from "./db-common.ts";
import {
  abortedOutcome,
  attemptSignal,
  type ErrorKind,
  type Probe,
  type ProbeContext,
  type ProbeOutcome,
} from "./types.ts";

/** Commands that never give the one answer a check waits for, or leave the connection. */
const REFUSED_COMMANDS = new Set([
  "SUBSCRIBE",
  "PSUBSCRIBE",
  "SSUBSCRIBE",
  "MONITOR",
  "SYNC",
  "PSYNC",
  "QUIT",
  "RESET",
]);

/** Error replies that mean "these credentials may not do this". */
const AUTH_REPLY = /^(WRONGPASS|NOAUTH|NOPERM)\b/;

export function redisProbeSchema(ctx: SchemaContext) {
  return z.strictObject({
    url: secretSchema(ctx)
      .refine((url) => (ctx.readSecrets === false && url === "") || isRedisUrl(url), {
        error:
          "expected a redis:// or rediss:// URL such as redis://default:PASSWORD@cache.example.com:6379/0",
      })
      .meta({
        description:
          "Connection URL, redis://[user:password@]host:6379[/db] or rediss:// for TLS (a string or { file: path })",
        examples: ["redis://cache.example.com:6379", { file: "secrets/redis-url" }],
      }),
    command: z
      .array(z.union([z.string(), z.number()]).transform(String), {
        error: 'expected a command as a list of words, e.g. ["GET", "maintenance_mode"]',
      })
      .min(1, { error: 'expected a command as a list of words, e.g. ["GET", "maintenance_mode"]' })
      .refine((argv) => /^[A-Za-z][A-Za-z0-9_.|-]*$/.test(argv[0] ?? ""), {
        error: 'expected a command name first, e.g. ["INFO", "replication"]',
      })
      .refine((argv) => !REFUSED_COMMANDS.has((argv[0] ?? "").toUpperCase()), {
        error: (iss) =>
          `${String((iss.input as string[])[0])} does not give one answer a check can wait for; use e.g. ["PING"] or ["GET", "key"]`,
      })
      .default(["PING"])
      .meta({
        description:
          'Command to send, argv style; its reply is the body as Redis sent it: "PONG", a string (null when the key is missing), a number, a list, or INFO\'s text (test it with contains/matches)',
        examples: [
          ["GET", "maintenance_mode"],
          ["INFO", "replication"],
          ["LLEN", "queue:mail"],
        ],
      }),
  });
}

export type RedisProbeConfig = z.output<ReturnType<typeof redisProbeSchema>>;

const isRedisUrl = (url: string): boolean => isUrlWithHost(url, ["redis:", "rediss:"]);

export const probeRedis: Probe<RedisProbeConfig> = async (spec, ctx) => {
  // Loaded on first use (~25 MB, ~0.2 s): most installations never run a redis check.
  const redis = await import("redis");
  const startedAt = performance.now();
  const signal = attemptSignal(ctx);
  const secrets = secretsOf(spec.url);
  const target = redactUrl(spec.url);
  const name = (spec.command[0] ?? "").toUpperCase();
  let phase = "connect" as "connect" | "command";
  let destroy = () => {};
  // Node does not destroy a socket created with an already-aborted signal: do not start.
  if (signal.aborted) return abortedOutcome(ctx, startedAt, `no connection to ${target}`);
  let outcome: ProbeOutcome;
  try {
    const c = redis.createClient({
      url: spec.url,
      // The socket shares the attempt's signal: node-redis cannot stop a connection it is
      // still opening (its destroy() would miss it and the handshake would then complete),
      // so the socket itself is destroyed at the deadline or at shutdown.
      socket: { connectTimeout: ctx.timeoutMs, reconnectStrategy: false, signal },
      maintNotifications: "disabled",
    });
    // After a failed connect the client is already closed (reconnectStrategy: false).
    destroy = () => {
      if (c.isOpen) c.destroy();
    };
    // node-redis emits every connection error as an event as well; the attempt reports it.
    c.on("error", () => {});
    const work = (async () => {
      await c.connect();
      phase = "command";
      return c.sendCommand(spec.command);
    })();
    const reply = await untilAborted(work, signal);
    outcome = {
      ok: true,
      observation: { responseTimeMs: Math.round(performance.now() - startedAt), body: reply },
    };
  } catch (error) {
    outcome = signal.aborted
      ? abortedOutcome(
          ctx,
          startedAt,
          phase === "connect" ? `no connection to ${target}` : `no reply to ${name}`,
        )
      : failure(error, { redis, target, name, phase, ctx, startedAt });
  }
  destroy();
  return outcome.ok ? outcome : { ...outcome, message: scrub(outcome.message, secrets) };
};

interface FailureContext {
  redis: typeof import("redis");
  target: string;
  name: string;
  phase: "connect" | "command";
  ctx: ProbeContext;
  startedAt: number;
}

function failure(error: unknown, f: FailureContext): ProbeOutcome {
  const responseTimeMs = Math.round(performance.now() - f.startedAt);
  const { kind, message } = classify(error, f);
  return { ok: false, kind, message, responseTimeMs };
}

function classify(error: unknown, f: FailureContext): { kind: ErrorKind; message: string } {
  const code = String((error as { code?: unknown }).code ?? "");
  const reason = reasonOf(error);
  if (error instanceof f.redis.ErrorReply) {
    // During the handshake the server answered AUTH / HELLO / SELECT from the URL.
    if (f.phase === "connect") {
      const hint = /DB index/i.test(reason) ? "; check the database number in the URL" : "";
      return { kind: "auth", message: `Redis refused the login to ${f.target}: ${reason}${hint}` };
    }
    if (AUTH_REPLY.test(reason)) {
      return { kind: "auth", message: `Redis refused ${f.name}: ${reason}` };
    }
    return { kind: "query", message: `Redis answered ${f.name} with an error: ${reason}` };
  }
  if (error instanceof f.redis.ConnectionTimeoutError) {
    return {
      kind: "timeout",
      message: `no connection to ${f.target} within ${f.ctx.timeoutMs} ms`,
    };
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return { kind: "dns", message: `cannot resolve the host of ${f.target}: ${reason}` };
  }
  if (/CERT|SSL|TLS|SELF_SIGNED|HOSTNAME|^EPROTO$/.test(code) || /certificate/i.test(reason)) {
    return { kind: "tls", message: `TLS with ${f.target} failed: ${reason}` };
  }
  return { kind: "connect", message: `cannot connect to ${f.target}: ${reason}` };
}
