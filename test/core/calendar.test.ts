import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  BusinessCalendar,
  builtinCalendars,
  calendarConfigSchema,
  createCalendar,
  japaneseHoliday,
} from "../../src/core/calendar.ts";
import { isUnyoError } from "../../src/core/errors.ts";

// Noon in Tokyo on the given date: a time that is the same calendar date in Tokyo only.
const tokyoNoon = (ymd: string) => new Date(`${ymd}T12:00:00+09:00`);

describe("built-in jp calendar", () => {
  const jp = builtinCalendars("UTC").get("jp") as BusinessCalendar;

  test("Japanese national holidays are closed", () => {
    assert.equal(japaneseHoliday("2026-01-01"), "元日");
    assert.equal(jp.isBusinessDay(tokyoNoon("2026-01-01")), false);
    assert.equal(japaneseHoliday("2026-01-12"), "成人の日"); // second Monday of January
    assert.equal(jp.isBusinessDay(tokyoNoon("2026-01-12")), false);
    assert.match(japaneseHoliday("2026-05-06") ?? "", /振替休日/);
    assert.equal(jp.isBusinessDay(tokyoNoon("2026-05-06")), false);
    // 国民の休日 (named 休日 in the data): a weekday between two holidays.
    assert.equal(japaneseHoliday("2026-09-22"), "休日");
    assert.equal(jp.isBusinessDay(tokyoNoon("2026-09-22")), false);
  });

  test("weekends are closed, ordinary weekdays open", () => {
    assert.equal(jp.isBusinessDay(tokyoNoon("2026-01-10")), false); // Saturday
    assert.equal(jp.isBusinessDay(tokyoNoon("2026-01-11")), false); // Sunday
    assert.equal(jp.isBusinessDay(tokyoNoon("2026-01-13")), true); // Tuesday
  });

  test("the date is taken in Tokyo, not in UTC or the host zone", () => {
    // 2026-01-12T16:00Z is Tuesday 01:00 in Tokyo but still the holiday Monday in UTC.
    assert.equal(jp.isBusinessDay(new Date("2026-01-12T16:00:00Z")), true);
    // 2026-01-11T16:00Z is Monday 01:00 in Tokyo (成人の日) but Sunday in UTC.
    assert.equal(jp.isBusinessDay(new Date("2026-01-11T16:00:00Z")), false);
  });

  test("business hours are 09:00 to 18:00, end exclusive", () => {
    assert.equal(jp.isBusinessTime(new Date("2026-01-13T08:59:59+09:00")), false);
    assert.equal(jp.isBusinessTime(new Date("2026-01-13T09:00:00+09:00")), true);
    assert.equal(jp.isBusinessTime(new Date("2026-01-13T17:59:59+09:00")), true);
    assert.equal(jp.isBusinessTime(new Date("2026-01-13T18:00:00+09:00")), false);
    assert.equal(jp.isBusinessTime(new Date("2026-01-12T10:00:00+09:00")), false); // holiday
  });

  test("next business day skips weekends and holidays", () => {
    assert.equal(jp.nextBusinessDay(tokyoNoon("2026-01-09")), "2026-01-13"); // Fri → Tue
    assert.equal(jp.nextBusinessDay(tokyoNoon("2026-04-30")), "2026-05-01");
    assert.equal(jp.nextBusinessDay(tokyoNoon("2026-05-01")), "2026-05-07"); // Golden Week
  });

  test("describe is one line", () => {
    assert.equal(
      jp.describe(),
      "jp: mon-fri 09:00-18:00, Japanese national holidays closed, Asia/Tokyo",
    );
  });
});

describe("built-in weekdays calendar", () => {
  test("mon-fri all day in the default zone, no holidays", () => {
    const weekdays = builtinCalendars("Asia/Tokyo").get("weekdays") as BusinessCalendar;
    assert.equal(weekdays.timezone, "Asia/Tokyo");
    assert.equal(weekdays.isBusinessDay(tokyoNoon("2026-01-12")), true); // holiday, but open
    assert.equal(weekdays.isBusinessTime(new Date("2026-01-13T00:00:00+09:00")), true);
    assert.equal(weekdays.isBusinessTime(new Date("2026-01-13T23:59:59+09:00")), true);
    assert.equal(weekdays.isBusinessDay(tokyoNoon("2026-01-10")), false);
    assert.equal(weekdays.describe(), "weekdays: mon-fri 00:00-24:00, Asia/Tokyo");
  });
});

describe("configured calendars", () => {
  const company = createCalendar(
    "company",
    {
      days: "mon-sat",
      hours: ["09:00-12:00", "13:00-17:30"],
      holidays: "jp",
      closed: ["12-29..01-03", "2026-08-13..2026-08-14", "06-15"],
      open: ["2026-01-03"],
    },
    "Asia/Tokyo",
  );

  test("yearly closed ranges wrap the new year; open overrides closed", () => {
    assert.equal(company.isBusinessDate("2026-12-28"), true);
    assert.equal(company.isBusinessDate("2026-12-29"), false);
    assert.equal(company.isBusinessDate("2027-01-02"), false);
    assert.equal(company.isBusinessDate("2026-01-03"), true); // a Saturday in 年末年始, but open
    assert.equal(company.isBusinessDate("2027-01-04"), true);
    assert.equal(company.isBusinessDate("2026-08-13"), false);
    assert.equal(company.isBusinessDate("2026-08-15"), true); // Saturday: mon-sat
    assert.equal(company.isBusinessDate("2027-06-15"), false); // yearly
  });

  test("several hour ranges: the lunch break is closed", () => {
    assert.equal(company.isBusinessTime(new Date("2026-01-13T11:59:00+09:00")), true);
    assert.equal(company.isBusinessTime(new Date("2026-01-13T12:30:00+09:00")), false);
    assert.equal(company.isBusinessTime(new Date("2026-01-13T17:29:00+09:00")), true);
    assert.equal(company.isBusinessTime(new Date("2026-01-13T17:30:00+09:00")), false);
  });

  test("describe mentions every rule", () => {
    assert.equal(
      company.describe(),
      "company: mon-sat 09:00-12:00,13:00-17:30, Japanese national holidays closed, " +
        "also closed 12-29..01-03, 2026-08-13..2026-08-14, 06-15, open 2026-01-03, Asia/Tokyo",
    );
  });

  test("day lists and wrapping ranges", () => {
    const parse = (days: string | string[]) => calendarConfigSchema.parse({ days }).days;
    assert.deepEqual(parse("mon-fri"), [1, 2, 3, 4, 5]);
    assert.deepEqual(parse("sun-thu"), [0, 1, 2, 3, 4]);
    assert.deepEqual(parse(["Mon", "wed", "fri"]), [1, 3, 5]);
    assert.deepEqual(parse("sat,sun"), [0, 6]);
  });

  test("defaults: mon-fri, all day, no holidays, the default zone", () => {
    const parsed = calendarConfigSchema.parse({});
    assert.deepEqual(parsed.days, [1, 2, 3, 4, 5]);
    assert.deepEqual(parsed.hours, [{ start: 0, end: 1440 }]);
    assert.equal(parsed.holidays, "none");
    assert.equal(new BusinessCalendar("x", parsed, "Europe/Berlin").timezone, "Europe/Berlin");
  });

  test("a calendar with no business day fails loudly instead of searching forever", () => {
    const never = createCalendar("never", { closed: ["01-01..12-31"] }, "UTC");
    assert.throws(() => never.nextBusinessDay(new Date("2026-01-01T00:00:00Z")), /no business day/);
  });
});

describe("config errors state the expected form", () => {
  const cases: Array<[unknown, string, RegExp]> = [
    [
      { days: "mon-fry" },
      "calendars.c.days",
      /"mon-fry" is not a day or day range: expected day names/,
    ],
    [
      { hours: "18:00-09:00" },
      "calendars.c.hours",
      /two ranges such as 22:00-24:00 and 00:00-06:00/,
    ],
    [{ hours: "9-18" }, "calendars.c.hours", /expected "HH:MM-HH:MM"/],
    [{ holidays: "us" }, "calendars.c.holidays", /expected "jp" .* or "none"/],
    [
      { closed: ["2026-01-01", "2026-02-30"] },
      "calendars.c.closed.1",
      /"2026-02-30" is not a date/,
    ],
    [{ closed: ["2026-12-31..2026-01-01"] }, "calendars.c.closed.0", /ends before it starts/],
    [{ timezone: "Tokyo" }, "calendars.c.timezone", /"Tokyo" is not a time zone/],
    [{ weekdays: "mon-fri" }, "calendars.c", /unknown key "weekdays": a calendar has days, hours/],
    ["mon-fri", "calendars.c", /expected a calendar such as/],
  ];
  for (const [config, path, message] of cases) {
    test(`${JSON.stringify(config)} → ${path}`, () => {
      assert.throws(
        () => createCalendar("c", config, "UTC"),
        (error: unknown) =>
          isUnyoError(error) &&
          error.code === "UNYO_E_CONFIG_INVALID" &&
          error.message.startsWith(`${path}: `) &&
          message.test(error.message),
      );
    });
  }
});
