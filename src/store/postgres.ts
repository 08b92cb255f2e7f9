/**
 * The PostgreSQL side of the store: URL handling that never leaks the password, a pool
 * configured for Unyo, and a first connection whose failure a person can act on.
 */
import { Pool, types } from "pg";
import { UnyoError } from "../core/errors.ts";

/** How long opening a connection may take before we call the server unreachable. */
const CONNECT_TIMEOUT_MS = 5000;
const DEFAULT_POOL_SIZE = 10;
const INT8_OID = 20;

export interface PoolLog {
  warn(obj: object, msg: string): void;
}

/** The URL with any password (user-info or `?password=`) replaced by `***`. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // We cannot tell where a password would be in text we cannot parse, so show nothing.
    return "(unparseable database URL)";
  }
  if (parsed.password !== "") parsed.password = "***";
  if (parsed.searchParams.has("password")) parsed.searchParams.set("password", "***");
  return parsed.href;
}

/** `host:port/database` for messages and logs; never includes credentials. */
export function describePostgresUrl(url: URL): string {
  const host = url.hostname || url.searchParams.get("host") || "localhost";
  const port = url.port || url.searchParams.get("port") || "5432";
  const database = decodeURIComponent(url.pathname.slice(1)) || "(default database)";
  return `${host}:${port}/${database}`;
}

/** Parses a PostgreSQL URL, refusing anything else without echoing the (secret) text. */
export function parsePostgresUrl(url: string): URL {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || !["postgres:", "postgresql:"].includes(parsed.protocol)) {
    throw new UnyoError(
      "UNYO_E_CONFIG_INVALID",
      "The PostgreSQL URL is not a valid postgres:// URL.",
      {
        hint: "Use the form postgres://user:password@host:5432/database in storage.postgres.url or UNYO_DATABASE_URL.",
      },
    );
  }
  return parsed;
}

/**
 * A pool whose int8 columns come back as JS numbers. Times (ms since epoch), ids and
 * counts are all far below 2^53, so this is exact; it is set per pool rather than on pg's
 * global `types` so other pg users in the process (checks probing a customer database)
 * keep pg's defaults.
 */
export function createPool(url: string, poolSize: number | undefined, log?: PoolLog): Pool {
  const pool = new Pool({
    connectionString: url,
    max: poolSize ?? DEFAULT_POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
    application_name: "unyo",
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8_OID ? Number : types.getTypeParser(oid, format)) as typeof types.getTypeParser,
    },
  });
  // An idle client losing its connection (server restart, network blip) emits 'error' on
  // the pool; unhandled, that would crash the process. The pool discards the client and
  // the next query reconnects, so a warning is all it deserves.
  const secret = passwordOf(url);
  pool.on("error", (error) => {
    log?.warn(
      { code: (error as { code?: unknown }).code, reason: scrub(error.message, secret) },
      "an idle PostgreSQL connection failed; it will be replaced",
    );
  });
  return pool;
}

/** Opens and releases one connection so a bad URL or a down server fails at startup. */
export async function checkConnection(pool: Pool, url: URL): Promise<void> {
  try {
    const client = await pool.connect();
    try {
      await client.query("select 1");
    } finally {
      client.release();
    }
  } catch (error) {
    throw unavailable(error, url);
  }
}

function unavailable(error: unknown, url: URL): UnyoError {
  const where = describePostgresUrl(url);
  const code = (error as { code?: unknown }).code;
  const reason = scrub(reasonOf(error), passwordOf(url.href));
  return new UnyoError(
    "UNYO_E_STORE_UNAVAILABLE",
    `Cannot connect to PostgreSQL at ${where}: ${reason}`,
    {
      hint: hintFor(code, where),
      details: { database: where, code: typeof code === "string" ? code : null },
      // The pg/net error holds host, port and a message, never the connection string.
      cause: error,
    },
  );
}

function hintFor(code: unknown, where: string): string {
  switch (code) {
    case "28P01":
    case "28000":
      return "Check the user name and password in storage.postgres.url (or UNYO_DATABASE_URL).";
    case "3D000":
      return `Create the database (e.g. createdb) or fix the database name in storage.postgres.url (or UNYO_DATABASE_URL); tried ${where}.`;
    default:
      return `Check that the PostgreSQL server is running and reachable at ${where}, and that storage.postgres.url (or UNYO_DATABASE_URL) points at it.`;
  }
}

/** Node reports "localhost" failures as an AggregateError with an empty message. */
function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.message === "") {
    return error.errors
      .map((e: unknown) => (e instanceof Error ? e.message : String(e)))
      .join("; ");
  }
  return error instanceof Error ? error.message : String(error);
}

function passwordOf(url: string): string[] {
  try {
    const parsed = new URL(url);
    const raw = [parsed.password, parsed.searchParams.get("password") ?? ""];
    return raw.flatMap((p) => (p === "" ? [] : [p, safeDecode(p)]));
  } catch {
    return [];
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Belt and braces: no driver message we pass on may contain the password. */
function scrub(text: string, secrets: readonly string[]): string {
  return secrets.reduce((out, secret) => out.replaceAll(secret, "***"), text);
}
