import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseCron, validateCron } from "../../src/core/cron.ts";
import { isUnyoError } from "../../src/core/errors.ts";
import { formatInZone } from "../../src/core/time-format.ts";

function runs(expression: string, timezone: string, from: string, count: number): string[] {
  const cron = parseCron(expression, { timezone });
  return cron.nextRuns(new Date(from), count).map((d) => formatInZone(d, timezone));
}

describe("parseCron in Asia/Tokyo", () => {
  test("SUN#2 is the second Sunday of each month", () => {
    assert.deepEqual(runs("0 2 * * SUN#2", "Asia/Tokyo", "2026-01-01T00:00:00+09:00", 3), [
      "2026-01-11T02:00:00+09:00",
      "2026-02-08T02:00:00+09:00",
      "2026-03-08T02:00:00+09:00",
    ]);
  });

  test("L in day-of-month is the last day, February included", () => {
    assert.deepEqual(runs("0 23 L * *", "Asia/Tokyo", "2026-01-01T00:00:00+09:00", 3), [
      "2026-01-31T23:00:00+09:00",
      "2026-02-28T23:00:00+09:00",
      "2026-03-31T23:00:00+09:00",
    ]);
  });

  test("FRI#L is the last Friday", () => {
    assert.deepEqual(runs("0 18 * * FRI#L", "Asia/Tokyo", "2026-01-01T00:00:00+09:00", 3), [
      "2026-01-30T18:00:00+09:00",
      "2026-02-27T18:00:00+09:00",
      "2026-03-27T18:00:00+09:00",
    ]);
  });

  test("day-of-month and day-of-week are ORed: 0 2 1 * MON is the 1st and every Monday", () => {
    assert.deepEqual(runs("0 2 1 * MON", "Asia/Tokyo", "2026-01-01T00:00:00+09:00", 4), [
      "2026-01-01T02:00:00+09:00", // a Thursday, matched by day-of-month
      "2026-01-05T02:00:00+09:00", // Mondays
      "2026-01-12T02:00:00+09:00",
      "2026-01-19T02:00:00+09:00",
    ]);
  });

  test("+MON asks for both: a Monday that is the 1st", () => {
    assert.deepEqual(runs("0 2 1 * +MON", "Asia/Tokyo", "2026-01-01T00:00:00+09:00", 2), [
      "2026-06-01T02:00:00+09:00",
      "2027-02-01T02:00:00+09:00",
    ]);
  });

  test("next is strictly after, and the same instant whatever the host TZ", () => {
    const cron = parseCron("0 2 * * *", { timezone: "Asia/Tokyo" });
    const at = new Date("2026-01-01T02:00:00+09:00");
    assert.equal(cron.next(at)?.toISOString(), "2026-01-01T17:00:00.000Z");
    assert.equal(cron.next(new Date(at.getTime() - 1))?.toISOString(), "2025-12-31T17:00:00.000Z");
  });

  test("six fields put seconds first; nicknames work", () => {
    assert.deepEqual(runs("30 0 9 * * *", "Asia/Tokyo", "2026-01-01T00:00:00+09:00", 1), [
      "2026-01-01T09:00:30+09:00",
    ]);
    assert.deepEqual(runs("@daily", "Asia/Tokyo", "2026-01-01T12:00:00+09:00", 1), [
      "2026-01-02T00:00:00+09:00",
    ]);
  });

  test("schedule keeps the canonical zone and collapsed expression", () => {
    const cron = parseCron("  0  2 * * * ", { timezone: "asia/tokyo" });
    assert.equal(cron.expression, "0 2 * * *");
    assert.equal(cron.timezone, "Asia/Tokyo");
    assert.deepEqual(cron.nextRuns(new Date(0), 0), []);
  });
});

describe("DST in America/New_York (croner's rules, as we configure them)", () => {
  const ny = "America/New_York";

  test("spring forward: a 02:30 daily job runs once at 03:00 EDT on 2026-03-08", () => {
    assert.deepEqual(runs("30 2 * * *", ny, "2026-03-07T00:00:00-05:00", 3), [
      "2026-03-07T02:30:00-05:00",
      "2026-03-08T03:00:00-04:00",
      "2026-03-09T02:30:00-04:00",
    ]);
  });

  test("fall back: a 01:30 daily job runs once, at the first (EDT) 01:30 on 2026-11-01", () => {
    assert.deepEqual(runs("30 1 * * *", ny, "2026-10-31T12:00:00-04:00", 2), [
      "2026-11-01T01:30:00-04:00",
      "2026-11-02T01:30:00-05:00",
    ]);
  });

  test("fall back: a list of fixed times (0 1,13) still runs 01:00 once", () => {
    assert.deepEqual(runs("0 1,13 * * *", ny, "2026-11-01T00:00:00-04:00", 3), [
      "2026-11-01T01:00:00-04:00",
      "2026-11-01T13:00:00-05:00",
      "2026-11-02T01:00:00-05:00",
    ]);
  });

  test("interval jobs skip the gap and run through the repeated hour twice", () => {
    assert.deepEqual(runs("0 * * * *", ny, "2026-03-08T00:30:00-05:00", 3), [
      "2026-03-08T01:00:00-05:00",
      "2026-03-08T03:00:00-04:00",
      "2026-03-08T04:00:00-04:00",
    ]);
    assert.deepEqual(runs("*/30 1 * * *", ny, "2026-11-01T00:00:00-04:00", 5), [
      "2026-11-01T01:00:00-04:00",
      "2026-11-01T01:30:00-04:00",
      "2026-11-01T01:00:00-05:00",
      "2026-11-01T01:30:00-05:00",
      "2026-11-02T01:00:00-05:00",
    ]);
  });
});

describe("invalid schedules", () => {
  const cases: Array<[string, RegExp]> = [
    ["", /empty/],
    ["0 2 * *", /has 4 fields; expected 5 fields "minute hour day-of-month month day-of-week"/],
    ["0 0 2 1 1 * 2030", /has 7 fields/],
    ["61 * * * *", /minute: 61/],
    ["0 2 * * SUN#6", /nth weekday/],
    ["0 0 30 2 *", /never fires/],
    ["2026-01-01T00:00:00", /has 1 field;/],
    ["@reboot", /not a known @nickname/],
  ];
  for (const [expression, pattern] of cases) {
    test(`${JSON.stringify(expression)} is refused with a reason`, () => {
      const message = validateCron(expression, "UTC");
      assert.match(message ?? "", pattern);
      assert.throws(
        () => parseCron(expression, { timezone: "UTC" }),
        (error: unknown) =>
          isUnyoError(error) &&
          error.code === "UNYO_E_SCHEDULE_INVALID" &&
          error.exitCode === 2 &&
          error.message === message,
      );
    });
  }

  test("an unknown or fixed-offset zone is refused", () => {
    assert.match(
      validateCron("0 2 * * *", "Mars/Olympus") ?? "",
      /"Mars\/Olympus" is not a time zone/,
    );
    assert.match(validateCron("0 2 * * *", "+09:00") ?? "", /is not a time zone/);
  });

  test("a good schedule validates to null", () => {
    assert.equal(validateCron("0 2 * * SUN#2", "Asia/Tokyo"), null);
  });
});
