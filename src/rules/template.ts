/**
 * Annotation templates: `"{{ $labels.instance }} の CPU が {{ $value | printf "%.1f" }}%"`.
 * The syntax is the small part of Go templates that Prometheus alert annotations use, so
 * rules copied from an existing Prometheus setup keep working:
 *
 *   {{ $value }}               the value of the expression for this label set
 *   {{ $labels.name }}         a label of the alert ("" when absent)
 *   {{ $level }}               warning or critical
 *   {{ $rule }}                the rule's name (or id)
 *   {{ $threshold }}           the condition of the current level, e.g. "> 85"
 *   {{ X | printf "%.1f" }}    %f %.Nf %d %s %g %e %%
 *   {{ X | humanize }}         1234567 → 1.235M
 *   {{ X | humanizeDuration }} seconds → 1h 2m 3s
 *   {{ X | humanizePercentage }} 0.1234 → 12.34%
 *
 * Templates are compiled when the config loads: an unknown variable or function is a config
 * error with its column, never a surprise at 3 a.m.
 */

export interface TemplateData {
  value: number;
  labels: Record<string, string>;
  level: string;
  rule: string;
  threshold: string;
}

export class TemplateError extends Error {
  readonly column: number;
  constructor(message: string, column: number) {
    super(`${message} at column ${column}`);
    this.column = column;
  }
}

type Part = string | { get: (d: TemplateData) => string | number; pipes: Pipe[] };
type Pipe = (input: string | number) => string;
export type CompiledTemplate = (data: TemplateData) => string;

const VARIABLES = ["$value", "$labels.<name>", "$level", "$rule", "$threshold"];
const FUNCTIONS = ["printf", "humanize", "humanizeDuration", "humanizePercentage"];

export function compileTemplate(text: string): CompiledTemplate {
  const parts: Part[] = [];
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf("{{", at);
    if (open < 0) {
      parts.push(text.slice(at));
      break;
    }
    if (open > at) parts.push(text.slice(at, open));
    const close = text.indexOf("}}", open + 2);
    if (close < 0) throw new TemplateError('"{{" is never closed with "}}"', open + 1);
    parts.push(action(text.slice(open + 2, close), open + 3));
    at = close + 2;
  }
  return (data) =>
    parts
      .map((part) => {
        if (typeof part === "string") return part;
        let out: string | number = part.get(data);
        for (const pipe of part.pipes) out = pipe(out);
        return typeof out === "number" ? formatNumber(out) : out;
      })
      .join("");
}

function action(inner: string, column: number): Part {
  const [head = "", ...pipeTexts] = inner.split("|");
  const name = head.trim();
  const col = column + head.indexOf(name);
  return { get: variable(name, col), pipes: pipeTexts.map((p) => pipe(p, column)) };
}

function variable(name: string, column: number): (d: TemplateData) => string | number {
  if (name === "$value") return (d) => d.value;
  if (name === "$level") return (d) => d.level;
  if (name === "$rule") return (d) => d.rule;
  if (name === "$threshold") return (d) => d.threshold;
  const label = /^\$labels\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(name);
  if (label) return (d) => d.labels[label[1] as string] ?? "";
  throw new TemplateError(
    `unknown template variable "${name}": expected ${VARIABLES.join(", ")}`,
    column,
  );
}

function pipe(text: string, column: number): Pipe {
  const match = /^\s*([A-Za-z]+)\s*(?:"([^"]*)")?\s*$/.exec(text);
  const fn = match?.[1] ?? text.trim();
  if (fn === "printf" && match?.[2] !== undefined) {
    const format = match[2];
    return (input) => printf(format, input);
  }
  if (fn === "humanize") return (input) => humanize(Number(input));
  if (fn === "humanizeDuration") return (input) => humanizeDuration(Number(input));
  if (fn === "humanizePercentage") return (input) => `${formatNumber(Number(input) * 100)}%`;
  const hint = fn === "printf" ? ': printf needs a format in quotes, e.g. printf "%.1f"' : "";
  throw new TemplateError(
    `unknown template function "${fn}"${hint || `: expected one of ${FUNCTIONS.join(", ")}`}`,
    column,
  );
}

/** Numbers as people read them: up to 4 decimals, no trailing zeros; NaN and ±Inf spelled out. */
export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "+Inf" : "-Inf";
  return String(Math.round(n * 10_000) / 10_000);
}

function printf(format: string, input: string | number): string {
  return format.replace(/%(?:\.(\d+))?([dfsge%])/g, (_, digits: string | undefined, verb) => {
    const n = Number(input);
    switch (verb) {
      case "%":
        return "%";
      case "d":
        return Number.isFinite(n) ? String(Math.trunc(n)) : formatNumber(n);
      case "f":
        return Number.isFinite(n)
          ? n.toFixed(digits === undefined ? 6 : Number(digits))
          : formatNumber(n);
      case "e":
        return Number.isFinite(n)
          ? n.toExponential(digits === undefined ? 6 : Number(digits))
          : formatNumber(n);
      case "g":
        return Number.isFinite(n)
          ? String(Number(n.toPrecision(digits === undefined ? 6 : Number(digits) || 1)))
          : formatNumber(n);
      default:
        return typeof input === "number" ? formatNumber(input) : input;
    }
  });
}

function humanize(n: number): string {
  if (!Number.isFinite(n) || n === 0) return formatNumber(n);
  const units = ["", "k", "M", "G", "T", "P"];
  let i = 0;
  let v = Math.abs(n);
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${n < 0 ? "-" : ""}${Number(v.toPrecision(4))}${units[i]}`;
}

function humanizeDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return formatNumber(seconds);
  if (Math.abs(seconds) < 1) return `${formatNumber(seconds * 1000)}ms`;
  let rest = Math.round(Math.abs(seconds));
  const parts: string[] = [];
  for (const [unit, size] of [
    ["d", 86_400],
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return (seconds < 0 ? "-" : "") + parts.join(" ");
}
