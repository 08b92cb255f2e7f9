import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { z } from "zod";
import { UnyoError } from "../core/errors.ts";
import { interpolate } from "./interpolate.ts";
import { type ConfigProblem, formatPath, sortProblems } from "./problems.ts";
import { buildConfigSchema, PLANNED, type UnyoConfig } from "./schema.ts";
import { type ConfigSource, locate, locateInValue, parseSource } from "./source.ts";
import { closest } from "./suggest.ts";
import { knownKeysAt } from "./zod-walk.ts";

export interface LoadedConfig {
  config: UnyoConfig;
  /** Short content hash: tells two loads of the same file apart in status and logs. */
  revision: string;
  file: string;
}

export type LoadResult =
  | { ok: true; value: LoadedConfig }
  | { ok: false; file: string; problems: ConfigProblem[] };

export type Env = Record<string, string | undefined>;

/** Reads and validates a config file. A missing file is an error (not a problem list). */
export async function loadConfigFile(
  file: string,
  env: Env,
  options: { displayName?: string } = {},
): Promise<LoadResult> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UnyoError(
      "UNYO_E_CONFIG_NOT_FOUND",
      `Cannot read the configuration file ${path} (${code ?? "error"}).`,
      {
        hint: "Pass the file with --config FILE or UNYO_CONFIG, or create unyo.yaml (see examples/demo/unyo.yaml).",
      },
    );
  }
  return loadConfigText(text, { file: options.displayName ?? file, env, baseDir: dirname(path) });
}

/** Validates config text, reporting every problem at once with file, line and column. */
export function loadConfigText(
  text: string,
  options: { file: string; env: Env; baseDir?: string },
): LoadResult {
  const { file, env } = options;
  const { source, problems } = parseSource(file, text);
  if (problems.length > 0) return { ok: false, file, problems };
  const substituted = new Map<string, string>();
  problems.push(...interpolate(source, env, substituted));

  const schema = buildConfigSchema({ baseDir: options.baseDir ?? process.cwd() });
  const data = source.doc.toJS() ?? {};
  const result = schema.safeParse(data);
  if (!result.success) {
    // A value that failed interpolation also fails validation; report it once.
    const reported = new Set(problems.map((p) => p.path));
    for (const issue of result.error.issues) {
      for (const problem of issueToProblems(issue, source, schema, data)) {
        if (!reported.has(problem.path)) problems.push(hideSubstituted(problem, substituted));
      }
    }
  }
  if (problems.length > 0 || !result.success) {
    return { ok: false, file, problems: sortProblems(problems) };
  }
  const revision = createHash("sha256").update(text).digest("hex").slice(0, 12);
  return { ok: true, value: { config: Object.freeze(result.data) as UnyoConfig, revision, file } };
}

/**
 * Shows `${VAR}` instead of the value it became: a secret put into the wrong field must not
 * reach a log, /api/v1/status or the config_revisions table through an error message.
 */
function hideSubstituted(problem: ConfigProblem, substituted: Map<string, string>): ConfigProblem {
  let message = problem.message;
  for (const [value, reference] of substituted) {
    if (value.length >= 3 && message.includes(value))
      message = message.split(value).join(reference);
  }
  return message === problem.message ? problem : { ...problem, message };
}

function issueToProblems(
  issue: z.core.$ZodIssue,
  source: ConfigSource,
  schema: z.ZodType,
  data: unknown,
): ConfigProblem[] {
  const path = issue.path as PropertyKey[];
  if (issue.code === "unrecognized_keys") {
    const known = knownKeysAt(schema, path);
    return issue.keys.map((key) => ({
      file: source.file,
      ...locate(source, path, key),
      path: formatPath([...path, key]),
      message: unknownKeyMessage(key, known, path),
    }));
  }
  // Errors inside an expression carry the offset of the offending character.
  const value = valueAt(data, path);
  const offset = issue.code === "custom" ? issue.params?.exprOffset : undefined;
  const where =
    typeof offset === "number" && typeof value === "string"
      ? locateInValue(source, path, value, offset)
      : locate(source, path);
  return [
    {
      file: source.file,
      ...where,
      path: formatPath(path),
      message: describeIssue(issue, value),
    },
  ];
}

function unknownKeyMessage(key: string, known: string[], path: PropertyKey[]): string {
  const suggestion = closest(key, known);
  if (suggestion) return `unknown key "${key}": did you mean "${suggestion}"?`;
  const pattern = formatPath(path.map((p) => (typeof p === "number" ? "[]" : p))).replace(
    /\.\[\]/g,
    "[]",
  );
  if (PLANNED[pattern.replace(/\[\d+\]/g, "[]")]?.includes(key)) {
    return `"${key}" is planned but not supported by this version of Unyo yet; remove it for now`;
  }
  const list = known.length > 0 ? `; known keys here: ${known.sort().join(", ")}` : "";
  return `unknown key "${key}"${list}`;
}

function describeIssue(issue: z.core.$ZodIssue, value: unknown): string {
  // Messages written in the schema already say what is expected.
  if (issue.code === "invalid_type") {
    if (value === undefined) return `required: expected ${issue.expected}`;
    if (!issue.message.startsWith("Invalid input")) return `${issue.message}, got ${show(value)}`;
    return `expected ${article(issue.expected)}, got ${show(value)}`;
  }
  if (issue.code === "invalid_value") {
    if (!issue.message.startsWith("Invalid")) return `${issue.message}, got ${show(value)}`;
    return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${show(value)}`;
  }
  if (issue.code === "invalid_format" && (typeof value === "string" || typeof value === "number")) {
    // Some messages already quote the value ("1x" is not a duration …).
    return issue.message.includes(String(value))
      ? issue.message
      : `${issue.message}, got ${show(value)}`;
  }
  if (issue.code === "too_small" || issue.code === "too_big") {
    const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
    const word = issue.code === "too_small" ? "at least" : "at most";
    return issue.origin === "array" || issue.origin === "string"
      ? `${issue.message.startsWith("Too") ? `expected ${word} ${bound} ${issue.origin === "array" ? "items" : "characters"}` : issue.message}, got ${show(value)}`
      : `${issue.message.startsWith("Too") ? `expected ${word} ${bound}` : issue.message}, got ${show(value)}`;
  }
  return issue.message;
}

function article(expected: string): string {
  if (expected === "object") return "a mapping (key: value)";
  if (expected === "array") return "a list (- item)";
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function show(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function valueAt(data: unknown, path: PropertyKey[]): unknown {
  let current = data;
  for (const step of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[step];
  }
  return current;
}
