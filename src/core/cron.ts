/**
 * Cron schedules evaluated in an IANA time zone, on top of croner (a proven library: `SUN#2`,
 * `L`, `FRI#L`, DST). This module pins the options every schedule in Unyo uses, so a job, a
 * backup and `unyo schedule` can never disagree about when "0 2 * * *" fires.
 *
 * Expression: 5 fields `minute hour day-of-month month day-of-week`, or 6 with seconds first.
 * Also `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`.
 * - `SUN#2`: second Sunday of the month; `FRI#L` (or `5L`): last Friday.
 * - `L` in day-of-month: last day of the month; `15W`: weekday nearest the 15th.
 * - **OR rule**: when both day-of-month and day-of-week are restricted, a day matches if
 *   EITHER matches (Vixie cron): `0 2 1 * MON` is the 1st *and* every Monday. Prefix the
 *   day-of-week with `+` for AND: `0 2 1 * +MON` is only a Monday that is the 1st.
 *
 * DST (croner's rules, checked in test/core/cron.test.ts for America/New_York):
 * - A fixed-time job — no `*` and no step in the second, minute and hour fields, such as
 *   `30 2 * * *` or `0 1,13 * * *` — whose time falls in the spring-forward gap runs once at the
 *   first valid time after the gap (03:00), and runs once, at the first occurrence, when the
 *   time repeats at fall back.
 * - Other jobs (`*\/30 1 * * *`, `0 * * * *`) are interval jobs: times in the gap are skipped and
 *   a repeated hour is run through twice, so elapsed time between runs stays even.
 * We pick croner's `fixedTimeRule: "no-wildcard"` (close to Vixie cron) rather than its default,
 * under which a list such as `0 1,13 * * *` would run twice on the fall-back day — the classic
 * "backup ran twice" bug.
 */
import { Cron } from "croner";
import { UnyoError } from "./errors.ts";
import { canonicalTimeZone, invalidTimeZoneMessage } from "./time-format.ts";

export interface CronSchedule {
  /** The expression with runs of whitespace collapsed. */
  readonly expression: string;
  /** Canonical IANA zone the fields are read in. */
  readonly timezone: string;
  /** The first fire time strictly after `after`, or null if there is none. */
  next(after: Date): Date | null;
  /** Up to `count` fire times strictly after `after`, in order. */
  nextRuns(after: Date, count: number): Date[];
}

/** What a schedule looks like, appended to every complaint about one. */
export const CRON_EXPECTED =
  'expected 5 fields "minute hour day-of-month month day-of-week" (or 6 with seconds first), ' +
  'e.g. "0 2 * * *" (02:00 daily), "0 2 * * SUN#2" (second Sunday), "0 23 L * *" (last day of ' +
  'the month), "0 18 * * FRI#L" (last Friday), or @hourly/@daily/@weekly/@monthly/@yearly';

const NICKNAMES = new Set([
  "@yearly",
  "@annually",
  "@monthly",
  "@weekly",
  "@daily",
  "@midnight",
  "@hourly",
]);

// Any run from here on will do: a 5- or 6-field pattern repeats at least every 28 years, so one
// that finds nothing after this date never fires at all (e.g. "0 0 30 2 *").
const NEVER_FIRES_PROBE = new Date(Date.UTC(2000, 0, 1));

interface Built {
  schedule?: CronSchedule;
  error?: string;
}

function build(expression: string, timezone: string): Built {
  const text = expression.trim().split(/\s+/).join(" ");
  const quoted = JSON.stringify(expression);
  if (text === "") return { error: `the schedule is empty: ${CRON_EXPECTED}` };
  const zone = canonicalTimeZone(timezone);
  if (zone === null) return { error: `schedule ${quoted}: ${invalidTimeZoneMessage(timezone)}` };
  const fields = text.split(" ").length;
  if (text.startsWith("@") ? !NICKNAMES.has(text.toLowerCase()) : fields < 5 || fields > 6) {
    // Checked here, not left to croner: croner reads any string containing ":" as a one-shot
    // date and accepts a 7th (year) field, neither of which a recurring schedule should be.
    const what = text.startsWith("@")
      ? "is not a known @nickname"
      : `has ${fields} field${fields === 1 ? "" : "s"}`;
    return { error: `${quoted} is not a valid cron schedule: it ${what}; ${CRON_EXPECTED}` };
  }
  let cron: Cron;
  try {
    // No callback: the Cron object only computes times and never starts a timer.
    cron = new Cron(text, { timezone: zone, mode: "5-or-6-parts", fixedTimeRule: "no-wildcard" });
  } catch (error) {
    const reason = (error as Error).message.replace(/^Cron\w*: /, "").replace(/\.$/, "");
    return { error: `${quoted} is not a valid cron schedule: ${reason}; ${CRON_EXPECTED}` };
  }
  if (cron.nextRun(NEVER_FIRES_PROBE) === null) {
    return {
      error:
        `${quoted} never fires: no date matches it (such as 31 April, or a day-of-month that ` +
        `is never the "+" weekday); ${CRON_EXPECTED}`,
    };
  }
  return {
    schedule: {
      expression: text,
      timezone: zone,
      next: (after) => cron.nextRun(after),
      nextRuns: (after, count) => (count > 0 ? cron.nextRuns(count, after) : []),
    },
  };
}

/**
 * Parses and checks a cron expression in `options.timezone`. Throws UnyoError
 * UNYO_E_SCHEDULE_INVALID naming the expression and the expected form.
 */
export function parseCron(expression: string, options: { timezone: string }): CronSchedule {
  const built = build(expression, options.timezone);
  if (!built.schedule) {
    throw new UnyoError("UNYO_E_SCHEDULE_INVALID", built.error ?? "invalid schedule", {
      details: { expression, timezone: options.timezone },
      hint: 'Try it with `unyo schedule "<expression>" --tz <zone>` to see the next fire times.',
    });
  }
  return built.schedule;
}

/** For config validation: the problem with the expression, or null when it is fine. */
export function validateCron(expression: string, timezone: string): string | null {
  return build(expression, timezone).error ?? null;
}
