import { type DestinationStream, type Logger, pino } from "pino";

/**
 * Logs are JSON lines in the shape seed 001 §3 prescribes:
 *   {"timestamp":"2024-01-01T12:00:00.000Z","level":"INFO","message":"…","requestId":"req-…",…}
 * with the seed's level names (DEBUG, INFO, WARNING, ERROR, CRITICAL). Secrets are redacted
 * by key wherever they appear and by pattern inside strings (URL passwords, bearer tokens).
 */
export type Log = Logger;
export type LogLevel = "debug" | "info" | "warning" | "error" | "critical";

const PINO_LEVEL: Record<LogLevel, string> = {
  debug: "debug",
  info: "info",
  warning: "warn",
  error: "error",
  critical: "fatal",
};

const SEED_LEVEL: Record<string, string> = {
  trace: "DEBUG",
  debug: "DEBUG",
  info: "INFO",
  warn: "WARNING",
  error: "ERROR",
  fatal: "CRITICAL",
};

const SECRET_KEYS = [
  "password",
  "passwd",
  "secret",
  "token",
  "apiKey",
  "api_key",
  "authorization",
  "cookie",
  "webhook_url",
  "webhookUrl",
  "url_password",
];

// Redaction paths are case-sensitive: cover the capitalised spellings (HTTP headers) too.
const SECRET_KEY_SPELLINGS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => k[0]?.toUpperCase() + k.slice(1)),
];

const REDACT_PATHS = [
  ...SECRET_KEY_SPELLINGS,
  ...SECRET_KEY_SPELLINGS.map((k) => `*.${k}`),
  ...SECRET_KEY_SPELLINGS.map((k) => `*.*.${k}`),
  'headers["set-cookie"]',
  "*.headers.authorization",
  "*.headers.cookie",
];

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go; standard output by default. Tests pass a collecting stream. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Log {
  return pino(
    {
      level: PINO_LEVEL[options.level ?? "info"],
      messageKey: "message",
      errorKey: "error",
      base: undefined,
      timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
      formatters: {
        level: (label) => ({ level: SEED_LEVEL[label] ?? label.toUpperCase() }),
        // Free-text fields (a failure reason, a URL) can carry credentials too.
        log: (fields) => {
          for (const [key, value] of Object.entries(fields)) {
            if (typeof value === "string") fields[key] = redactText(value);
          }
          return fields;
        },
      },
      redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
      serializers: { error: serializeError, err: serializeError },
      hooks: {
        // Scrub secrets that hide inside free text (a connection string in an error message).
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === "string" ? redactText(a) : a)) as Parameters<
              typeof method
            >,
          );
        },
      },
    },
    options.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}

export function setLogLevel(log: Log, level: LogLevel): void {
  log.level = PINO_LEVEL[level];
}

/** Removes passwords from URLs and bearer/basic credentials from any text. */
export function redactText(text: string): string {
  return text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi, "$1[REDACTED]@")
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, "$1 [REDACTED]")
    .replace(/([?&](?:token|key|secret|password|api_key)=)[^&\s]+/gi, "$1[REDACTED]");
}

function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message: redactText(error.message),
    ...(code === undefined ? {} : { code }),
    ...(error.stack ? { stack: redactText(error.stack) } : {}),
  };
}
