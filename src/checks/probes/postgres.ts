/**
 * The postgres probe: opens one short-lived connection, runs one query (`select 1 as ok`
 * unless the check gives its own) and reports the rows as the body. The connection is
 * always closed before the probe returns — gracefully when the server answered, by
 * destroying the socket when the deadline or shutdown cut the attempt short — and the
 * server itself is told the deadline (statement_timeout), so a slow query does not keep
 * running there after Unyo gave up on it.
 */
import { Client, types } from "pg";
import type { z } from "zod";
import type { SchemaContext } from "../../config/secret.ts";
import { redactUrl } from "../../store/postgres.ts";
import { reasonOf, scrub, secretsOf, sqlProbeSchema, untilAborted } from "./db-common.ts";
import {
  abortedOutcome,
  attemptSignal,
  type ErrorKind,
  type Probe,
  type ProbeContext,
  type ProbeOutcome,
} from "./types.ts";

const DEFAULT_QUERY = "select 1 as ok";
const INT8_OID = 20;
/** How long a polite goodbye (Terminate) may take before the socket is destroyed. */
const CLOSE_GRACE_MS = 1000;

export function postgresProbeSchema(ctx: SchemaContext) {
  return sqlProbeSchema(ctx, {
    isUrl: isPostgresUrl,
    urlError:
      "expected a postgres:// URL such as postgres://monitor:PASSWORD@db.example.com:5432/app",
    urlDescription:
      "Connection URL, postgres://user:password@host:5432/database (a string or { file: path })",
    urlExamples: ["postgres://monitor:secret@db.example.com:5432/app", { file: "secrets/db-url" }],
    queryDescription:
      "Query to run; its rows are the body (default: select 1 as ok). int8 columns such as count(*) come back as numbers, numeric as text (cast with ::float8 to compare)",
    queryExample:
      "select count(*) as n from jobs where failed and finished_at > now() - $1::interval",
    paramsError: 'expected a list of query parameters, e.g. ["1 hour", 5]',
    paramsDescription: "Values for $1, $2, … in the query",
    paramsExample: ["1 hour"],
  });
}

export type PostgresProbeConfig = z.output<ReturnType<typeof postgresProbeSchema>>;

function isPostgresUrl(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const { protocol, host } = new URL(url);
  // A host may also come from ?host= (e.g. a Unix socket folder), so only the scheme is required.
  return (
    (protocol === "postgres:" || protocol === "postgresql:") &&
    (host !== "" || /[?&]host=/.test(url))
  );
}

/**
 * int8 (count(*), sum of ints, bigint ids) as a number when it is exactly representable,
 * as pg's text otherwise; every other type keeps pg's default parsing.
 */
const typeParsers = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID && format !== "binary"
      ? (text: string) => {
          const n = Number(text);
          return Number.isSafeInteger(n) ? n : text;
        }
      : types.getTypeParser(oid, format)) as typeof types.getTypeParser,
};

export const probePostgres: Probe<PostgresProbeConfig> = async (spec, ctx) => {
  const startedAt = performance.now();
  const signal = attemptSignal(ctx);
  const secrets = secretsOf(spec.url);
  const target = redactUrl(spec.url);
  let phase = "connect" as "connect" | "query";
  let client: Client | undefined;
  let outcome: ProbeOutcome;
  let graceful = true;
  try {
    client = new Client({
      connectionString: spec.url,
      connectionTimeoutMillis: ctx.timeoutMs,
      statement_timeout: ctx.timeoutMs,
      application_name: "unyo-check",
      types: typeParsers,
    });
    // After the socket is destroyed pg may report the lost connection as an 'error' event;
    // the attempt already has its outcome by then.
    client.on("error", () => {});
    const connected = client;
    const work = (async () => {
      await connected.connect();
      phase = "query";
      return connected.query({ text: spec.query ?? DEFAULT_QUERY, values: spec.params ?? [] });
    })();
    const result = await untilAborted(work, signal);
    const last = Array.isArray(result) ? result[result.length - 1] : result;
    outcome = {
      ok: true,
      observation: {
        responseTimeMs: Math.round(performance.now() - startedAt),
        body: (last?.rows ?? []) as unknown[],
      },
    };
  } catch (error) {
    graceful = !signal.aborted;
    outcome = signal.aborted
      ? abortedOutcome(
          ctx,
          startedAt,
          phase === "connect" ? `no connection to ${target}` : "no result of the query",
        )
      : failure(error, target, ctx, startedAt);
  }
  if (client) await close(client, graceful);
  return outcome.ok ? outcome : { ...outcome, message: scrub(outcome.message, secrets) };
};

function failure(
  error: unknown,
  target: string,
  ctx: ProbeContext,
  startedAt: number,
): ProbeOutcome {
  const responseTimeMs = Math.round(performance.now() - startedAt);
  const { kind, message } = classify(error, target, ctx);
  return { ok: false, kind, message, responseTimeMs };
}

function classify(
  error: unknown,
  target: string,
  ctx: ProbeContext,
): { kind: ErrorKind; message: string } {
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e.code === "string" ? e.code : "";
  const reason = reasonOf(error);
  if (/^[0-9A-Z]{5}$/.test(code) && isDatabaseError(error)) {
    if (code === "3D000") {
      return {
        kind: "auth",
        message: `cannot log in to ${target}: ${reason} (SQLSTATE 3D000); check the database name in the URL`,
      };
    }
    if (code.startsWith("28")) {
      return {
        kind: "auth",
        message: `PostgreSQL refused the login to ${target}: ${reason} (SQLSTATE ${code})`,
      };
    }
    if (code === "57014" && /statement timeout/.test(reason)) {
      return {
        kind: "timeout",
        message: `no result of the query within ${ctx.timeoutMs} ms (the server cancelled it: SQLSTATE 57014)`,
      };
    }
    return { kind: "query", message: `query failed with SQLSTATE ${code}: ${reason}` };
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return { kind: "dns", message: `cannot resolve the host of ${target}: ${reason}` };
  }
  if (reason === "timeout expired") {
    return { kind: "timeout", message: `no connection to ${target} within ${ctx.timeoutMs} ms` };
  }
  if (
    /CERT|SSL|TLS|SELF_SIGNED|HOSTNAME|^EPROTO$/.test(code) ||
    /\bSSL\b|certificate/i.test(reason)
  ) {
    return { kind: "tls", message: `TLS with ${target} failed: ${reason}` };
  }
  return { kind: "connect", message: `cannot connect to ${target}: ${reason}` };
}

/** A server's ErrorResponse (pg's DatabaseError) rather than a socket or client error. */
function isDatabaseError(error: unknown): boolean {
  return error instanceof Error && typeof (error as { severity?: unknown }).severity === "string";
}

/** Ends the session politely when it is healthy; destroys the socket otherwise. */
async function close(client: Client, graceful: boolean): Promise<void> {
  const socket = client.connection.stream;
  if (!graceful) {
    socket.destroy();
    return;
  }
  const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
  try {
    await client.end();
  } catch {
    socket.destroy();
  } finally {
    clearTimeout(timer);
  }
}
