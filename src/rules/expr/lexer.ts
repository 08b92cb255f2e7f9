/**
 * Tokens of rule expressions (docs/expressions.md), and the error every stage of parsing
 * throws. Hand-written: one pass, each token with its offsets, so errors can point at them.
 */
import { DurationError, parseDuration } from "../../core/duration.ts";

export type TokenType = "ident" | "number" | "duration" | "string" | "op" | "punct" | "eof";

export interface Token {
  type: TokenType;
  /** The source text of the token ("" at the end). */
  text: string;
  /** Numbers: the value. Durations: milliseconds. */
  value?: number;
  /** Strings: the text between the quotes, escapes resolved. */
  str?: string;
  start: number;
  end: number;
}

/**
 * A syntax or type error in an expression. `offset` is 0-based into the text; `line` and
 * `column` are 1-based (columns count characters). The message says where, and what would
 * have been valid there.
 */
export class ExprSyntaxError extends Error {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  /** What would have been valid at `offset`, when the parser knows: `")"`, `a label name`. */
  readonly expected?: string[];
  constructor(text: string, offset: number, what: string, expected?: string[], hint?: string) {
    const { line, column } = position(text, offset);
    const where = line === 1 ? `column ${column}` : `line ${line}, column ${column}`;
    const parts = [expected ? `expected ${orList(expected)}` : "", hint ?? ""].filter(Boolean);
    super(`${what} at ${where}${parts.length > 0 ? `: ${parts.join("; ")}` : ""}`);
    this.name = "ExprSyntaxError";
    this.offset = offset;
    this.line = line;
    this.column = column;
    if (expected) this.expected = expected;
  }
}

/**
 * The message, the line of `text` it is about and a caret under the position, for the CLI
 * and config errors:
 *
 *     unexpected "]" at column 17: expected a duration such as 5m or 1h30m
 *       avg(cpu_percent[])
 *                       ^
 */
export function showExprError(text: string, error: ExprSyntaxError): string {
  const lineText = text.split("\n")[error.line - 1] ?? "";
  const pad = [...lineText].slice(0, error.column - 1).map((ch) => (ch === "\t" ? "\t" : " "));
  return `${error.message}\n  ${lineText}\n  ${pad.join("")}^`;
}

/** 1-based line and column of `offset`; columns count code points, not UTF-16 units. */
export function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf("\n") + 1;
  let line = 1;
  for (const ch of before) if (ch === "\n") line++;
  return { line, column: [...before.slice(lineStart)].length + 1 };
}

/** `a`, `a or b`, `a, b or c`. */
export function orList(items: string[]): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

/** Longest first, so `>=` is not read as `>` and `=`. */
const OPERATORS = ["==", "!=", "=~", "!~", ">=", "<=", "=", ">", "<", "+", "-", "*", "/"];
const PUNCTUATION = new Set(["(", ")", "{", "}", "[", "]", ","]);
const IDENT = /[A-Za-z_:][A-Za-z0-9_:]*/y;
const DURATION = /(?:\d+(?:ms|[wdhms]))+/y;
const NUMBER = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
/** What may not directly follow a number or duration: `5x`, `1.5h`, `3d2`. */
const WORD_CHAR = /[A-Za-z0-9_.:]/;
const ESCAPES: Readonly<Record<string, string>> = {
  n: "\n",
  t: "\t",
  r: "\r",
  b: "\b",
  f: "\f",
  "0": "\0",
  "\\": "\\",
  '"': '"',
  "'": "'",
  "`": "`",
};

export const DURATION_HINT = "a duration such as 5m or 1h30m";

/** All tokens of `text`, ending with one `eof` token. Throws ExprSyntaxError. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  const sticky = (re: RegExp): string | undefined => {
    re.lastIndex = pos;
    return re.exec(text)?.[0];
  };
  while (pos < text.length) {
    const ch = text[pos] as string;
    if (/\s/.test(ch)) {
      pos++;
      continue;
    }
    if (ch === "#") {
      // A comment runs to the end of the line.
      while (pos < text.length && text[pos] !== "\n") pos++;
      continue;
    }
    const start = pos;
    const word = sticky(IDENT);
    if (word !== undefined) {
      pos += word.length;
      tokens.push({ type: "ident", text: word, start, end: pos });
      continue;
    }
    if (/[0-9]/.test(ch) || (ch === "." && /[0-9]/.test(text[pos + 1] ?? ""))) {
      tokens.push(readNumber(text, start, sticky(DURATION), sticky(NUMBER)));
      pos = (tokens.at(-1) as Token).end;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === "`") {
      const token = readString(text, start);
      tokens.push(token);
      pos = token.end;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, pos));
    if (op !== undefined || PUNCTUATION.has(ch)) {
      const sym = op ?? ch;
      pos += sym.length;
      tokens.push({ type: op ? "op" : "punct", text: sym, start, end: pos });
      continue;
    }
    const shown = String.fromCodePoint(text.codePointAt(pos) as number);
    throw new ExprSyntaxError(text, pos, `unexpected character ${JSON.stringify(shown)}`, [
      "a metric name, a number, an operator or a parenthesis",
    ]);
  }
  tokens.push({ type: "eof", text: "", start: text.length, end: text.length });
  return tokens;
}

function readNumber(
  text: string,
  start: number,
  duration: string | undefined,
  number: string | undefined,
): Token {
  const badLiteral = (end: number): never => {
    let stop = end;
    while (stop < text.length && WORD_CHAR.test(text[stop] as string)) stop++;
    const literal = text.slice(start, stop);
    throw new ExprSyntaxError(text, start, `bad number or duration ${JSON.stringify(literal)}`, [
      `a number such as 0.05 or 1e3, or ${DURATION_HINT} (whole numbers, largest unit first)`,
    ]);
  };
  const followed = (len: number) => WORD_CHAR.test(text[start + len] ?? "");
  if (duration !== undefined && !followed(duration.length)) {
    try {
      const ms = parseDuration(duration);
      const end = start + duration.length;
      return { type: "duration", text: duration, value: ms, start, end };
    } catch (error) {
      if (!(error instanceof DurationError)) throw error;
      return badLiteral(start + duration.length);
    }
  }
  if (number === undefined || followed(number.length)) return badLiteral(start + 1);
  const end = start + number.length;
  return { type: "number", text: number, value: Number(number), start, end };
}

function readString(text: string, start: number): Token {
  const quote = text[start] as string;
  let pos = start + 1;
  let out = "";
  while (pos < text.length) {
    const ch = text[pos] as string;
    if (ch === quote) {
      return { type: "string", text: text.slice(start, pos + 1), str: out, start, end: pos + 1 };
    }
    if (ch === "\n" && quote !== "`") {
      const hint = "a quoted string ends on its line; `raw strings` in backquotes may span lines";
      throw new ExprSyntaxError(text, start, "unclosed string", [`the closing ${quote}`], hint);
    }
    if (ch === "\\" && quote !== "`") {
      const next = text[pos + 1] ?? "";
      const hex = /^[0-9a-fA-F]{4}$/.exec(text.slice(pos + 2, pos + 6))?.[0];
      if (next === "u" && hex !== undefined) {
        out += String.fromCharCode(Number.parseInt(hex, 16));
        pos += 6;
        continue;
      }
      const escaped = ESCAPES[next];
      if (escaped === undefined) {
        throw new ExprSyntaxError(text, pos, `unknown escape "\\${next}" in a string`, [
          "\\\\, \\\", \\', \\n, \\t or \\uXXXX",
        ]);
      }
      out += escaped;
      pos += 2;
      continue;
    }
    out += ch;
    pos++;
  }
  throw new ExprSyntaxError(text, start, "unclosed string", [`the closing ${quote}`]);
}

const MAX_DEPTH = 256;

/** A cursor over the tokens of one text, with the error helpers the parser uses. */
export class TokenStream {
  readonly text: string;
  readonly tokens: Token[];
  private i = 0;
  private depth = 0;

  constructor(text: string) {
    this.text = text;
    this.tokens = tokenize(text);
  }

  peek(ahead = 0): Token {
    return this.tokens[Math.min(this.i + ahead, this.tokens.length - 1)] as Token;
  }

  next(): Token {
    const token = this.peek();
    if (token.type !== "eof") this.i++;
    return token;
  }

  /** The token `next` returned last. */
  previous(): Token {
    return this.tokens[Math.max(this.i - 1, 0)] as Token;
  }

  /** Whether the token `ahead` is the operator, punctuation or word `text`. */
  is(text: string, ahead = 0): boolean {
    const token = this.peek(ahead);
    return token.type !== "string" && token.type !== "eof" && token.text === text;
  }

  fail(at: number, what: string, hint?: string, expected?: string[]): never {
    throw new ExprSyntaxError(this.text, at, what, expected, hint);
  }

  unexpected(expected: string[], hint?: string): never {
    const token = this.peek();
    return this.fail(token.start, `unexpected ${describe(token)}`, hint, expected);
  }

  /** One level deeper into parentheses, calls or operators; refused past MAX_DEPTH rather
   * than overflowing the stack. */
  enter(): void {
    if (++this.depth <= MAX_DEPTH) return;
    const hint = `at most ${MAX_DEPTH} levels of parentheses, calls and operators`;
    this.fail(this.peek().start, "expression nested too deeply", hint);
  }

  leave(levels = 1): void {
    this.depth -= levels;
  }

  /** Consumes the `close` of `open`; at the end of the text, says which bracket is unclosed. */
  close(close: string, open: Token, expected: string[]): Token {
    if (this.is(close)) return this.next();
    const what = `unclosed "${open.text}"`;
    if (this.peek().type === "eof") this.fail(open.start, what, undefined, [`"${close}"`]);
    return this.unexpected(expected);
  }
}

function describe(token: Token): string {
  if (token.type === "eof") return "end of expression";
  if (token.type === "string") return `string ${token.text}`;
  if (token.type === "number" || token.type === "duration") return `${token.type} ${token.text}`;
  return JSON.stringify(token.text);
}
