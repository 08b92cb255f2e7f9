import { formatDuration } from "../core/duration.ts";
import { type Assertion, DURATION_SUBJECTS, type Literal, type Subject } from "./assertions.ts";

/**
 * What a probe observed, in the shape assertions look at. Every probe fills
 * `responseTimeMs` and `body` (its main answer); the rest where it has them.
 *
 * | probe     | body                                                     | also            |
 * | --------- | -------------------------------------------------------- | --------------- |
 * | http      | parsed JSON, or the text                                 | status, headers, certExpiresInMs (https) |
 * | tcp       | the banner text read, if `read_banner`, else ""          |                 |
 * | tls       | { subject, issuer, valid_from, valid_to, san, authorized, authorization_error, protocol } | certExpiresInMs |
 * | dns       | the answers, as strings (A/AAAA/CNAME/NS/PTR/TXT) or objects (MX/SRV/CAA/SOA) | |
 * | postgres, mysql | the rows of the query, as objects ([{ ok: 1 }] without one) |           |
 * | redis     | the command's reply (PONG without a command)             |                 |
 * | command   | stdout parsed as JSON when it is JSON, otherwise the text | exitCode, stdout, stderr |
 */
export interface Observation {
  responseTimeMs: number;
  body?: unknown;
  status?: number;
  headers?: Record<string, string>;
  /** Milliseconds until the leaf certificate expires (negative when expired). */
  certExpiresInMs?: number;
  exitCode?: number;
  stdout?: string;
  stderr?: string;
}

export interface AssertionFailure {
  assertion: string;
  /** e.g. `body.database: expected "connected", got "disconnected"` */
  message: string;
}

export function evaluate(assertion: Assertion, obs: Observation): AssertionFailure | undefined {
  const { subject, operator } = assertion;
  const actual = observe(subject, obs);
  const expected: unknown = assertion.ref ? observe(assertion.ref, obs) : assertion.value;
  // Two missing fields are not "equal": comparing subjects needs both to be there.
  const missingRef =
    assertion.ref !== undefined && (actual === undefined || expected === undefined);
  if (!missingRef && holds(operator, actual, expected, assertion.pattern)) return undefined;
  const isDuration = DURATION_SUBJECTS.has(subject.kind);
  const shown = (v: unknown) => (isDuration && typeof v === "number" ? formatMs(v) : show(v));
  const op = operator === "==" ? "" : `${operator} `;
  const want = assertion.ref ? `${labelOf(assertion.ref)} (${shown(expected)})` : shown(expected);
  return {
    assertion: assertion.source,
    message: `${labelOf(subject)}: expected ${op}${want}, got ${shown(actual)}`,
  };
}

/** The value a subject names in an observation (undefined when the probe has none). */
export function observe(subject: Subject, obs: Observation): unknown {
  switch (subject.kind) {
    case "status":
      return obs.status;
    case "response_time":
      return obs.responseTimeMs;
    case "cert_expires_in":
      return obs.certExpiresInMs;
    case "exit_code":
      return obs.exitCode;
    case "stdout":
      return obs.stdout;
    case "stderr":
      return obs.stderr;
    case "header":
      return obs.headers?.[subject.name];
    case "body":
      return dig(obs.body, subject.path);
  }
}

export function labelOf(subject: Subject): string {
  if (subject.kind === "header") return `header.${subject.name}`;
  if (subject.kind !== "body") return subject.kind;
  return `${subject.root}${subject.path.map((k) => (typeof k === "number" ? `[${k}]` : `.${k}`)).join("")}`;
}

/** A subject's value for people: durations with their unit. */
export function showValue(subject: Subject, value: unknown): string {
  return DURATION_SUBJECTS.has(subject.kind) && typeof value === "number"
    ? formatMs(value)
    : show(value);
}

/** 450 → "450ms", 2_592_000_000 → "30d", negative → "-2d 3h". */
function formatMs(ms: number): string {
  if (Math.abs(ms) < 1000) return `${Math.round(ms)}ms`;
  // Whole hours for days-long spans (certificates), whole seconds otherwise.
  const step = Math.abs(ms) >= 86_400_000 ? 3_600_000 : 1000;
  return formatDuration(Math.round(ms / step) * step);
}

function holds(op: string, actual: unknown, expected: unknown, pattern?: RegExp): boolean {
  switch (op) {
    case "==":
      return equal(actual, expected);
    case "!=":
      return !equal(actual, expected);
    case "<":
      return typeof actual === "number" && typeof expected === "number" && actual < expected;
    case "<=":
      return typeof actual === "number" && typeof expected === "number" && actual <= expected;
    case ">":
      return typeof actual === "number" && typeof expected === "number" && actual > expected;
    case ">=":
      return typeof actual === "number" && typeof expected === "number" && actual >= expected;
    case "in":
      return (expected as Literal[]).some((item) => equal(actual, item));
    case "contains":
      if (typeof actual === "string") return actual.includes(String(expected));
      if (Array.isArray(actual)) return actual.some((item) => equal(item, expected));
      if (actual !== null && typeof actual === "object") {
        return JSON.stringify(actual).includes(String(expected));
      }
      return false;
    case "matches":
      return typeof actual === "string" && (pattern?.test(actual) ?? false);
    default:
      return false;
  }
}

function equal(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((e, i) => equal(actual[i], e))
    );
  }
  if (actual === undefined) return expected === null || expected === undefined;
  return actual === expected;
}

function dig(value: unknown, path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") {
    return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
  }
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
