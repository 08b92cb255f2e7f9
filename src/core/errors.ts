/**
 * The one error catalogue. Every error Unyo reports to a person or a program carries a
 * stable code from this table; the HTTP status and the CLI exit code are decided here
 * and nowhere else, so the API, the CLI and the logs always agree.
 */

export const EXIT = {
  ok: 0,
  /** The thing checked is not fine: invalid config, failed check. */
  failure: 1,
  /** The command line itself is wrong: unknown flag, missing argument. */
  usage: 2,
  /** A dependency Unyo needs is not available: database, port, file. */
  unavailable: 3,
  /** A bug or an unexpected condition. */
  internal: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

interface CatalogueEntry {
  readonly http: number;
  readonly exit: ExitCode;
  readonly title: string;
}

export const ERROR_CATALOGUE = {
  UNYO_E_CONFIG_INVALID: { http: 422, exit: EXIT.failure, title: "The configuration is invalid" },
  UNYO_E_CONFIG_NOT_FOUND: {
    http: 404,
    exit: EXIT.unavailable,
    title: "The configuration file was not found",
  },
  UNYO_E_USAGE: { http: 400, exit: EXIT.usage, title: "The command line is invalid" },
  UNYO_E_VALIDATION: { http: 400, exit: EXIT.usage, title: "The request is invalid" },
  UNYO_E_UNAUTHENTICATED: {
    http: 401,
    exit: EXIT.failure,
    title: "Log in or send an API token first",
  },
  UNYO_E_LOGIN_FAILED: {
    http: 401,
    exit: EXIT.failure,
    title: "The log-in failed",
  },
  UNYO_E_MFA_REQUIRED: {
    http: 401,
    exit: EXIT.failure,
    title: "A two-factor code is needed",
  },
  UNYO_E_FORBIDDEN: { http: 403, exit: EXIT.failure, title: "Your role does not allow this" },
  UNYO_E_CSRF: { http: 403, exit: EXIT.failure, title: "The CSRF token is missing or wrong" },
  UNYO_E_MFA_ENROLMENT_REQUIRED: {
    http: 403,
    exit: EXIT.failure,
    title: "Your role requires two-factor authentication; enrol first",
  },
  UNYO_E_PASSWORD_EXPIRED: {
    http: 403,
    exit: EXIT.failure,
    title: "Your password has expired; change it first",
  },
  UNYO_E_CONFLICT: {
    http: 409,
    exit: EXIT.failure,
    title: "The request conflicts with the current state",
  },
  UNYO_E_NOT_FOUND: { http: 404, exit: EXIT.failure, title: "Not found" },
  UNYO_E_ROUTE_NOT_FOUND: { http: 404, exit: EXIT.failure, title: "No such route" },
  UNYO_E_PAYLOAD_TOO_LARGE: { http: 413, exit: EXIT.usage, title: "The request body is too large" },
  UNYO_E_UNSUPPORTED_MEDIA_TYPE: {
    http: 415,
    exit: EXIT.usage,
    title: "The request body has an unsupported content type",
  },
  UNYO_E_STORE_UNAVAILABLE: {
    http: 503,
    exit: EXIT.unavailable,
    title: "The database is unreachable",
  },
  UNYO_E_STORE_SCHEMA_TOO_NEW: {
    http: 503,
    exit: EXIT.unavailable,
    title: "The database schema is newer than this version of Unyo",
  },
  UNYO_E_STORE_MIGRATION_FAILED: {
    http: 503,
    exit: EXIT.unavailable,
    title: "A database migration failed",
  },
  UNYO_E_PORT_IN_USE: { http: 500, exit: EXIT.unavailable, title: "The port is already in use" },
  UNYO_E_LISTEN_FAILED: { http: 500, exit: EXIT.unavailable, title: "The server could not listen" },
  UNYO_E_EXPR_INVALID: {
    http: 400,
    exit: EXIT.usage,
    title: "The expression is invalid",
  },
  UNYO_E_QUERY_FAILED: {
    http: 422,
    exit: EXIT.failure,
    title: "The query could not be evaluated",
  },
  UNYO_E_REMOTE_UNAVAILABLE: {
    http: 502,
    exit: EXIT.unavailable,
    title: "The remote metrics back-end failed",
  },
  UNYO_E_SCHEDULE_INVALID: { http: 400, exit: EXIT.usage, title: "The schedule is invalid" },
  UNYO_E_CALENDAR_UNKNOWN: { http: 400, exit: EXIT.usage, title: "No such calendar" },
  UNYO_E_SHUTTING_DOWN: { http: 503, exit: EXIT.unavailable, title: "Unyo is shutting down" },
  UNYO_E_INTERNAL: { http: 500, exit: EXIT.internal, title: "Internal error" },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface UnyoErrorOptions {
  /** Machine-readable details (config problems, the offending value, ...). Must hold no secrets. */
  details?: unknown;
  /** What the person should do next, in one sentence. */
  hint?: string;
  cause?: unknown;
}

/** An error a person is meant to read: a stable code, a one-paragraph message, a hint. */
export class UnyoError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: UnyoErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "UnyoError";
    this.code = code;
    this.details = options.details;
    this.hint = options.hint;
  }

  get httpStatus(): number {
    return ERROR_CATALOGUE[this.code].http;
  }

  get exitCode(): ExitCode {
    return ERROR_CATALOGUE[this.code].exit;
  }

  /** The JSON body the API answers with. */
  toJSON(): { error: { code: ErrorCode; message: string; hint?: string; details?: unknown } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.hint ? { hint: this.hint } : {}),
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

export function isUnyoError(value: unknown): value is UnyoError {
  return value instanceof UnyoError;
}
