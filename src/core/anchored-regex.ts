/**
 * The regular expression of a label matcher (`=~` / `!~`), as Prometheus and Alertmanager
 * read it: anchored at both ends, `s` and `u` flags. Compiled once per pattern text — the
 * same pattern is tested against thousands of series or alerts — in a bounded cache.
 */
const cache = new Map<string, RegExp>();
const MAX_CACHED = 10_000;

export function anchoredRegex(pattern: string): RegExp {
  let regex = cache.get(pattern);
  if (regex === undefined) {
    regex = new RegExp(`^(?:${pattern})$`, "su");
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(pattern, regex);
  }
  return regex;
}

/** Whether `value` passes a label matcher `op pattern` (`regex` when already compiled). */
export function matchesOp(
  op: "=" | "!=" | "=~" | "!~",
  pattern: string,
  value: string,
  regex?: RegExp,
): boolean {
  switch (op) {
    case "=":
      return value === pattern;
    case "!=":
      return value !== pattern;
    case "=~":
      return (regex ?? anchoredRegex(pattern)).test(value);
    case "!~":
      return !(regex ?? anchoredRegex(pattern)).test(value);
  }
}
