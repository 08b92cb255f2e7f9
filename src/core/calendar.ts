/**
 * Business calendars (営業日): which days are working days and which hours are working hours,
 * in a calendar's own time zone. They drive "1営業日以内" response targets, contact hours and
 * "only on business days" schedules.
 *
 * A date is a business day when, in this order (first match wins):
 *   1. an `open` rule covers it → open (e.g. a Saturday made a working day);
 *   2. a `closed` rule covers it → closed (年末年始, company holidays);
 *   3. `holidays: jp` and it is a Japanese national holiday → closed;
 *   4. otherwise its weekday decides (`days`).
 * Business hours apply on business days only; `end` is exclusive (at 18:00 it is closed).
 */
import { createRequire } from "node:module";
import { z } from "zod";
import {
  addDays,
  type DateRule,
  formatDays,
  formatHours,
  type Parsed,
  parseDateRule,
  parseDays,
  parseHours,
  ruleMatches,
  weekdayOf,
} from "./calendar-rules.ts";
import { UnyoError } from "./errors.ts";
import {
  canonicalTimeZone,
  formatYmd,
  invalidTimeZoneMessage,
  localDateInZone,
  zonedParts,
} from "./time-format.ts";

let jpHolidays: ReadonlyMap<string, string> | undefined;

/**
 * The name of the Japanese national holiday on `ymd` (`YYYY-MM-DD`, a Tokyo calendar date), or
 * undefined. Data from @holiday-jp/holiday_jp (1970–2050, checked against the Cabinet Office
 * list). We read its date-keyed table and never call its `isHoliday`/`between`, which convert
 * through the host's local time zone and so answer differently on a UTC server.
 */
export function japaneseHoliday(ymd: string): string | undefined {
  if (!jpHolidays) {
    // Loaded on first use: most processes never ask, and the table is a large object literal.
    const require = createRequire(import.meta.url);
    const lib = require("@holiday-jp/holiday_jp") as typeof import("@holiday-jp/holiday_jp");
    const table: Record<string, { name: string }> = lib.holidays;
    jpHolidays = new Map(Object.entries(table).map(([date, holiday]) => [date, holiday.name]));
  }
  return jpHolidays.get(ymd);
}

// Adapts a calendar-rules parser to a zod transform that reports its message as the issue.
function checked<I, T>(parse: (value: I) => Parsed<T>, path: number[] = []) {
  return (value: I, ctx: z.RefinementCtx): T => {
    const result = parse(value);
    if (result.ok) return result.value;
    ctx.issues.push({ code: "custom", message: result.error, input: value, path });
    return z.NEVER;
  };
}

// For editors only (JSON Schema); the parsers check more (real dates, start before end).
const HOURS_PATTERN = "^\\d{2}:\\d{2}-\\d{2}:\\d{2}$";
const DATE_PATTERN = "^(\\d{4}-)?\\d{2}-\\d{2}(\\.\\.(\\d{4}-)?\\d{2}-\\d{2})?$";

const dateRules = z
  .array(
    z
      .string({ error: 'expected a date such as "2026-05-01", "12-31" or "12-29..01-03"' })
      .meta({ pattern: DATE_PATTERN }),
    {
      error: 'expected a list of dates such as ["2026-05-01", "12-29..01-03"]',
    },
  )
  .transform((items, ctx) => items.map((item, i) => checked(parseDateRule, [i])(item, ctx)))
  .prefault([]);

const hoursText = z.string().meta({ pattern: HOURS_PATTERN });

const KEYS = "days, hours, holidays, closed, open, timezone";

/** One calendar under `calendars:` in unyo.yaml. Output is normalized plain data. */
export const calendarConfigSchema = z
  .strictObject(
    {
      days: z
        .union([z.string(), z.array(z.string())], {
          error: 'expected days such as "mon-fri", "mon-sat" or ["mon", "wed", "fri"]',
        })
        .meta({ description: "Working weekdays", examples: ["mon-fri", "mon-sat", ["mon", "wed"]] })
        .transform(checked(parseDays))
        .prefault("mon-fri"),
      hours: z
        .union([hoursText, z.array(hoursText)], {
          error: 'expected hours such as "09:00-18:00" or ["09:00-12:00", "13:00-18:00"]',
        })
        .meta({ description: "Working hours, end exclusive", examples: ["09:00-18:00"] })
        .transform(checked(parseHours))
        .prefault("00:00-24:00"),
      holidays: z
        .enum(["jp", "none"], {
          error: 'expected "jp" (Japanese national holidays closed) or "none"',
        })
        .default("none"),
      closed: dateRules.meta({
        description: "Extra closed days: YYYY-MM-DD, yearly MM-DD, or ranges a..b",
        examples: [["12-29..01-03", "2026-08-13..2026-08-16"]],
      }),
      open: dateRules.meta({
        description: "Working days that override everything else",
        examples: [["2026-01-04"]],
      }),
      timezone: z
        .string({ error: "expected an IANA time zone such as Asia/Tokyo" })
        .transform((tz, ctx) => {
          const zone = canonicalTimeZone(tz);
          if (zone !== null) return zone;
          ctx.issues.push({ code: "custom", message: invalidTimeZoneMessage(tz), input: tz });
          return z.NEVER;
        })
        .optional(),
    },
    {
      error: (issue) =>
        issue.code === "unrecognized_keys"
          ? `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}: a calendar has ${KEYS}`
          : issue.code === "invalid_type"
            ? `expected a calendar such as { days: mon-fri, hours: "09:00-18:00", holidays: jp } with keys ${KEYS}`
            : undefined,
    },
  )
  .meta({ description: "A business calendar (営業日)" });

export type CalendarConfigInput = z.input<typeof calendarConfigSchema>;
export type CalendarConfig = z.output<typeof calendarConfigSchema>;
export type { DateRule };

// Beyond this a calendar with no business day is treated as misconfigured rather than searched.
const SEARCH_DAYS = 3660;

export class BusinessCalendar {
  readonly name: string;
  readonly timezone: string;
  readonly config: CalendarConfig;
  readonly #days: ReadonlySet<number>;

  /** `defaultZone` (the config's top-level timezone) is used when the calendar names none. */
  constructor(name: string, config: CalendarConfig, defaultZone: string) {
    const zone = canonicalTimeZone(config.timezone ?? defaultZone);
    if (zone === null) {
      throw new UnyoError(
        "UNYO_E_CONFIG_INVALID",
        `calendar "${name}": ${invalidTimeZoneMessage(config.timezone ?? defaultZone)}`,
      );
    }
    this.name = name;
    this.timezone = zone;
    this.config = config;
    this.#days = new Set(config.days);
  }

  /** Is the calendar date `ymd` (`YYYY-MM-DD`) a business day? */
  isBusinessDate(ymd: string): boolean {
    if (this.config.open.some((rule) => ruleMatches(rule, ymd))) return true;
    if (this.config.closed.some((rule) => ruleMatches(rule, ymd))) return false;
    if (this.config.holidays === "jp" && japaneseHoliday(ymd) !== undefined) return false;
    return this.#days.has(weekdayOf(ymd));
  }

  /** Is the date of `date`, in this calendar's zone, a business day? */
  isBusinessDay(date: Date): boolean {
    return this.isBusinessDate(this.dateOf(date));
  }

  /** Is `instant` inside business hours of a business day, in this calendar's zone? */
  isBusinessTime(instant: Date): boolean {
    const p = zonedParts(instant, this.timezone);
    if (!this.isBusinessDate(formatYmd(p.year, p.month, p.day))) return false;
    const minute = p.hour * 60 + p.minute;
    return this.config.hours.some((range) => range.start <= minute && minute < range.end);
  }

  /**
   * The first business day strictly after the date of `after` in this calendar's zone
   * (`YYYY-MM-DD`). Throws if there is none within ten years: such a calendar is a mistake.
   */
  nextBusinessDay(after: Date): string {
    let ymd = this.dateOf(after);
    for (let i = 0; i < SEARCH_DAYS; i++) {
      ymd = addDays(ymd, 1);
      if (this.isBusinessDate(ymd)) return ymd;
    }
    throw new UnyoError(
      "UNYO_E_CONFIG_INVALID",
      `calendar "${this.name}" has no business day in the ten years after ${this.dateOf(after)}`,
      { hint: "Check its days, closed and open entries." },
    );
  }

  /** `YYYY-MM-DD` of `date` in this calendar's zone. */
  dateOf(date: Date): string {
    return localDateInZone(date, this.timezone).date;
  }

  /** One line: `jp: mon-fri 09:00-18:00, Japanese national holidays closed, Asia/Tokyo`. */
  describe(): string {
    const c = this.config;
    const parts = [`${formatDays(c.days)} ${formatHours(c.hours)}`];
    if (c.holidays === "jp") parts.push("Japanese national holidays closed");
    if (c.closed.length > 0) parts.push(`also closed ${c.closed.map((r) => r.text).join(", ")}`);
    if (c.open.length > 0) parts.push(`open ${c.open.map((r) => r.text).join(", ")}`);
    parts.push(this.timezone);
    return `${this.name}: ${parts.join(", ")}`;
  }
}

/**
 * Validates `config` (as written in unyo.yaml) and builds the calendar. Throws UnyoError
 * UNYO_E_CONFIG_INVALID naming the calendar and the first problem. A config loader that already
 * parsed the config with calendarConfigSchema can call `new BusinessCalendar` directly.
 */
export function createCalendar(
  name: string,
  config: unknown,
  defaultZone: string,
): BusinessCalendar {
  const result = calendarConfigSchema.safeParse(config ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((issue) => ({
      path: ["calendars", name, ...issue.path.map(String)].join("."),
      message: issue.message,
    }));
    const first = issues[0];
    throw new UnyoError("UNYO_E_CONFIG_INVALID", `${first?.path}: ${first?.message}`, {
      details: { issues },
    });
  }
  return new BusinessCalendar(name, result.data, defaultZone);
}

/**
 * Calendars every config has without declaring them. A calendar of the same name under
 * `calendars:` replaces the built-in one.
 * - `jp`: mon-fri 09:00-18:00, Japanese national holidays closed, Asia/Tokyo.
 * - `weekdays`: mon-fri, all day, no holidays, in the default zone.
 */
export function builtinCalendars(defaultZone: string): Map<string, BusinessCalendar> {
  return new Map([
    [
      "jp",
      createCalendar(
        "jp",
        { hours: "09:00-18:00", holidays: "jp", timezone: "Asia/Tokyo" },
        defaultZone,
      ),
    ],
    ["weekdays", createCalendar("weekdays", {}, defaultZone)],
  ]);
}
