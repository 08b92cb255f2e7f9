/**
 * Instants shown and read in an IANA time zone. Everything Unyo prints about time carries the
 * zone's offset (`2026-01-11T02:00:00+09:00`), because "02:00" without an offset is the most
 * common source of false alerts in cron monitoring.
 *
 * Pure functions over Intl; no clock reads, no dependence on the host's TZ.
 */

/** Wall-clock fields of an instant in a zone. `weekday` is 0 = Sunday … 6 = Saturday. */
export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

// Intl.DateTimeFormat construction costs far more than formatting, and schedules and
// calendars ask for the same few zones over and over, so one formatter per zone is kept.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      // h23, not hour12: false: the latter prints midnight as "24" in some ICU versions.
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      era: "short",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * The zone's canonical spelling ("utc" → "UTC", "asia/tokyo" → "Asia/Tokyo"), or null when it is
 * not a zone name. Fixed offsets such as "+09:00" are refused: they know nothing of DST, and a
 * schedule written with one silently drifts by an hour twice a year where DST applies.
 */
export function canonicalTimeZone(timeZone: string): string | null {
  if (timeZone === "" || /^[+-]/.test(timeZone)) return null;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

export function isValidTimeZone(timeZone: string): boolean {
  return canonicalTimeZone(timeZone) !== null;
}

/** The error text every place that rejects a zone uses, so they read the same. */
export function invalidTimeZoneMessage(timeZone: string): string {
  return `"${timeZone}" is not a time zone: expected an IANA name such as Asia/Tokyo, UTC or America/New_York`;
}

export function zonedParts(date: Date, timeZone: string): ZonedParts {
  const fields: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(date)) fields[part.type] = part.value;
  let year = Number(fields.year);
  if (fields.era === "BC" || fields.era === "B") year = 1 - year;
  const month = Number(fields.month);
  const day = Number(fields.day);
  return {
    year,
    month,
    day,
    hour: Number(fields.hour),
    minute: Number(fields.minute),
    second: Number(fields.second),
    weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay(),
  };
}

/** Offset of the zone from UTC at the instant, in milliseconds (east positive). */
export function offsetMs(date: Date, timeZone: string): number {
  const whole = Math.floor(date.getTime() / 1000) * 1000;
  const p = zonedParts(new Date(whole), timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - whole;
}

function pad(n: number, width = 2): string {
  return String(Math.abs(n)).padStart(width, "0");
}

/** `YYYY-MM-DD` for a civil date. */
export function formatYmd(year: number, month: number, day: number): string {
  return `${year < 0 ? "-" : ""}${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

function formatOffset(ms: number): string {
  const sign = ms < 0 ? "-" : "+";
  const total = Math.abs(ms) / 1000;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  // Local mean time before 1900 has second offsets (Tokyo was +09:18:59); print them rather
  // than round, so the string names the exact instant.
  return `${sign}${pad(h)}:${pad(m)}${s === 0 ? "" : `:${pad(s)}`}`;
}

/**
 * ISO 8601 with the zone's offset: `2026-01-11T02:00:00+09:00`. Seconds are always shown, UTC is
 * `+00:00` (never `Z`, so every line has the same shape), milliseconds only when not zero.
 */
export function formatInZone(date: Date, timeZone: string): string {
  const p = zonedParts(date, timeZone);
  const ms = ((date.getTime() % 1000) + 1000) % 1000;
  const fraction = ms === 0 ? "" : `.${pad(ms, 3)}`;
  const time = `${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${fraction}`;
  return `${formatYmd(p.year, p.month, p.day)}T${time}${formatOffset(offsetMs(date, timeZone))}`;
}

/** The calendar date (`YYYY-MM-DD`) and weekday (0 = Sunday) of the instant in the zone. */
export function localDateInZone(date: Date, timeZone: string): { date: string; weekday: number } {
  const p = zonedParts(date, timeZone);
  return { date: formatYmd(p.year, p.month, p.day), weekday: p.weekday };
}

/**
 * The instant at which the zone's clocks show the given wall time. Follows Temporal's
 * "compatible" rule: a time that occurs twice (DST fall back) means the earlier instant, a time
 * that does not exist (spring forward) is moved forward by the length of the gap.
 */
export function instantFromZoned(
  fields: {
    year: number;
    month: number;
    day: number;
    hour?: number;
    minute?: number;
    second?: number;
    ms?: number;
  },
  timeZone: string,
): Date {
  const wall = Date.UTC(
    fields.year,
    fields.month - 1,
    fields.day,
    fields.hour ?? 0,
    fields.minute ?? 0,
    fields.second ?? 0,
    fields.ms ?? 0,
  );
  const day = 86_400_000;
  // Zones change offset at most once within a day or so, so the offsets a day either side are
  // the only candidates.
  const before = offsetMs(new Date(wall - day), timeZone);
  const after = offsetMs(new Date(wall + day), timeZone);
  const candidates = [wall - before, wall - after]
    .filter((t) => offsetMs(new Date(t), timeZone) === wall - t)
    .sort((a, b) => a - b);
  const first = candidates[0];
  return new Date(first ?? wall - before);
}

const TIME_TEXT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * Reads `2026-01-01`, `2026-01-01T09:00`, `2026-01-01T09:00:00+09:00` or `…Z`. Without an offset
 * the wall time is read in `timeZone` ("from 09:00" means 09:00 where the schedule runs).
 * Returns null for anything else, including impossible dates such as 2026-02-30.
 */
export function parseTimeInZone(text: string, timeZone: string): Date | null {
  const m = TIME_TEXT.exec(text);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const hour = Number(m[4] ?? 0);
  const minute = Number(m[5] ?? 0);
  const second = Number(m[6] ?? 0);
  const ms = Number((m[7] ?? "0").padEnd(3, "0"));
  if (!isCivilDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
  const offset = m[8];
  if (offset === undefined) {
    return instantFromZoned({ year, month, day, hour, minute, second, ms }, timeZone);
  }
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (offset === "Z") return new Date(wall);
  const sign = offset.startsWith("-") ? -1 : 1;
  const offsetMinutes = Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6));
  return new Date(wall - sign * offsetMinutes * 60_000);
}

/** True when year-month-day names a real day (no 02-30). */
export function isCivilDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}
