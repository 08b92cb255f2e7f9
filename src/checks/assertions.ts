/**
 * The assertion language of checks: `<subject> <operator> <value>`, one per line of `expect`.
 *
 *   status == 200                 status in [200, 204]
 *   body.status == "healthy"      body.items[0].id != null
 *   body contains "ok"            header.content-type matches "json"
 *   response_time < 500ms
 *
 * Parsed once at config load (errors carry the column), evaluated for every result.
 */

export type Operator = "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "contains" | "matches";
export type Literal = string | number | boolean | null | Literal[];

export type Subject =
  | { kind: "status" }
  | { kind: "response_time" }
  | { kind: "body"; path: (string | number)[] }
  | { kind: "header"; name: string };

export interface Assertion {
  source: string;
  subject: Subject;
  operator: Operator;
  value: Literal;
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
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
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
  const value = parseLiteral(p);
  p.skipSpace();
  if (!p.done()) {
    throw new AssertionSyntaxError(`unexpected text "${p.rest()}" at column ${p.pos + 1}`, p.pos);
  }
  const assertion: Assertion = { source, subject, operator, value };
  checkTypes(assertion, valueStart);
  return assertion;
}

function checkTypes(a: Assertion, at: number): void {
  const { operator, value, subject } = a;
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
  if (subject.kind === "response_time" && typeof value !== "number") {
    throw new AssertionSyntaxError("response_time is compared with a duration such as 500ms", at);
  }
}

function parseSubject(p: Cursor): Subject {
  const start = p.pos;
  const word = p.match(/^[A-Za-z_][A-Za-z0-9_]*/);
  if (word === "status") return { kind: "status" };
  if (word === "response_time") return { kind: "response_time" };
  if (word === "header" && p.peek() === ".") {
    p.pos++;
    const name = p.match(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+/);
    if (!name) throw new AssertionSyntaxError("expected a header name after `header.`", p.pos);
    return { kind: "header", name: name.toLowerCase() };
  }
  if (word === "body") {
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
    return { kind: "body", path };
  }
  throw new AssertionSyntaxError(
    `unknown subject "${word ?? p.rest()}" at column ${start + 1}: expected status, response_time, body, body.<path> or header.<name>`,
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
    const unit = p.match(/^(ms|s|m|h)\b/);
    return unit ? Number(number) * (DURATION_UNITS[unit] ?? 1) : Number(number);
  }
  const start = p.pos;
  const word = p.match(/^[A-Za-z]+/);
  if (word === "true") return true;
  if (word === "false") return false;
  if (word === "null") return null;
  // Point at the start of the bad value, not past the word just read.
  throw new AssertionSyntaxError(
    `expected a value (number, duration, "string", true, false, null or [list]) at column ${start + 1}`,
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
