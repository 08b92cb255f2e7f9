/**
 * The assertion language of checks: `<subject> <operator> <value>`, one per line of `expect`.
 *
 *   status == 200                 status in [200, 204]
 *   body.status == "healthy"      body.items[0].id != null
 *   body contains "ok"            header.content-type matches "json"
 *   response_time < 500ms         cert_expires_in > 30d
 *   exit_code == 0                json.RunningCount == json.DesiredCount
 *   rows[0].n == 0                reply == "PONG"          answers contains "192.0.2.10"
 *
 * `json`, `rows`, `reply`, `answers` and `result` are other names for `body` that read
 * better for commands, queries, redis and DNS. The value on the right may be another
 * subject, so two fields of one answer can be compared.
 *
 * Parsed once at config load (errors carry the column), evaluated for every result.
 */

export type Operator = "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "contains" | "matches";
export type Literal = string | number | boolean | null | Literal[];

/** Names that all mean "the probe's main answer" (Observation.body). */
export const BODY_ROOTS = ["body", "json", "rows", "reply", "answers", "result"] as const;
export type BodyRoot = (typeof BODY_ROOTS)[number];

export type Subject =
  | { kind: "status" }
  | { kind: "response_time" }
  | { kind: "cert_expires_in" }
  | { kind: "exit_code" }
  | { kind: "stdout" }
  | { kind: "stderr" }
  | { kind: "body"; root: BodyRoot; path: (string | number)[] }
  | { kind: "header"; name: string };

export interface Assertion {
  source: string;
  subject: Subject;
  operator: Operator;
  /** The literal compared with; null when `ref` is set. */
  value: Literal;
  /** Another subject to compare with: `json.RunningCount == json.DesiredCount`. */
  ref?: Subject;
  /** For `matches`: compiled once. */
  pattern?: RegExp;
}

export class AssertionSyntaxError extends Error {
  /** 0-based offset into the assertion text. */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

const OPERATORS: Operator[] = ["==", "!=", "<=", ">=", "<", ">", "in", "contains", "matches"];
const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
/** Subjects measured in milliseconds: compared with durations such as 500ms or 30d. */
export const DURATION_SUBJECTS: ReadonlySet<Subject["kind"]> = new Set([
  "response_time",
  "cert_expires_in",
]);
const EXPECTED_FORM =
  'expected `<subject> <operator> <value>`, e.g. `status == 200`, `body.status == "healthy"`, `response_time < 500ms`';

export function parseAssertion(source: string): Assertion {
  const p = new Cursor(source);
  p.skipSpace();
  const subject = parseSubject(p);
  p.skipSpace();
  const operator = OPERATORS.find((op) => p.rest().startsWith(op));
  if (!operator) {
    throw new AssertionSyntaxError(
      `expected an operator (${OPERATORS.join(", ")}) at column ${p.pos + 1}; ${EXPECTED_FORM}`,
      p.pos,
    );
  }
  p.pos += operator.length;
  p.skipSpace();
  const valueStart = p.pos;
  const ref = startsSubject(p) ? parseSubject(p) : undefined;
  const value = ref ? null : parseLiteral(p);
  p.skipSpace();
  if (!p.done()) {
    throw new AssertionSyntaxError(`unexpected text "${p.rest()}" at column ${p.pos + 1}`, p.pos);
  }
  const assertion: Assertion = { source, subject, operator, value, ...(ref ? { ref } : {}) };
  checkTypes(assertion, valueStart);
  if (subject.kind === "cert_expires_in" && /^-?\d+(\.\d+)?\s*$/.test(source.slice(valueStart))) {
    // A bare number would be milliseconds; "30" almost certainly meant days.
    throw new AssertionSyntaxError(
      "cert_expires_in is compared with a duration such as 30d",
      valueStart,
    );
  }
  return assertion;
}

const SUBJECT_WORDS: ReadonlySet<string> = new Set([
  "status",
  "response_time",
  "cert_expires_in",
  "exit_code",
  "stdout",
  "stderr",
  "header",
  ...BODY_ROOTS,
]);

/** Whether the value position holds a subject rather than a literal. */
function startsSubject(p: Cursor): boolean {
  const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(p.rest())?.[0];
  return word !== undefined && SUBJECT_WORDS.has(word);
}

function checkTypes(a: Assertion, at: number): void {
  const { operator, value, subject } = a;
  if (a.ref) {
    if (operator === "in" || operator === "matches" || operator === "contains") {
      throw new AssertionSyntaxError(
        `\`${operator}\` needs a literal value, not another subject`,
        at,
      );
    }
    return;
  }
  if (operator === "in" && !Array.isArray(value)) {
    throw new AssertionSyntaxError("`in` needs a list, e.g. `status in [200, 204]`", at);
  }
  if (["<", "<=", ">", ">="].includes(operator) && typeof value !== "number") {
    throw new AssertionSyntaxError(
      `\`${operator}\` needs a number or a duration such as 500ms`,
      at,
    );
  }
  if (operator === "matches") {
    if (typeof value !== "string") {
      throw new AssertionSyntaxError(
        '`matches` needs a quoted regular expression, e.g. "json"',
        at,
      );
    }
    try {
      a.pattern = new RegExp(value);
    } catch (error) {
      throw new AssertionSyntaxError(`invalid regular expression: ${(error as Error).message}`, at);
    }
  }
  if (DURATION_SUBJECTS.has(subject.kind) && typeof value !== "number") {
    throw new AssertionSyntaxError(
      `${subject.kind} is compared with a duration such as ${subject.kind === "response_time" ? "500ms" : "30d"}`,
      at,
    );
  }
}

function parseSubject(p: Cursor): Subject {
  const start = p.pos;
  const word = p.match(/^[A-Za-z_][A-Za-z0-9_]*/);
  if (
    word === "status" ||
    word === "response_time" ||
    word === "cert_expires_in" ||
    word === "exit_code" ||
    word === "stdout" ||
    word === "stderr"
  ) {
    return { kind: word };
  }
  if (word === "header" && p.peek() === ".") {
    p.pos++;
    const name = p.match(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+/);
    if (!name) throw new AssertionSyntaxError("expected a header name after `header.`", p.pos);
    return { kind: "header", name: name.toLowerCase() };
  }
  if ((BODY_ROOTS as readonly string[]).includes(word ?? "")) {
    const path: (string | number)[] = [];
    for (;;) {
      if (p.peek() === ".") {
        p.pos++;
        const key = p.match(/^[A-Za-z0-9_$@-]+/);
        if (!key) throw new AssertionSyntaxError("expected a field name after `.`", p.pos);
        path.push(key);
      } else if (p.peek() === "[") {
        p.pos++;
        const index = p.match(/^\d+/);
        if (!index || p.peek() !== "]") {
          throw new AssertionSyntaxError("expected an index like [0]", p.pos);
        }
        p.pos++;
        path.push(Number(index));
      } else break;
    }
    return { kind: "body", root: word as BodyRoot, path };
  }
  throw new AssertionSyntaxError(
    `unknown subject "${word ?? p.rest()}" at column ${start + 1}: expected status, response_time, header.<name>, body[.<path>] (or json, rows, reply, answers, result), cert_expires_in, exit_code, stdout or stderr`,
    start,
  );
}

function parseLiteral(p: Cursor): Literal {
  const c = p.peek();
  if (c === "[") {
    p.pos++;
    const items: Literal[] = [];
    p.skipSpace();
    if (p.peek() === "]") {
      p.pos++;
      return items;
    }
    for (;;) {
      p.skipSpace();
      items.push(parseLiteral(p));
      p.skipSpace();
      if (p.peek() === ",") p.pos++;
      else if (p.peek() === "]") {
        p.pos++;
        return items;
      } else throw new AssertionSyntaxError("expected `,` or `]` in list", p.pos);
    }
  }
  if (c === '"' || c === "'") return parseString(p, c);
  const number = p.match(/^-?\d+(\.\d+)?/);
  if (number !== undefined) {
    const unit = p.match(/^(ms|s|m|h|d|w)\b/);
    return unit ? Number(number) * (DURATION_UNITS[unit] ?? 1) : Number(number);
  }
  const start = p.pos;
  const word = p.match(/^[A-Za-z]+/);
  if (word === "true") return true;
  if (word === "false") return false;
  if (word === "null") return null;
  // Point at the start of the bad value, not past the word just read.
  throw new AssertionSyntaxError(
    `expected a value (number, duration, "string", true, false, null or [list]) or a subject at column ${start + 1}${word ? `; text must be quoted: "${word}"` : ""}`,
    start,
  );
}

function parseString(p: Cursor, quote: string): string {
  const start = p.pos;
  p.pos++;
  let out = "";
  while (!p.done()) {
    const ch = p.source[p.pos++];
    if (ch === quote) return out;
    if (ch === "\\" && !p.done()) out += p.source[p.pos++];
    else out += ch;
  }
  throw new AssertionSyntaxError(`unterminated string starting at column ${start + 1}`, start);
}

class Cursor {
  readonly source: string;
  pos = 0;
  constructor(source: string) {
    this.source = source;
  }
  done(): boolean {
    return this.pos >= this.source.length;
  }
  peek(): string | undefined {
    return this.source[this.pos];
  }
  rest(): string {
    return this.source.slice(this.pos);
  }
  skipSpace(): void {
    while (this.peek() === " " || this.peek() === "\t") this.pos++;
  }
  match(re: RegExp): string | undefined {
    const m = re.exec(this.rest());
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }
}
