/**
 * What a silence is and what makes one acceptable, apart from where it is stored, so the
 * API, the CLI and the service judge a new silence the same way.
 *
 * Rules on create, each one a mistake seen in practice:
 * - at least one matcher, and not only matchers an alert without the label passes
 *   (`env!="prod"` alone would silence nearly everything);
 * - a start in the past means now (as in Alertmanager); the end must come after the start;
 * - at most `maxDurationMs` long (default 1 year): "forever" silences hide real outages;
 * - an author and a comment: the next person must be able to ask who and why.
 */
import { formatDuration } from "../core/duration.ts";
import { UnyoError } from "../core/errors.ts";
import {
  formatMatchers,
  type LabelMatcher,
  MatcherError,
  type MatcherInput,
  matchesEmpty,
  toMatchers,
} from "./matchers.ts";

export type SilenceState = "pending" | "active" | "expired";

export interface Silence {
  /** 12 random hex characters. */
  id: string;
  matchers: LabelMatcher[];
  startsAt: number;
  /** The end asked for when it was created; see expiredAt for an early end. */
  endsAt: number;
  createdBy: string;
  comment: string;
  createdAt: number;
  /** When someone ended it early (expire), or null. */
  expiredAt: number | null;
  expiredBy: string | null;
}

export interface NewSilence {
  /** Text (`service="web", env=~"prod.*"`), a map of equalities, or a list of matchers. */
  matchers: MatcherInput;
  /** Default (and anything earlier): now. */
  startsAt?: number;
  endsAt: number;
  createdBy: string;
  comment: string;
}

export const DEFAULT_MAX_SILENCE_MS = 365 * 86_400_000;
const MAX_MATCHERS = 32;
const MAX_COMMENT = 2000;
export const MAX_AUTHOR = 200;

/** When the silence stops applying: its end, or when it was expired if that came first. */
export function effectiveEnd(silence: Silence): number {
  return silence.expiredAt === null ? silence.endsAt : Math.min(silence.endsAt, silence.expiredAt);
}

export function silenceState(silence: Silence, at: number): SilenceState {
  if (effectiveEnd(silence) <= at) return "expired";
  return silence.startsAt > at ? "pending" : "active";
}

/**
 * The checked, normalised fields of a new silence (matchers parsed, texts trimmed, start
 * moved up to `now`). Throws UnyoError UNYO_E_VALIDATION with `details.field`.
 */
export function checkNewSilence(
  input: NewSilence,
  now: number,
  maxDurationMs: number = DEFAULT_MAX_SILENCE_MS,
): Pick<Silence, "matchers" | "startsAt" | "endsAt" | "createdBy" | "comment"> {
  const matchers = checkSilenceMatchers(input.matchers);
  const createdBy = requiredText(input.createdBy, "createdBy", "who creates it", MAX_AUTHOR);
  const comment = requiredText(input.comment, "comment", "why, e.g. a ticket", MAX_COMMENT);
  const startsAt = Math.max(now, time(input.startsAt ?? now, "startsAt"));
  const endsAt = time(input.endsAt, "endsAt");
  if (endsAt <= startsAt) {
    const start = new Date(startsAt).toISOString();
    invalid("endsAt", `endsAt must be after the start (${start}); got ${iso(endsAt)}`);
  }
  if (endsAt - startsAt > maxDurationMs) {
    invalid(
      "endsAt",
      `a silence lasts at most ${formatDuration(maxDurationMs)}; this one would last ${formatDuration(endsAt - startsAt)}: silence the known work, then make a new one`,
    );
  }
  return { matchers, startsAt, endsAt, createdBy, comment };
}

function checkSilenceMatchers(input: MatcherInput): LabelMatcher[] {
  let matchers: LabelMatcher[];
  try {
    matchers = toMatchers(input);
  } catch (error) {
    if (error instanceof MatcherError) invalid("matchers", error.message);
    throw error;
  }
  if (matchers.length === 0) {
    invalid("matchers", 'a silence needs at least one matcher, e.g. alertname="web-cpu"');
  }
  if (matchers.length > MAX_MATCHERS) {
    invalid("matchers", `at most ${MAX_MATCHERS} matchers; this silence has ${matchers.length}`);
  }
  if (matchers.every(matchesEmpty)) {
    invalid(
      "matchers",
      `${formatMatchers(matchers)} also matches alerts without these labels, so it would silence nearly everything: add a matcher that needs a value, e.g. service="web"`,
    );
  }
  return matchers;
}

/** A trimmed, non-empty text of at most `max` characters. */
export function requiredText(value: unknown, field: string, what: string, max: number): string {
  const text = typeof value === "string" ? value.trim() : "";
  if (text === "") invalid(field, `${field} is required: ${what}`);
  if (text.length > max) invalid(field, `${field} is longer than ${max} characters`);
  return text;
}

function time(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    invalid(field, `${field} must be a time in milliseconds since the epoch`);
  }
  return value;
}

const iso = (ms: number) => new Date(ms).toISOString();

function invalid(field: string, message: string): never {
  throw new UnyoError("UNYO_E_VALIDATION", message, { details: { field } });
}
