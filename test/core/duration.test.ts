import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { z } from "zod";
import {
  DurationError,
  durationSchema,
  formatDuration,
  formatSize,
  parseDuration,
  parseSize,
  SizeError,
  sizeSchema,
} from "../../src/core/duration.ts";

describe("parseDuration", () => {
  test("reads each unit", () => {
    assert.equal(parseDuration("500ms"), 500);
    assert.equal(parseDuration("30s"), 30_000);
    assert.equal(parseDuration("5m"), 300_000);
    assert.equal(parseDuration("1h"), 3_600_000);
    assert.equal(parseDuration("1d"), 86_400_000);
    assert.equal(parseDuration("2w"), 14 * 86_400_000);
    assert.equal(parseDuration("0s"), 0);
  });

  test("adds combinations written largest unit first", () => {
    assert.equal(parseDuration("1h30m"), 90 * 60_000);
    assert.equal(parseDuration("1d12h"), 36 * 3_600_000);
    assert.equal(parseDuration("1m30s500ms"), 90_500);
    assert.equal(parseDuration("90s"), 90_000);
  });

  for (const bad of [
    "",
    "30",
    "-5m",
    "1x",
    "5 m",
    " 5m",
    "1.5h",
    "30m1h",
    "1h1h",
    "5M",
    "ms",
    "1mo",
    "1y",
  ]) {
    test(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(
        () => parseDuration(bad),
        (error: unknown) =>
          error instanceof DurationError &&
          error.message ===
            `${JSON.stringify(bad)} is not a duration: expected a number and unit such as 500ms, 30s, 5m, 1h30m, 1d or 2w`,
      );
    });
  }

  test("rejects values past the safe integer range", () => {
    assert.throws(() => parseDuration("99999999999999999w"), DurationError);
  });
});

describe("formatDuration", () => {
  test("writes the shortest form that reads back", () => {
    assert.equal(formatDuration(0), "0s");
    assert.equal(formatDuration(500), "500ms");
    assert.equal(formatDuration(90 * 60_000), "1h30m");
    assert.equal(formatDuration(36 * 3_600_000), "1d12h");
    assert.equal(formatDuration(14 * 86_400_000), "2w");
    assert.equal(formatDuration(10 * 86_400_000), "10d");
    assert.equal(formatDuration(-30_000), "-30s");
  });

  test("round-trips", () => {
    for (const text of ["1h30m", "500ms", "1d12h", "2w", "45m", "1m30s500ms"]) {
      assert.equal(formatDuration(parseDuration(text)), text);
    }
  });
});

describe("parseSize / formatSize", () => {
  test("SI units are powers of 1000, IEC units powers of 1024", () => {
    assert.equal(parseSize("512B"), 512);
    assert.equal(parseSize("10KB"), 10_000);
    assert.equal(parseSize("10MB"), 10_000_000);
    assert.equal(parseSize("1GB"), 1_000_000_000);
    assert.equal(parseSize("1KiB"), 1024);
    assert.equal(parseSize("512MiB"), 512 * 1024 * 1024);
    assert.equal(parseSize("2GiB"), 2 * 1024 ** 3);
    assert.equal(parseSize("1.5GB"), 1_500_000_000);
    assert.equal(parseSize("10mb"), 10_000_000);
  });

  for (const bad of ["", "10", "10K", "-1MB", "1 MB", "1XB", "MB", "1e3B"]) {
    test(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(
        () => parseSize(bad),
        (error: unknown) =>
          error instanceof SizeError && error.message.includes("is not a size: expected"),
      );
    });
  }

  test("formats exactly when a unit divides, else one decimal", () => {
    assert.equal(formatSize(512), "512B");
    assert.equal(formatSize(1024), "1KiB");
    assert.equal(formatSize(10_000_000), "10MB");
    assert.equal(formatSize(2 * 1024 ** 3), "2GiB");
    assert.equal(formatSize(1500), "1.5KB");
    assert.equal(formatSize(123_456_789), "123.5MB");
    assert.equal(parseSize(formatSize(3 * 1024 ** 2)), 3 * 1024 ** 2);
  });
});

describe("schemas", () => {
  test("durationSchema turns text into milliseconds and explains failures", () => {
    assert.equal(durationSchema.parse("1h30m"), 5_400_000);
    const result = durationSchema.safeParse("30");
    assert.equal(result.success, false);
    assert.match(
      result.error?.issues[0]?.message ?? "",
      /"30" is not a duration: expected .*1h30m/,
    );
    const notText = durationSchema.safeParse(30);
    assert.match(notText.error?.issues[0]?.message ?? "", /not a duration: expected/);
    // Matches the pattern but has units in the wrong order: caught by the transform.
    assert.match(durationSchema.safeParse("30m1h").error?.issues[0]?.message ?? "", /"30m1h"/);
  });

  test("sizeSchema turns text into bytes", () => {
    assert.equal(sizeSchema.parse("10MiB"), 10 * 1024 ** 2);
    assert.equal(sizeSchema.safeParse("10").success, false);
  });

  test("JSON Schema of the input is a string with a pattern, description and examples", () => {
    const schema = z.toJSONSchema(z.object({ every: durationSchema, max: sizeSchema }), {
      io: "input",
    });
    const properties = schema.properties as Record<
      string,
      { type?: string; pattern?: string; examples?: string[]; description?: string }
    >;
    const every = properties.every ?? {};
    assert.equal(every.type, "string");
    const pattern = new RegExp(every.pattern ?? "(?!)");
    assert.ok(pattern.test("1h30m"));
    assert.ok(!pattern.test("90"));
    assert.ok(every.examples?.includes("1h30m"));
    assert.match(every.description ?? "", /duration/);
    assert.ok(new RegExp(properties.max?.pattern ?? "(?!)").test("512MiB"));
  });
});
