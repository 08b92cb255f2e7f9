import type { Document } from "yaml";
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { ConfigProblem } from "./problems.ts";

/** A parsed YAML file that can still say where each value came from. */
export interface ConfigSource {
  file: string;
  text: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

export function parseSource(
  file: string,
  text: string,
): { source: ConfigSource; problems: ConfigProblem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const source = { file, text, doc, lines };
  const problems = doc.errors.map((error) => {
    const pos = lines.linePos(error.pos[0]);
    return {
      file,
      line: pos.line,
      column: pos.col,
      path: "",
      message: `YAML syntax error: ${firstLine(error.message)}`,
    };
  });
  return { source, problems };
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}

/** Line and column (1-based) of a character offset. */
export function positionAt(source: ConfigSource, offset: number): { line: number; column: number } {
  const pos = source.lines.linePos(offset);
  return { line: pos.line, column: pos.col };
}

/**
 * Where a path points in the document: the value node if it exists, otherwise the deepest
 * existing ancestor (a missing key is reported at the map that should hold it). With
 * `atKey`, points at the key itself — the right place for "unknown key" problems.
 */
export function locate(
  source: ConfigSource,
  path: readonly PropertyKey[],
  atKey?: string,
): { line: number; column: number } {
  let node: unknown = source.doc.contents;
  let offset = rangeStart(node) ?? 0;
  const steps = atKey === undefined ? path : [...path, atKey];
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const isLast = i === steps.length - 1;
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(step),
      );
      if (!pair) break;
      if (isLast && atKey !== undefined) {
        offset = rangeStart(pair.key) ?? offset;
        break;
      }
      next = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof step === "number") {
      next = node.items[step];
    }
    const start = rangeStart(next);
    if (start === undefined) break;
    node = next;
    offset = start;
  }
  return positionAt(source, offset);
}

/**
 * The position of character `offset` of the string value at `path` — so an error inside an
 * expression points at the offending character in the file, not at the start of the value.
 * Exact for values written on one line (plain or quoted without escapes before `offset`);
 * otherwise (folded blocks, escapes) the start of the value.
 */
export function locateInValue(
  source: ConfigSource,
  path: readonly PropertyKey[],
  value: string,
  offset: number,
): { line: number; column: number } {
  const start = locate(source, path);
  let node: unknown = source.doc.contents;
  for (const step of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(step));
      node = pair?.value;
    } else if (isSeq(node) && typeof step === "number") node = node.items[step];
    else return start;
  }
  const range = (node as Node | undefined)?.range;
  if (!range) return start;
  const index = source.text.slice(range[0], range[1]).indexOf(value);
  return index < 0 ? start : positionAt(source, range[0] + index + offset);
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | undefined)?.range;
  return range ? range[0] : undefined;
}
