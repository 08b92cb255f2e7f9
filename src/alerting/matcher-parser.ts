/**
 * Reads label matchers written as text, the form amtool and Alertmanager use, so a matcher
 * copied from an Alertmanager silence or route works here unchanged:
 *
 *   severity="critical"
 *   {service=~"web|api", env!="dev"}
 *   severity=critical, instance=~web-.+
 *
 * - Braces around the list are optional; matchers are separated by commas (a trailing comma
 *   is fine); spaces around names, operators and commas are ignored. "" or {} is no matchers.
 * - Values are "double" or 'single' quoted, or unquoted: an unquoted value runs up to a
 *   space, comma or closing brace and may not contain quotes, braces, =, ! or ~ (quote it).
 * - In quotes, \" \' \\ \n \r \t are escapes; any other backslash stays as written, so a
 *   regular expression such as "web-\d+" means what it says.
 * - Label names are Prometheus names: letters, digits and _, not starting with a digit.
 *
 * Every error names the 1-based column and what was expected there.
 */
import type { LabelMatcher, MatchOp } from "./matchers.ts";

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NAME_AT = /[A-Za-z_][A-Za-z0-9_]*/y;
const SPACE_AT = /\s*/y;
// Characters that end or may not appear in an unquoted value.
const UNQUOTED_END = /[\s,}]/;
const UNQUOTED_BAD = /["'{=!~]/;

const NAME_EXPECTED = "a label name (letters, digits and _, not starting with a digit)";
const OP_EXPECTED = "an operator: =, !=, =~ or !~";
const VALUE_EXPECTED = 'a value, such as "critical" (write "" for an empty value)';

/** A matcher that cannot be read or used. `column` is 1-based, null for non-text input. */
export class MatcherError extends Error {
  readonly input: string;
  readonly column: number | null;
  constructor(message: string, input: string, column: number | null) {
    super(message);
    this.name = "MatcherError";
    this.input = input;
    this.column = column;
  }
}

/**
 * What is wrong with one matcher given those before it, or null: a bad label name, a regex
 * that does not compile, or the same label with the same operator again.
 */
export function checkMatcher(
  matcher: LabelMatcher,
  before: readonly LabelMatcher[],
): { message: string; at: "name" | "value" } | null {
  if (!LABEL_NAME.test(matcher.name)) {
    const shown = matcher.name === "" ? "an empty name" : JSON.stringify(matcher.name);
    return { message: `${shown} is not a label name: expected ${NAME_EXPECTED}`, at: "name" };
  }
  if (matcher.op === "=~" || matcher.op === "!~") {
    try {
      new RegExp(`^(?:${matcher.value})$`, "su");
      // Also whole on its own, so `a)|(b` is refused rather than read as (?:a)|(b).
      new RegExp(matcher.value, "su");
    } catch (error) {
      const reason = (error as Error).message.replace(/^.*: /, "");
      return {
        message: `bad regular expression ${JSON.stringify(matcher.value)}: ${reason}`,
        at: "value",
      };
    }
  }
  const twin = before.find((m) => m.name === matcher.name && m.op === matcher.op);
  if (twin !== undefined) {
    const regexOp = matcher.op === "=" || matcher.op === "=~" ? "=~" : "!~";
    const alt = (m: LabelMatcher) =>
      m.op === "=" || m.op === "!=" ? m.value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") : m.value;
    const alternatives = `${matcher.name}${regexOp}"${alt(twin)}|${alt(matcher)}"`;
    return {
      message: `"${matcher.name}" is matched with ${matcher.op} twice: give each label once per operator; alternatives go in one regular expression, e.g. ${alternatives}`,
      at: "name",
    };
  }
  return null;
}

/** Parses the text form; throws MatcherError with the column of the first problem. */
export function parseMatchers(text: string): LabelMatcher[] {
  return new Parser(text).parse();
}

class Parser {
  readonly #text: string;
  #pos = 0;

  constructor(text: string) {
    this.#text = text;
  }

  parse(): LabelMatcher[] {
    const matchers: LabelMatcher[] = [];
    this.#space();
    const braced = this.#peek() === "{";
    if (braced) this.#pos++;
    for (;;) {
      this.#space();
      const ch = this.#peek();
      if (ch === undefined || ch === "}") break;
      const start = this.#pos;
      const matcher = this.#matcher();
      const problem = checkMatcher(matcher.value, matchers);
      if (problem !== null) {
        this.#fail(problem.at === "name" ? start : matcher.valueAt, problem.message);
      }
      matchers.push(matcher.value);
      this.#space();
      if (this.#peek() === ",") {
        this.#pos++;
        continue;
      }
      const next = this.#peek();
      if (next !== undefined && next !== "}") {
        const end = braced ? "}" : "the end";
        this.#fail(
          this.#pos,
          `${this.#found()} after a matcher`,
          `a comma between matchers, or ${end}`,
        );
      }
    }
    if (braced) {
      if (this.#peek() !== "}") this.#fail(this.#pos, "the list is not closed", "a closing }");
      this.#pos++;
    } else if (this.#peek() === "}") {
      this.#fail(this.#pos, "a } without an opening {", "a comma between matchers, or the end");
    }
    this.#space();
    if (this.#pos < this.#text.length) {
      this.#fail(this.#pos, `${this.#found()} after the closing }`, "the end");
    }
    return matchers;
  }

  #matcher(): { value: LabelMatcher; valueAt: number } {
    NAME_AT.lastIndex = this.#pos;
    const name = NAME_AT.exec(this.#text)?.[0];
    if (name === undefined) {
      const hint = /\d/.test(this.#peek() ?? "") ? " (a name cannot start with a digit)" : "";
      this.#fail(this.#pos, `${this.#found()} where a label name starts${hint}`, NAME_EXPECTED);
    }
    this.#pos += name.length;
    this.#space();
    const op = this.#op(name);
    this.#space();
    const valueAt = this.#pos;
    const ch = this.#peek();
    let value: string;
    if (ch === '"' || ch === "'") value = this.#quoted(ch);
    else value = this.#unquoted();
    return { value: { name, op, value }, valueAt };
  }

  #op(name: string): MatchOp {
    const two = this.#text.slice(this.#pos, this.#pos + 2);
    for (const op of ["=~", "!~", "!="] as const) {
      if (two === op) {
        this.#pos += 2;
        return op;
      }
    }
    if (two === "==")
      this.#fail(this.#pos, '"==" after the name', `${OP_EXPECTED} (a single = tests equality)`);
    if (this.#peek() === "=") {
      this.#pos += 1;
      return "=";
    }
    return this.#fail(this.#pos, `${this.#found()} after "${name}"`, OP_EXPECTED);
  }

  #quoted(quote: string): string {
    const start = this.#pos;
    let out = "";
    for (let pos = start + 1; pos < this.#text.length; pos++) {
      const ch = this.#text[pos] as string;
      if (ch === quote) {
        this.#pos = pos + 1;
        return out;
      }
      if (ch === "\\" && pos + 1 < this.#text.length) {
        const next = this.#text[pos + 1] as string;
        const escaped = ESCAPES[next];
        out += escaped ?? `\\${next}`;
        pos++;
        continue;
      }
      out += ch;
    }
    return this.#fail(start, "the quoted value is not closed", `a closing ${quote}`);
  }

  #unquoted(): string {
    const start = this.#pos;
    let pos = start;
    while (pos < this.#text.length && !UNQUOTED_END.test(this.#text[pos] as string)) {
      if (UNQUOTED_BAD.test(this.#text[pos] as string)) {
        const what = `${JSON.stringify(this.#text[pos])} in an unquoted value`;
        this.#fail(pos, what, 'the value in double quotes, e.g. "a=b"');
      }
      pos++;
    }
    if (pos === start) this.#fail(start, `${this.#found()} after the operator`, VALUE_EXPECTED);
    this.#pos = pos;
    return this.#text.slice(start, pos);
  }

  #space(): void {
    SPACE_AT.lastIndex = this.#pos;
    SPACE_AT.exec(this.#text);
    this.#pos = SPACE_AT.lastIndex;
  }

  #peek(): string | undefined {
    return this.#text[this.#pos];
  }

  #found(): string {
    const ch = this.#peek();
    return ch === undefined ? "the end of the text" : JSON.stringify(ch);
  }

  #fail(at: number, problem: string, expected?: string): never {
    const shown = this.#text.includes("'") ? JSON.stringify(this.#text) : `'${this.#text}'`;
    const where = `column ${at + 1} of ${shown}`;
    const tail = expected === undefined ? "" : `; expected ${expected}`;
    throw new MatcherError(`${where}: ${problem}${tail}`, this.#text, at + 1);
  }
}

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "'": "'",
  "\\": "\\",
  n: "\n",
  r: "\r",
  t: "\t",
};
