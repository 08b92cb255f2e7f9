import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  canonicalTimeZone,
  formatInZone,
  instantFromZoned,
  isValidTimeZone,
  localDateInZone,
  parseTimeInZone,
} from "../../src/core/time-format.ts";

describe("formatInZone", () => {
  test("shows the zone's offset and always the seconds", () => {
    const instant = new Date("2026-01-10T17:00:00Z");
    assert.equal(formatInZone(instant, "Asia/Tokyo"), "2026-01-11T02:00:00+09:00");
    assert.equal(formatInZone(instant, "UTC"), "2026-01-10T17:00:00+00:00");
    assert.equal(formatInZone(instant, "America/New_York"), "2026-01-10T12:00:00-05:00");
    assert.equal(
      formatInZone(new Date("2026-07-01T00:00:00Z"), "America/New_York"),
      "2026-06-30T20:00:00-04:00",
    );
    assert.equal(
      formatInZone(new Date("2026-01-01T00:00:00Z"), "Asia/Kolkata"),
      "2026-01-01T05:30:00+05:30",
    );
  });

  test("shows milliseconds only when there are some, and midnight as 00", () => {
    assert.equal(
      formatInZone(new Date("2026-01-01T15:00:00.250Z"), "Asia/Tokyo"),
      "2026-01-02T00:00:00.250+09:00",
    );
  });
});

describe("time zones", () => {
  test("valid names, canonical spelling; offsets and junk refused", () => {
    assert.equal(isValidTimeZone("Asia/Tokyo"), true);
    assert.equal(canonicalTimeZone("utc"), "UTC");
    assert.equal(canonicalTimeZone("asia/tokyo"), "Asia/Tokyo");
    assert.equal(isValidTimeZone("Mars/Olympus"), false);
    assert.equal(isValidTimeZone("+09:00"), false);
    assert.equal(isValidTimeZone(""), false);
  });
});

describe("localDateInZone", () => {
  test("the same instant is a different date and weekday in different zones", () => {
    const instant = new Date("2026-01-11T16:00:00Z"); // Monday 01:00 in Tokyo
    assert.deepEqual(localDateInZone(instant, "Asia/Tokyo"), { date: "2026-01-12", weekday: 1 });
    assert.deepEqual(localDateInZone(instant, "UTC"), { date: "2026-01-11", weekday: 0 });
  });
});

describe("reading times", () => {
  test("wall times without offset are read in the zone", () => {
    assert.equal(
      parseTimeInZone("2026-01-01", "Asia/Tokyo")?.toISOString(),
      "2025-12-31T15:00:00.000Z",
    );
    assert.equal(
      parseTimeInZone("2026-01-01T09:30", "Asia/Tokyo")?.toISOString(),
      "2026-01-01T00:30:00.000Z",
    );
    assert.equal(
      parseTimeInZone("2026-01-01T09:30:00+09:00", "UTC")?.toISOString(),
      "2026-01-01T00:30:00.000Z",
    );
    assert.equal(
      parseTimeInZone("2026-01-01T00:30:00Z", "Asia/Tokyo")?.toISOString(),
      "2026-01-01T00:30:00.000Z",
    );
  });

  test("impossible and malformed times are null", () => {
    for (const bad of ["2026-02-30", "2026-01-01T25:00", "tomorrow", "2026-1-1", "2026-01-01T09"]) {
      assert.equal(parseTimeInZone(bad, "UTC"), null, bad);
    }
  });

  test("DST: a repeated time is the earlier instant, a skipped time moves forward", () => {
    const ny = "America/New_York";
    assert.equal(
      instantFromZoned({ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, ny).toISOString(),
      "2026-11-01T05:30:00.000Z",
    );
    assert.equal(
      formatInZone(instantFromZoned({ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, ny), ny),
      "2026-03-08T03:30:00-04:00",
    );
  });
});
