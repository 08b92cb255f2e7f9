/**
 * The small grammars of a business calendar — weekdays (`mon-fri`), opening hours
 * (`09:00-18:00`) and dates (`2026-05-01`, yearly `12-29..01-03`) — parsed into plain data.
 * Each parser returns the value or an error message stating the expected form, so the zod schema
 * and anything else can report it the same way.
 */
import { isCivilDate } from "./time-format.ts";

/** Day names by JavaScript weekday number (0 = Sunday). */
export const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
/** ISO week order, Monday first: ranges run in this order, so `mon-fri` and `sat-sun` read naturally. */
const ISO_ORDER = [1, 2, 3, 4, 5, 6, 0];

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const DAYS_EXPECTED =
  'expected day names mon tue wed thu fri sat sun, ranges and lists such as "mon-fri", ' +
  '"mon-sat", "mon,wed,fri" or ["mon", "tue"]';

/** Weekday numbers (0 = Sunday), sorted. A range runs forward and may wrap: `sun-thu`. */
export function parseDays(spec: string | readonly string[]): Parsed<number[]> {
  const items = (typeof spec === "string" ? spec.split(",") : spec.flatMap((s) => s.split(",")))
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== "");
  if (items.length === 0) return { ok: false, error: `no days given: ${DAYS_EXPECTED}` };
  const days = new Set<number>();
  for (const item of items) {
    const [from, to, extra] = item.split("-");
    const a = DAY_NAMES.indexOf(from as (typeof DAY_NAMES)[number]);
    const b = to === undefined ? a : DAY_NAMES.indexOf(to as (typeof DAY_NAMES)[number]);
    if (a < 0 || b < 0 || extra !== undefined) {
      return { ok: false, error: `"${item}" is not a day or day range: ${DAYS_EXPECTED}` };
    }
    for (let i = ISO_ORDER.indexOf(a); ; i = (i + 1) % 7) {
      const day = ISO_ORDER[i] as number;
      days.add(day);
      if (day === b) break;
    }
  }
  return { ok: true, value: [...days].sort((x, y) => x - y) };
}

/** `mon-fri`, `mon,wed,fri`, `mon-thu,sun`: runs in ISO order. */
export function formatDays(days: readonly number[]): string {
  const present = ISO_ORDER.filter((d) => days.includes(d));
  const parts: string[] = [];
  for (let i = 0; i < present.length; ) {
    let j = i;
    while (
      j + 1 < present.length &&
      ISO_ORDER.indexOf(present[j + 1] as number) === ISO_ORDER.indexOf(present[j] as number) + 1
    )
      j++;
    const first = DAY_NAMES[present[i] as number];
    const last = DAY_NAMES[present[j] as number];
    parts.push(i === j ? `${first}` : `${first}-${last}`);
    i = j + 1;
  }
  return parts.join(",");
}

/** Opening hours in minutes since local midnight; `end` is exclusive (18:00 is closed). */
export interface HourRange {
  start: number;
  end: number;
}

const HOURS_EXPECTED =
  'expected "HH:MM-HH:MM" in 24-hour time, start before end, such as "09:00-18:00" or ' +
  '"00:00-24:00", or a list of them';

export function parseHours(spec: string | readonly string[]): Parsed<HourRange[]> {
  const items = typeof spec === "string" ? [spec] : [...spec];
  if (items.length === 0) return { ok: false, error: `no hours given: ${HOURS_EXPECTED}` };
  const ranges: HourRange[] = [];
  for (const item of items) {
    const m = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(item.trim());
    const start = m ? Number(m[1]) * 60 + Number(m[2]) : Number.NaN;
    const end = m ? Number(m[3]) * 60 + Number(m[4]) : Number.NaN;
    const minutesOk = m !== null && Number(m[2]) < 60 && Number(m[4]) < 60;
    if (!minutesOk || !(start < end) || end > 24 * 60) {
      // An overnight shift cannot be one range: which day would 02:00 belong to?
      const overnight =
        minutesOk && start > end
          ? " (for hours past midnight, give two ranges such as 22:00-24:00 and 00:00-06:00)"
          : "";
      return {
        ok: false,
        error: `"${item}" is not a range of hours: ${HOURS_EXPECTED}${overnight}`,
      };
    }
    ranges.push({ start, end });
  }
  return { ok: true, value: ranges.sort((a, b) => a.start - b.start) };
}

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

export function formatHours(ranges: readonly HourRange[]): string {
  return ranges.map((r) => `${hhmm(r.start)}-${hhmm(r.end)}`).join(",");
}

/**
 * A closed or open day rule. `dated`: from..to inclusive, `YYYY-MM-DD`. `yearly`: `MM-DD`
 * every year, and a range with from after to wraps the new year (`12-29..01-03`).
 */
export interface DateRule {
  kind: "dated" | "yearly";
  from: string;
  to: string;
  /** As written, for describe() and error messages. */
  text: string;
}

const DATES_EXPECTED =
  'expected a date "2026-05-01", a yearly date "12-31", or a range of either such as ' +
  '"2026-08-13..2026-08-16" or "12-29..01-03"';

function dateKind(text: string): "dated" | "yearly" | null {
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m) return isCivilDate(Number(m[1]), Number(m[2]), Number(m[3])) ? "dated" : null;
  m = /^(\d{2})-(\d{2})$/.exec(text);
  // 2000 is a leap year, so 02-29 is accepted as a yearly date (it applies in leap years).
  if (m) return isCivilDate(2000, Number(m[1]), Number(m[2])) ? "yearly" : null;
  return null;
}

export function parseDateRule(text: string): Parsed<DateRule> {
  const trimmed = text.trim();
  const [from = "", to = from, extra] = trimmed.split("..");
  const kind = dateKind(from);
  if (kind === null || extra !== undefined || dateKind(to) !== kind) {
    return { ok: false, error: `"${text}" is not a date or date range: ${DATES_EXPECTED}` };
  }
  if (kind === "dated" && from > to) {
    return { ok: false, error: `"${text}" ends before it starts: ${DATES_EXPECTED}` };
  }
  return { ok: true, value: { kind, from, to, text: trimmed } };
}

/** Does the rule cover the calendar date `ymd` (`YYYY-MM-DD`)? */
export function ruleMatches(rule: DateRule, ymd: string): boolean {
  if (rule.kind === "dated") return rule.from <= ymd && ymd <= rule.to;
  const md = ymd.slice(-5);
  return rule.from <= rule.to ? rule.from <= md && md <= rule.to : md >= rule.from || md <= rule.to;
}

/** The calendar date `days` after `ymd`; plain date arithmetic, no zone involved. */
export function addDays(ymd: string, days: number): string {
  const [y, m, d] = ymd.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Weekday (0 = Sunday) of a `YYYY-MM-DD` date. */
export function weekdayOf(ymd: string): number {
  const [y, m, d] = ymd.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}
