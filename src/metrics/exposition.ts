/**
 * Parsers for incoming samples: Prometheus text exposition 0.0.4 and OpenMetrics 1.0 text (scrapes
 * and `POST /api/v1/push`), and the push endpoint's JSON samples.
 *
 * Bad input is reported, never thrown: each malformed line becomes one ParseProblem (1-based line
 * and column, a message saying what was expected) and gives no sample; every other line is kept.
 * - `# HELP`, `# TYPE` (one each per name) and `# UNIT` are checked, other `#` lines are comments.
 *   `# EOF` ends parsing; content after it is ignored and reported once. With format
 *   "openmetrics" a missing `# EOF` is reported (the scrape may be truncated; samples are kept).
 * - Values: decimal floats and NaN, Inf, +Inf, -Inf, Infinity in any case; no hex; decimals beyond
 *   the double range become ±Inf. Timestamps: integer milliseconds in Prometheus text, seconds
 *   with a fraction in OpenMetrics (rounded to ms). Without `format` the text is OpenMetrics
 *   exactly when it has a `# EOF` line. Exemplars (`# {labels} value [ts]`) are checked and
 *   ignored; a trailing comma in a label set is accepted, as Prometheus does.
 * - `maxSamples` (default 100 000) guards cardinality: parsing stops with one "too many samples"
 *   problem, keeping the samples before it. Lines over `maxLineLength` (64 KiB) are problems.
 *
 * The push endpoint's JSON samples and the rules within one payload (duplicates, NaN,
 * missing timestamps) are in samples.ts.
 */

const TYPES = ["counter", "gauge", "histogram", "summary", "untyped", "info", "stateset"] as const;
export type MetricType = (typeof TYPES)[number] | "gaugehistogram" | "unknown";
const TYPE_NAMES = new Set<string>([...TYPES, "gaugehistogram", "unknown"]);
export type Labels = Record<string, string>;

export interface ParsedSample {
  name: string;
  labels: Labels;
  value: number;
  timestampMs: number | null;
}

export interface ParseProblem {
  line: number;
  column: number;
  message: string;
  /** The offending line, cut to 200 characters. */
  text: string;
}

export interface ParseResult {
  samples: ParsedSample[];
  problems: ParseProblem[];
  types: Map<string, MetricType>;
  help: Map<string, string>;
}

export interface ParseOptions {
  maxSamples?: number;
  maxLineLength?: number;
  /** Defaults to auto-detection: OpenMetrics when the text has a `# EOF` line. */
  format?: "prometheus" | "openmetrics";
}

/** Thrown inside one line's parse and caught per line: it never escapes parseExposition. */
class LineError extends Error {
  pos: number;
  constructor(pos: number, message: string) {
    super(message);
    this.pos = pos;
  }
}
function fail(pos: number, message: string): never {
  throw new LineError(pos, message);
}

const isBlank = (c: number) => c === 32 || c === 9;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isNameStart = (c: number, colon: boolean) =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (colon && c === 58);

function skipBlanks(text: string, i: number, end: number): number {
  while (i < end && isBlank(text.charCodeAt(i))) i++;
  return i;
}
function tokenEnd(text: string, i: number, end: number): number {
  while (i < end && !isBlank(text.charCodeAt(i))) i++;
  return i;
}
/** Index after the metric (colon) or label name at `i`; `i` itself when there is none. */
function scanName(text: string, i: number, end: number, colon: boolean): number {
  if (i >= end || !isNameStart(text.charCodeAt(i), colon)) return i;
  for (i++; i < end; i++) {
    const c = text.charCodeAt(i);
    if (!isNameStart(c, colon) && !isDigit(c)) break;
  }
  return i;
}
/** The token at `i` for messages: quoted, up to the next blank, cut; or "end of line". */
function got(text: string, i: number, end: number): string {
  if (i >= end) return "got end of line";
  return `got ${JSON.stringify(text.slice(i, Math.min(tokenEnd(text, i + 1, end), i + 40)))}`;
}
/** Sets a label even when it is called `__proto__`. */
export function setLabel(labels: Labels, name: string, value: string): void {
  if (name !== "__proto__") labels[name] = value;
  else Object.defineProperty(labels, name, { value, enumerable: true, writable: true });
}

/**
 * `text.slice(s, e)`, or the string in `cache[slot]` when it is equal: consecutive samples repeat
 * names, label names and values, and reusing them saves an allocation per string.
 */
function sliceCached(text: string, s: number, e: number, cache: string[], slot: number): string {
  const last = cache[slot];
  if (last !== undefined && last.length === e - s && text.startsWith(last, s)) return last;
  const fresh = text.slice(s, e);
  cache[slot] = fresh;
  return fresh;
}

/** 1e0 … 1e15, each exact. */
const POW10 = Array.from({ length: 16 }, (_, k) => Number(`1e${k}`));

/** A decimal float or NaN/Inf token; undefined when it is not a number (hex included). */
export function parseNumber(text: string, s: number, e: number): number | undefined {
  let i = s;
  let c = text.charCodeAt(i);
  const signed = c === 43 || c === 45;
  if (signed) c = text.charCodeAt(++i);
  if (c === 73 || c === 105 || c === 78 || c === 110) {
    const word = text.slice(i, e).toLowerCase();
    if (word === "inf" || word === "infinity") return text[s] === "-" ? -1 / 0 : 1 / 0;
    return word === "nan" && !signed ? Number.NaN : undefined;
  }
  let mantissa = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < e; i++) {
    c = text.charCodeAt(i);
    if (c === 46 && fraction < 0) fraction = digits;
    else if (isDigit(c)) {
      mantissa = mantissa * 10 + c - 48;
      digits++;
    } else break;
  }
  if (digits === 0) return undefined;
  if (i === e && digits <= 15) {
    // Exact integer over an exact power of ten: the division rounds correctly (Clinger).
    const value = fraction < 0 ? mantissa : mantissa / (POW10[digits - fraction] as number);
    return text.charCodeAt(s) === 45 ? -value : value;
  }
  if (i < e && (text.charCodeAt(i) | 32) === 101) {
    c = text.charCodeAt(++i);
    if (c === 43 || c === 45) i++;
    const exponent = i;
    while (i < e && isDigit(text.charCodeAt(i))) i++;
    if (i === exponent) return undefined;
  }
  return i === e ? Number(text.slice(s, e)) : undefined;
}

/** Parses `name="value",…}` from after the `{`; returns the index after the `}`. */
function parseLabels(text: string, i: number, end: number, labels: Labels, cache: string[]) {
  for (let slot = 1; ; slot += 2) {
    i = skipBlanks(text, i, end);
    if (i < end && text.charCodeAt(i) === 125) return i + 1;
    const nameStart = i;
    i = scanName(text, i, end, false);
    if (i === nameStart) fail(i, `expected a label name or "}", ${got(text, i, end)}`);
    const name = sliceCached(text, nameStart, i, cache, slot);
    i = skipBlanks(text, i, end);
    if (text.charCodeAt(i) !== 61 || i >= end) {
      fail(i, `expected "=" after label name "${name}", ${got(text, i, end)}`);
    }
    const open = skipBlanks(text, i + 1, end);
    if (text.charCodeAt(open) !== 34 || open >= end) {
      fail(open, `expected a quoted value for label "${name}", ${got(text, open, end)}`);
    }
    let value = "";
    let chunk = open + 1;
    for (i = chunk; ; i++) {
      if (i >= end) fail(open, `the value of label "${name}" has no closing quote`);
      const c = text.charCodeAt(i);
      if (c === 34) break;
      if (c !== 92) continue;
      const next = i + 1 < end ? text[i + 1] : "";
      const unescaped = next === "\\" || next === '"' ? next : next === "n" ? "\n" : undefined;
      if (unescaped === undefined) {
        fail(i, `invalid escape "\\${next}" in label "${name}" (allowed: \\\\, \\" and \\n)`);
      }
      value += text.slice(chunk, i) + unescaped;
      chunk = ++i + 1;
    }
    if (chunk > open + 1) value += text.slice(chunk, i);
    else value = sliceCached(text, chunk, i, cache, slot + 1);
    if (slot > 1 && Object.hasOwn(labels, name)) fail(nameStart, `duplicate label "${name}"`);
    setLabel(labels, name, value);
    i = skipBlanks(text, i + 1, end);
    const c = i < end ? text.charCodeAt(i) : -1;
    if (c === 125) return i + 1;
    if (c !== 44) fail(i, `expected "," or "}" after label "${name}", ${got(text, i, end)}`);
    i++;
  }
}

function parseTimestamp(text: string, s: number, e: number, openMetrics: boolean): number {
  if (openMetrics) {
    const seconds = parseNumber(text, s, e);
    if (seconds !== undefined && Number.isFinite(seconds)) return Math.round(seconds * 1000);
    fail(s, `expected a timestamp in seconds, ${got(text, s, e)}`);
  }
  let i = text.charCodeAt(s) === 45 ? s + 1 : s;
  const digits = i;
  while (i < e && isDigit(text.charCodeAt(i))) i++;
  const ms = i === e && i > digits ? Number(text.slice(s, e)) : Number.NaN;
  if (!Number.isSafeInteger(ms)) fail(s, `expected a timestamp in ms, ${got(text, s, e)}`);
  return ms;
}

/** Checks an exemplar `# {labels} value [timestamp]` from its `#`; returns the index after it. */
function skipExemplar(text: string, hash: number, end: number): number {
  let i = skipBlanks(text, hash + 1, end);
  if (i === hash + 1 || text.charCodeAt(i) !== 123 || i >= end) {
    fail(i, `expected an exemplar "# {labels} value" after "#", ${got(text, i, end)}`);
  }
  i = skipBlanks(text, parseLabels(text, i + 1, end, {}, []), end);
  const valueEnd = tokenEnd(text, i, end);
  if (i === end || parseNumber(text, i, valueEnd) === undefined) {
    fail(i, `expected a number as the exemplar's value, ${got(text, i, end)}`);
  }
  i = skipBlanks(text, valueEnd, end);
  if (i === end) return i;
  const timestampEnd = tokenEnd(text, i, end);
  parseTimestamp(text, i, timestampEnd, true);
  return skipBlanks(text, timestampEnd, end);
}

function parseSample(text: string, i: number, end: number, om: boolean, cache: string[]) {
  const nameStart = i;
  i = scanName(text, i, end, true);
  if (i === nameStart) {
    fail(i, `a metric name must start with a letter, "_" or ":", ${got(text, i, end)}`);
  }
  const name = sliceCached(text, nameStart, i, cache, 0);
  if (i < end && text.charCodeAt(i) !== 123 && !isBlank(text.charCodeAt(i))) {
    const whole = JSON.stringify(text.slice(nameStart, tokenEnd(text, i, end)).split("{")[0]);
    fail(i, `invalid character ${JSON.stringify(text[i])} in metric name ${whole}`);
  }
  const labels: Labels = {};
  i = skipBlanks(text, i, end);
  const hasLabels = i < end && text.charCodeAt(i) === 123;
  if (hasLabels) i = skipBlanks(text, parseLabels(text, i + 1, end, labels, cache), end);
  const valueEnd = tokenEnd(text, i, end);
  const value = i < end ? parseNumber(text, i, valueEnd) : undefined;
  if (value === undefined) {
    const after = hasLabels ? "the labels" : `metric name "${name}"`;
    fail(i, `expected a number after ${after}, ${got(text, i, end)}`);
  }
  i = skipBlanks(text, valueEnd, end);
  let timestampMs: number | null = null;
  if (i < end && text.charCodeAt(i) !== 35) {
    const timestampEnd = tokenEnd(text, i, end);
    timestampMs = parseTimestamp(text, i, timestampEnd, om);
    i = skipBlanks(text, timestampEnd, end);
  }
  if (i < end && text.charCodeAt(i) === 35) i = skipExemplar(text, i, end);
  if (i < end) fail(i, `unexpected text after the sample: ${got(text, i, end).slice(4)}`);
  return { name, labels, value, timestampMs };
}

/** `# HELP`, `# TYPE`, `# UNIT` and `# EOF` lines; other comments are ignored. True at EOF. */
function parseComment(text: string, hash: number, end: number, result: ParseResult): boolean {
  let i = skipBlanks(text, hash + 1, end);
  const wordEnd = tokenEnd(text, i, end);
  const word = i === hash + 1 ? "" : text.slice(i, wordEnd);
  if (word === "EOF") return wordEnd === end;
  if (word !== "HELP" && word !== "TYPE" && word !== "UNIT") return false;
  const nameStart = skipBlanks(text, wordEnd, end);
  i = scanName(text, nameStart, end, true);
  if (i === nameStart || (i < end && !isBlank(text.charCodeAt(i)))) {
    fail(i, `expected a metric name after "# ${word}", ${got(text, nameStart, end)}`);
  }
  const name = text.slice(nameStart, i);
  const rest = text.slice(Math.min(i + 1, end), end);
  if (word === "HELP") {
    if (result.help.has(name)) fail(nameStart, `second HELP line for "${name}"`);
    const help = rest.replace(/\\([\\n"])/g, (_, c) => (c === "n" ? "\n" : c));
    result.help.set(name, help);
  } else if (word === "TYPE") {
    const type = rest.trim();
    if (!TYPE_NAMES.has(type)) fail(i + 1, `unknown metric type "${type}" for "${name}"`);
    if (result.types.has(name)) fail(nameStart, `second TYPE line for "${name}"`);
    result.types.set(name, type as MetricType);
  }
  return false;
}

/** True when some line is exactly `# EOF` (trailing blanks and \r allowed). */
function hasEofLine(text: string): boolean {
  const at = text.lastIndexOf("# EOF");
  const eof = /^# EOF[ \t\r]*$/m;
  return at !== -1 && (eof.test(text.slice(Math.max(0, at - 1))) || eof.test(text));
}

export function parseExposition(text: string, options: ParseOptions = {}): ParseResult {
  const maxSamples = options.maxSamples ?? 100_000;
  const maxLineLength = options.maxLineLength ?? 64 * 1024;
  const openMetrics = (options.format ?? (hasEofLine(text) ? "openmetrics" : "")) === "openmetrics";
  const result: ParseResult = { samples: [], problems: [], types: new Map(), help: new Map() };
  let line = 0;
  let sawEof = false;
  const cache: string[] = [];
  const problem = (from: number, to: number, pos: number, what: string) => {
    const column = pos - from + 1;
    const message = `line ${line}:${column}: ${what}`;
    const cut = text.slice(from, Math.min(to, from + 200));
    result.problems.push({ line, column, message, text: cut });
  };
  for (let pos = 0; pos < text.length; ) {
    const lineStart = pos;
    let lineEnd = text.indexOf("\n", pos);
    if (lineEnd === -1) lineEnd = text.length;
    pos = lineEnd + 1;
    line++;
    if (lineEnd > lineStart && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
    let end = lineEnd;
    while (end > lineStart && isBlank(text.charCodeAt(end - 1))) end--;
    const start = skipBlanks(text, lineStart, end);
    if (start === end) continue;
    if (sawEof) {
      problem(lineStart, lineEnd, start, `content after "# EOF" is ignored`);
      return result;
    }
    if (lineEnd - lineStart > maxLineLength) {
      const length = `${lineEnd - lineStart} characters, over the limit of ${maxLineLength}`;
      problem(lineStart, lineEnd, lineStart + maxLineLength, `the line has ${length}`);
      continue;
    }
    try {
      if (text.charCodeAt(start) === 35) {
        sawEof = parseComment(text, start, end, result);
        continue;
      }
      const sample = parseSample(text, start, end, openMetrics, cache);
      if (result.samples.length >= maxSamples) {
        const tooMany = `too many samples: over ${maxSamples}, the rest is ignored`;
        problem(lineStart, lineEnd, start, tooMany);
        return result;
      }
      result.samples.push(sample);
    } catch (error) {
      if (!(error instanceof LineError)) throw error;
      problem(lineStart, lineEnd, error.pos, error.message);
    }
  }
  if (options.format === "openmetrics" && !sawEof) {
    line++;
    problem(text.length, text.length, text.length, `no "# EOF" at the end: truncated exposition?`);
  }
  return result;
}
