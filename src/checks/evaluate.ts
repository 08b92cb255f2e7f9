import type { Assertion, Literal } from "./assertions.ts";

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
 * | postgres, mysql | the rows of the query, as objects (or [] without a query) |          |
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
  const { subject, operator, value } = assertion;
  let actual: unknown;
  let label: string;
  switch (subject.kind) {
    case "status":
      actual = obs.status;
      label = "status";
      break;
    case "response_time":
      actual = obs.responseTimeMs;
      label = "response_time";
      break;
    case "header":
      actual = obs.headers?.[subject.name];
      label = `header.${subject.name}`;
      break;
    case "body":
      actual = dig(obs.body, subject.path);
      label = `body${subject.path.map((k) => (typeof k === "number" ? `[${k}]` : `.${k}`)).join("")}`;
      break;
  }
  if (holds(operator, actual, value, assertion.pattern)) return undefined;
  const unit = subject.kind === "response_time" ? "ms" : "";
  const expected = `${operator === "==" ? "" : `${operator} `}${show(value)}${unit}`;
  return {
    assertion: assertion.source,
    message: `${label}: expected ${expected}, got ${show(actual)}${unit && typeof actual === "number" ? unit : ""}`,
  };
}

function holds(op: string, actual: unknown, expected: Literal, pattern?: RegExp): boolean {
  switch (op) {
    case "==":
      return equal(actual, expected);
    case "!=":
      return !equal(actual, expected);
    case "<":
      return typeof actual === "number" && actual < (expected as number);
    case "<=":
      return typeof actual === "number" && actual <= (expected as number);
    case ">":
      return typeof actual === "number" && actual > (expected as number);
    case ">=":
      return typeof actual === "number" && actual >= (expected as number);
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

function equal(actual: unknown, expected: Literal): boolean {
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((e, i) => equal(actual[i], e))
    );
  }
  if (actual === undefined) return expected === null;
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
