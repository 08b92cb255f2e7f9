/**
 * Durations (`30s`, `1h30m`) and sizes (`10MB`, `512MiB`) as written in unyo.yaml and on the
 * command line. One grammar everywhere, so `every: 5m`, `--timeout 5m` and `for: 5m` cannot
 * disagree.
 *
 * Durations have no months or years: their length varies, and "every month" is a cron schedule.
 */
import { z } from "zod";

const DURATION_UNITS = [
  ["w", 7 * 86_400_000],
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1000],
  ["ms", 1],
] as const;

const DURATION_MS = new Map<string, number>(DURATION_UNITS);
const DURATION_RANK = new Map<string, number>(DURATION_UNITS.map(([unit], i) => [unit, i]));

/** For editors (JSON Schema `pattern`); parseDuration also checks the order of the units. */
export const DURATION_PATTERN = /^(?:\d+(?:ms|w|d|h|m|s))+$/;

const DURATION_EXPECTED = "expected a number and unit such as 500ms, 30s, 5m, 1h30m, 1d or 2w";

export class DurationError extends Error {
  readonly input: string;
  constructor(input: string) {
    super(`${JSON.stringify(input)} is not a duration: ${DURATION_EXPECTED}`);
    this.name = "DurationError";
    this.input = input;
  }
}

/**
 * Milliseconds in `text`: one or more number+unit pairs, largest unit first, each unit at most
 * once (`1d12h`, `1h30m`, `90s`). Units: w, d, h, m, s, ms. Whole numbers only — write `1h30m`,
 * not `1.5h` — so every value is an exact number of milliseconds.
 */
export function parseDuration(text: string): number {
  if (!DURATION_PATTERN.test(text)) throw new DurationError(text);
  let total = 0;
  let lastRank = -1;
  // "ms" is tried before "m" so "500ms" is not read as 500 minutes and a stray "s".
  for (const match of text.matchAll(/(\d+)(ms|w|d|h|m|s)/g)) {
    const unit = match[2] as string;
    const rank = DURATION_RANK.get(unit) as number;
    // Descending order keeps one spelling per value and catches typos like "30m1h".
    if (rank <= lastRank) throw new DurationError(text);
    lastRank = rank;
    total += Number(match[1]) * (DURATION_MS.get(unit) as number);
  }
  if (!Number.isSafeInteger(total)) throw new DurationError(text);
  return total;
}

/**
 * The shortest spelling parseDuration reads back to the same value: `1h30m`, `500ms`, `0s`.
 * Weeks are used only for whole weeks (`2w`, but `10d` rather than `1w3d`).
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`cannot format ${ms} as a duration`);
  let rest = Math.round(Math.abs(ms));
  const sign = ms < 0 && rest > 0 ? "-" : "";
  if (rest === 0) return "0s";
  let out = "";
  for (const [unit, size] of DURATION_UNITS) {
    if (unit === "w" && rest % size !== 0) continue;
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return sign + out;
}

const SIZE_UNITS: ReadonlyMap<string, number> = new Map([
  ["b", 1],
  ["kb", 1000],
  ["mb", 1000 ** 2],
  ["gb", 1000 ** 3],
  ["tb", 1000 ** 4],
  ["kib", 1024],
  ["mib", 1024 ** 2],
  ["gib", 1024 ** 3],
  ["tib", 1024 ** 4],
]);

/** Case-insensitive: `10mb` is 10 MB. Decimals are allowed (`1.5GB`) since sizes are shown that way. */
export const SIZE_PATTERN = /^\d+(?:\.\d+)?(?:[KMGTkmgt][Ii]?)?[Bb]$/;

const SIZE_EXPECTED =
  "expected a number and unit such as 512B, 10KB, 100MB, 1GB (powers of 1000) or 512KiB, 1MiB, 2GiB (powers of 1024)";

export class SizeError extends Error {
  readonly input: string;
  constructor(input: string) {
    super(`${JSON.stringify(input)} is not a size: ${SIZE_EXPECTED}`);
    this.name = "SizeError";
    this.input = input;
  }
}

/** Bytes in `text`. KB/MB/GB/TB are powers of 1000, KiB/MiB/GiB/TiB powers of 1024. */
export function parseSize(text: string): number {
  if (!SIZE_PATTERN.test(text)) throw new SizeError(text);
  const match = /^([\d.]+)([a-z]*)$/i.exec(text);
  const factor = SIZE_UNITS.get((match?.[2] ?? "").toLowerCase());
  if (!match || factor === undefined) throw new SizeError(text);
  const bytes = Math.round(Number(match[1]) * factor);
  if (!Number.isSafeInteger(bytes)) throw new SizeError(text);
  return bytes;
}

const SIZE_DISPLAY = [
  ["TiB", 1024 ** 4],
  ["TB", 1000 ** 4],
  ["GiB", 1024 ** 3],
  ["GB", 1000 ** 3],
  ["MiB", 1024 ** 2],
  ["MB", 1000 ** 2],
  ["KiB", 1024],
  ["KB", 1000],
] as const;

/**
 * A whole number of the largest unit that fits exactly (`1GiB`, `10MB`, `2000KiB`), otherwise
 * one decimal in SI units (`1.5KB`, `123.5MB`) — fine for display, and parseSize reads it back.
 */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0)
    throw new RangeError(`cannot format ${bytes} as a size`);
  const whole = Math.round(bytes);
  if (whole < 1000) return `${whole}B`;
  for (const [unit, size] of SIZE_DISPLAY) {
    if (whole >= size && whole % size === 0) return `${whole / size}${unit}`;
  }
  for (const [unit, size] of SIZE_DISPLAY) {
    if (!unit.includes("i") && whole >= size)
      return `${Math.round((whole / size) * 10) / 10}${unit}`;
  }
  return `${whole}B`;
}

/**
 * A duration in config: the YAML keeps the text (input type string, so JSON Schema and error
 * messages show what people write), the parsed config holds milliseconds.
 */
export const durationSchema = z
  .string({ error: `not a duration: ${DURATION_EXPECTED}` })
  .regex(DURATION_PATTERN, { error: (issue) => new DurationError(String(issue.input)).message })
  .meta({
    description: "A duration: number+unit pairs, largest unit first (w, d, h, m, s, ms)",
    examples: ["500ms", "30s", "5m", "1h30m", "1d", "2w"],
  })
  .transform((text, ctx) => {
    try {
      return parseDuration(text);
    } catch (error) {
      ctx.issues.push({ code: "custom", message: (error as Error).message, input: text });
      return z.NEVER;
    }
  });

/** A size in config: text in the YAML, bytes in the parsed config. */
export const sizeSchema = z
  .string({ error: `not a size: ${SIZE_EXPECTED}` })
  .regex(SIZE_PATTERN, { error: (issue) => new SizeError(String(issue.input)).message })
  .meta({
    description: "A size in bytes: KB/MB/GB/TB are powers of 1000, KiB/MiB/GiB/TiB powers of 1024",
    examples: ["512B", "10MB", "1GB", "512MiB"],
  })
  .transform((text, ctx) => {
    try {
      return parseSize(text);
    } catch (error) {
      ctx.issues.push({ code: "custom", message: (error as Error).message, input: text });
      return z.NEVER;
    }
  });
