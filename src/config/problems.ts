/** A problem found in a config file, located precisely enough for a person to fix it. */
export interface ConfigProblem {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** Path into the document, e.g. `checks[2].every`; empty for the whole file. */
  path: string;
  /** What is wrong and, where it helps, the expected form or the fix. */
  message: string;
}

/** Renders `checks[2].every` from ["checks", 2, "every"]. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** One problem per line: `unyo.yaml:12:5 checks[2].every: …` — the form editors and CI logs link. */
export function formatProblem(p: ConfigProblem): string {
  const where = `${p.file}:${p.line}:${p.column}`;
  return p.path ? `${where} ${p.path}: ${p.message}` : `${where} ${p.message}`;
}

export function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  return problems.sort((a, b) => a.line - b.line || a.column - b.column);
}
