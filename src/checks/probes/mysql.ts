/**
 * The mysql probe (MySQL and MariaDB): opens one short-lived connection, runs one query
 * (`select 1 as ok` unless the check gives its own) and reports the rows as the body. The
 * connection is always closed before the probe returns — with COM_QUIT when the server
 * answered, by destroying the socket when the deadline or shutdown cut the attempt short —
 * and the server is told the deadline too (max_statement_time on MariaDB,
 * max_execution_time on MySQL), so a slow query does not keep running after Unyo gave up.
 */
import type { Socket } from "node:net";
import type { Connection, QueryError } from "mysql2";
import type { z } from "zod";
import type { SchemaContext } from "../../config/secret.ts";
import { redactUrl } from "../../store/postgres.ts";
import {
  isUrlWithHost,
  reasonOf,
  scrub,
  secretsOf,
  sqlProbeSchema,
  untilAborted,
} from "./db-common.ts";
import {
  abortedOutcome,
  attemptSignal,
  type ErrorKind,
  type Probe,
  type ProbeContext,
  type ProbeOutcome,
} from "./types.ts";

const DEFAULT_QUERY = "select 1 as ok";
/** How long a polite goodbye (COM_QUIT) may take before the socket is destroyed. */
const CLOSE_GRACE_MS = 1000;

/** Server errors that mean "these credentials may not log in (to this database)". */
const AUTH_ERRORS = new Set([
  "ER_ACCESS_DENIED_ERROR",
  "ER_DBACCESS_DENIED_ERROR",
  "ER_ACCESS_DENIED_NO_PASSWORD_ERROR",
  "ER_HOST_NOT_PRIVILEGED",
  "ER_ACCOUNT_HAS_BEEN_LOCKED",
  "ER_MUST_CHANGE_PASSWORD_LOGIN",
  "ER_NOT_SUPPORTED_AUTH_MODE",
]);

export function mysqlProbeSchema(ctx: SchemaContext) {
  return sqlProbeSchema(ctx, {
    isUrl: isMysqlUrl,
    urlError: "expected a mysql:// URL such as mysql://monitor:PASSWORD@db.example.com:3306/app",
    urlDescription:
      "Connection URL, mysql://user:password@host:3306/database (a string or { file: path })",
    urlExamples: ["mysql://monitor:secret@db.example.com:3306/app", { file: "secrets/mysql-url" }],
    queryDescription:
      "Query to run; its rows are the body (default: select 1 as ok). Integers come back as numbers (as text beyond 2^53), DECIMAL as text",
    queryExample:
      "select count(*) as n from jobs where failed and finished_at > now() - interval ? minute",
    paramsError: "expected a list of query parameters, e.g. [60, true]",
    paramsDescription: "Values for the ? placeholders in the query",
    paramsExample: [60],
  });
}

export type MysqlProbeConfig = z.output<ReturnType<typeof mysqlProbeSchema>>;

const isMysqlUrl = (url: string): boolean => isUrlWithHost(url, ["mysql:", "mariadb:"]);

export const probeMysql: Probe<MysqlProbeConfig> = async (spec, ctx) => {
  // Loaded on first use (~25 MB, ~0.1 s): most installations never run a mysql check.
  const { createConnection } = await import("mysql2");
  const startedAt = performance.now();
  const signal = attemptSignal(ctx);
  const secrets = secretsOf(spec.url);
  const target = redactUrl(spec.url);
  let phase = "connect" as "connect" | "query";
  let connection: Connection | undefined;
  let outcome: ProbeOutcome;
  let graceful = true;
  try {
    const conn = createConnection({
      uri: spec.url.replace(/^mariadb:/, "mysql:"),
      connectTimeout: ctx.timeoutMs,
      // Integers as numbers, as text only where a number would not be exact.
      supportBigNumbers: true,
      connectAttributes: { program_name: "unyo-check" },
    });
    connection = conn;
    // Errors also reach the pending query; this keeps a late one from crashing the process.
    conn.on("error", () => {});
    const work = (async () => {
      await new Promise<void>((resolve, reject) => {
        conn.once("connect", () => resolve());
        conn.once("error", reject);
      });
      phase = "query";
      await limitStatementTime(conn, ctx.timeoutMs);
      // No mysql2 `timeout` here: the attempt's signal is the client-side deadline, and
      // mysql2's timer would outlive a connection destroyed at shutdown.
      const [rows] = await conn.promise().query({
        sql: spec.query ?? DEFAULT_QUERY,
        values: spec.params ?? [],
      });
      return rows;
    })();
    const rows = await untilAborted(work, signal);
    outcome = {
      ok: true,
      observation: {
        responseTimeMs: Math.round(performance.now() - startedAt),
        body: rowsOf(rows),
      },
    };
  } catch (error) {
    graceful = false;
    outcome = signal.aborted
      ? abortedOutcome(
          ctx,
          startedAt,
          phase === "connect" ? `no connection to ${target}` : "no result of the query",
        )
      : failure(error, target, ctx, startedAt);
    // A server error leaves the session usable, so it can still say goodbye.
    if (!signal.aborted && isServerError(error) && phase === "query") graceful = true;
  }
  if (connection) await close(connection, graceful);
  return outcome.ok ? outcome : { ...outcome, message: scrub(outcome.message, secrets) };
};

/**
 * Best effort: asks the server to stop the statement after the attempt's timeout too
 * (counted from when the statement starts, so just after the client gave up). MariaDB knows
 * max_statement_time (seconds, any statement), MySQL max_execution_time (ms, SELECT only);
 * a server that knows neither (or a proxy that refuses SET) just relies on the client side.
 */
async function limitStatementTime(conn: Connection, ms: number): Promise<void> {
  const p = conn.promise();
  try {
    await p.query("set session max_statement_time = ?", [ms / 1000]);
  } catch (error) {
    if ((error as QueryError).code !== "ER_UNKNOWN_SYSTEM_VARIABLE") return;
    await p.query("set session max_execution_time = ?", [ms]).catch(() => {});
  }
}

/** The rows as plain objects: the first result set of a CALL, [] for INSERT/UPDATE/…. */
function rowsOf(result: unknown): unknown[] {
  if (!Array.isArray(result)) return [];
  const rows: unknown[] = Array.isArray(result[0]) ? result[0] : result;
  return rows.map((row) => (row !== null && typeof row === "object" ? { ...row } : row));
}

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

/** MariaDB's max_statement_time and MySQL's max_execution_time stopped the statement. */
const STATEMENT_TIMEOUT_ERRNOS = new Set([1969, 3024]);

/** An error the server sent (ER_…), as opposed to a network or client-side one. */
function isServerError(error: unknown): boolean {
  const { code, errno, sqlState } = error as {
    code?: unknown;
    errno?: unknown;
    sqlState?: unknown;
  };
  return (
    typeof errno === "number" &&
    errno > 0 &&
    ((typeof code === "string" && code.startsWith("ER_")) || typeof sqlState === "string")
  );
}

function classify(
  error: unknown,
  target: string,
  ctx: ProbeContext,
): { kind: ErrorKind; message: string } {
  const e = error as { code?: unknown; errno?: unknown; sqlState?: unknown };
  const code = typeof e.code === "string" ? e.code : "";
  const reason = reasonOf(error);
  if (isServerError(error)) {
    // mysql2 names MySQL's codes; MariaDB-only ones (e.g. 1969) have just the number.
    const tag = code === "" ? `error ${String(e.errno)}` : `${code} (${String(e.errno)})`;
    if (AUTH_ERRORS.has(code) || (typeof e.sqlState === "string" && e.sqlState.startsWith("28"))) {
      return { kind: "auth", message: `MySQL refused the login to ${target}: ${reason} [${tag}]` };
    }
    if (code === "ER_BAD_DB_ERROR") {
      return {
        kind: "auth",
        message: `cannot log in to ${target}: ${reason} [${tag}]; check the database name in the URL`,
      };
    }
    if (code === "ER_CON_COUNT_ERROR" || code === "ER_TOO_MANY_USER_CONNECTIONS") {
      return { kind: "connect", message: `cannot connect to ${target}: ${reason} [${tag}]` };
    }
    if (STATEMENT_TIMEOUT_ERRNOS.has(e.errno as number)) {
      return {
        kind: "timeout",
        message: `no result of the query within ${ctx.timeoutMs} ms (the server stopped it: ${tag})`,
      };
    }
    return { kind: "query", message: `query failed with ${tag}: ${reason}` };
  }
  if (code === "ETIMEDOUT") {
    return { kind: "timeout", message: `no connection to ${target} within ${ctx.timeoutMs} ms` };
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return { kind: "dns", message: `cannot resolve the host of ${target}: ${reason}` };
  }
  if (/CERT|SSL|TLS|SELF_SIGNED|HOSTNAME|^EPROTO$/.test(code) || /certificate/i.test(reason)) {
    return { kind: "tls", message: `TLS with ${target} failed: ${reason}` };
  }
  return { kind: "connect", message: `cannot connect to ${target}: ${reason}` };
}

/**
 * Says goodbye when the session is healthy; destroys the socket otherwise. (mysql2's own
 * destroy() only half-closes it, which would wait for a running query to finish.)
 */
async function close(conn: Connection, graceful: boolean): Promise<void> {
  const socket = (conn as unknown as { stream?: Socket }).stream;
  if (!graceful) {
    conn.destroy(); // clears mysql2's connect timer and refuses further commands
    socket?.destroy();
    return;
  }
  const timer = setTimeout(() => socket?.destroy(), CLOSE_GRACE_MS);
  try {
    await conn.promise().end();
  } catch {
    socket?.destroy();
  } finally {
    clearTimeout(timer);
  }
}
