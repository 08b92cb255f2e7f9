/**
 * The push endpoint's JSON samples, and the rules every payload follows before it reaches the
 * store (normaliseSamples):
 * - a duplicate series (same name and labels, same timestamp or both without) keeps the LAST
 *   sample; each earlier one is dropped and counted as "duplicate";
 * - NaN is kept as a value (Prometheus stores NaN; its stale marker is one NaN bit pattern, and
 *   every NaN is treated alike); +Inf and -Inf are kept;
 * - samples without a timestamp get the ingest time.
 * Out-of-order samples (older than what a series already holds) are the store's business: it sees
 * each series' history, the parser only one payload.
 */
import {
  type Labels,
  type ParsedSample,
  type ParseResult,
  parseNumber,
  setLabel,
} from "./exposition.ts";

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/;
const show = (value: unknown) => JSON.stringify(value) ?? String(value);

/** One JSON sample, or the message saying what is wrong with it. */
function jsonSample(item: unknown): ParsedSample | string {
  if (typeof item !== "object" || item === null || Array.isArray(item)) return "expected an object";
  const { name, labels: raw, value: rawValue, timestamp } = item as Record<string, unknown>;
  if (typeof name !== "string" || !METRIC_NAME.test(name)) {
    return `"name" must be a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*), got ${show(name)}`;
  }
  const labels: Labels = {};
  if (raw != null && (typeof raw !== "object" || Array.isArray(raw))) {
    return `"labels" must be an object of strings, got ${show(raw)}`;
  }
  for (const [key, value] of Object.entries(raw ?? {})) {
    if (!LABEL_NAME.test(key)) return `invalid label name ${show(key)}`;
    if (typeof value !== "string") return `label "${key}" must be a string, got ${show(value)}`;
    setLabel(labels, key, value);
  }
  const special = typeof rawValue === "string" && /^([+-]?inf|nan)$/i.test(rawValue);
  let value = typeof rawValue === "number" ? rawValue : undefined;
  if (special) value = parseNumber(rawValue, 0, rawValue.length);
  if (value === undefined)
    return `"value" must be a number, "NaN", "+Inf" or "-Inf", got ${show(rawValue)}`;
  if (timestamp === undefined || timestamp === null)
    return { name, labels, value, timestampMs: null };
  let timestampMs = typeof timestamp === "number" ? Math.round(timestamp) : Number.NaN;
  if (typeof timestamp === "string" && ISO_TIME.test(timestamp))
    timestampMs = Date.parse(timestamp);
  if (!Number.isFinite(timestampMs)) {
    return `"timestamp" must be epoch ms or ISO 8601 with a zone, got ${show(timestamp)}`;
  }
  return { name, labels, value, timestampMs };
}

/**
 * The push endpoint's JSON: `{ "samples": [...] }` or a bare array of
 * `{ name, labels?, value, timestamp? }`. Each bad item is a problem whose `line` is the item's
 * 1-based index (column 0) and the good items are kept; a body of another shape is one problem
 * at line 0.
 */
export function parseJsonSamples(body: unknown, { maxSamples = 100_000 } = {}): ParseResult {
  const result: ParseResult = { samples: [], problems: [], types: new Map(), help: new Map() };
  const wrapped =
    typeof body === "object" && body !== null ? (body as { samples?: unknown }).samples : undefined;
  const items = Array.isArray(body) ? body : Array.isArray(wrapped) ? wrapped : undefined;
  const report = (line: number, message: string, item: unknown) => {
    const text = show(item).slice(0, 200);
    const full = line ? `item ${line}: ${message}` : message;
    result.problems.push({ line, column: 0, message: full, text });
  };
  if (!items) report(0, `expected {"samples": [...]} or an array of samples`, body);
  for (const [index, item] of (items ?? []).entries()) {
    const sample = jsonSample(item);
    if (typeof sample === "string") report(index + 1, sample, item);
    else if (result.samples.length < maxSamples) result.samples.push(sample);
    else {
      report(index + 1, `too many samples: over ${maxSamples}, the rest is ignored`, item);
      break;
    }
  }
  return result;
}

/** The labels with their names in order: the same object when they already are. */
function sortedLabels(labels: Labels): Labels {
  let previous = "";
  for (const name in labels) {
    if (name < previous) {
      const sorted: Labels = {};
      for (const key of Object.keys(labels).sort()) setLabel(sorted, key, labels[key] as string);
      return sorted;
    }
    previous = name;
  }
  return labels;
}

/**
 * Applies the in-payload rules from the file comment: samples without a timestamp get `nowMs`
 * first (the sample objects are updated in place, so a missing timestamp equals an explicit
 * `nowMs`), then of duplicates the last is kept, in its place; NaN and ±Inf stay.
 */
export function normaliseSamples(
  samples: ParsedSample[],
  nowMs: number,
): { samples: ParsedSample[]; dropped: { reason: "duplicate"; count: number }[] } {
  const lastIndex = new Map<string, number>();
  const keys = samples.map((sample, i) => {
    sample.timestampMs ??= nowMs;
    const key = sample.name + JSON.stringify(sortedLabels(sample.labels)) + sample.timestampMs;
    lastIndex.set(key, i);
    return key;
  });
  if (lastIndex.size === samples.length) return { samples, dropped: [] };
  const kept = samples.filter((_, i) => lastIndex.get(keys[i] as string) === i);
  return { samples: kept, dropped: [{ reason: "duplicate", count: samples.length - kept.length }] };
}
