import { isMap, isPair, isScalar, isSeq, parse as parseYaml, type Scalar } from "yaml";
import { type ConfigProblem, formatPath } from "./problems.ts";
import { type ConfigSource, positionAt } from "./source.ts";

/**
 * Replaces `${VAR}` and `${VAR:-default}` in string values, in place, before validation.
 * Substitution happens on parsed scalars, never on the raw text, so a variable can't inject
 * YAML structure and every problem still points at the line it came from. `$${` is a literal `${`.
 * A plain (unquoted) value that is one reference takes the type its text has once
 * substituted, so `port: ${UNYO_PORT:-8080}` is a number.
 */
export function interpolate(
  source: ConfigSource,
  env: Record<string, string | undefined>,
  /** Filled with substituted text → the reference it came from, to keep values out of messages. */
  substituted: Map<string, string> = new Map(),
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const walk = (node: unknown, path: PropertyKey[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : "?";
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        walk(item, [...path, index]);
      });
    } else if (isScalar(node) && typeof node.value === "string" && node.value.includes("$")) {
      substituteScalar(node, path);
    }
  };

  const substituteScalar = (node: Scalar, path: PropertyKey[]): void => {
    const original = node.value as string;
    const result = substitute(original, env);
    if (result.errors.length > 0) {
      const at = positionAt(source, node.range?.[0] ?? 0);
      for (const message of result.errors) {
        problems.push({ file: source.file, ...at, path: formatPath(path), message });
      }
      return;
    }
    node.value = result.text;
    if (result.text !== original) substituted.set(result.text, original);
    if (node.type === "PLAIN" && WHOLE_REFERENCE.test(original)) {
      const typed: unknown = safeParseScalar(result.text);
      if (typeof typed === "number" || typeof typed === "boolean") node.value = typed;
    }
  };

  walk(source.doc.contents, []);
  return problems;
}

const WHOLE_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}$/;
const REFERENCE = /\$\$\{|\$\{([^}]*)\}?/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function substitute(
  text: string,
  env: Record<string, string | undefined>,
): { text: string; errors: string[] } {
  const errors: string[] = [];
  const out = text.replace(REFERENCE, (match: string, inner: string | undefined) => {
    if (match === "$${") return "${";
    if (!match.endsWith("}")) {
      errors.push(
        `unclosed "\${" in "${text}": write \${NAME} or \${NAME:-default}, or $\${ for a literal`,
      );
      return match;
    }
    const body = inner ?? "";
    const sep = body.indexOf(":-");
    const name = sep === -1 ? body : body.slice(0, sep);
    if (!NAME.test(name)) {
      errors.push(
        `"\${${body}}" is not a variable reference: expected \${NAME} or \${NAME:-default} with NAME made of letters, digits and _`,
      );
      return match;
    }
    const value = env[name];
    if (value !== undefined && value !== "") return value;
    if (sep !== -1) return body.slice(sep + 2);
    errors.push(
      `environment variable ${name} is not set: set it, or give a default with \${${name}:-value}`,
    );
    return match;
  });
  return { text: out, errors };
}

function safeParseScalar(text: string): unknown {
  try {
    return parseYaml(text);
  } catch {
    return text;
  }
}
