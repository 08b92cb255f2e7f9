import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CliIO } from "../../src/cli/command.ts";
import { createScheduleCommand, scheduleCommand } from "../../src/cli/schedule-command.ts";
import { builtinCalendars, createCalendar } from "../../src/core/calendar.ts";
import { ManualClock } from "../../src/core/clock.ts";
import { UnyoError } from "../../src/core/errors.ts";

function capture(env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env, cwd: "/" };
  return { io, stdout: () => out.join(""), stderr: () => err.join("") };
}

async function run(argv: string[], env: Record<string, string | undefined> = {}) {
  const c = capture(env);
  const code = await scheduleCommand.run(argv, c.io);
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

describe("unyo schedule", () => {
  test("prints the next times with the zone's offset, one per line", async () => {
    const r = await run([
      "0 2 * * SUN#2",
      "--tz",
      "Asia/Tokyo",
      "--count",
      "3",
      "--from",
      "2026-01-01",
    ]);
    assert.equal(r.code, 0);
    assert.equal(
      r.stdout,
      "2026-01-11T02:00:00+09:00\n2026-02-08T02:00:00+09:00\n2026-03-08T02:00:00+09:00\n",
    );
    assert.equal(r.stderr, "");
  });

  test("--json prints one object", async () => {
    const r = await run([
      "0 23 L * *",
      "--tz",
      "Asia/Tokyo",
      "--count",
      "2",
      "--from",
      "2026-01-01T00:00",
      "--json",
    ]);
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout), {
      expression: "0 23 L * *",
      timezone: "Asia/Tokyo",
      calendar: null,
      from: "2026-01-01T00:00:00+09:00",
      times: ["2026-01-31T23:00:00+09:00", "2026-02-28T23:00:00+09:00"],
    });
  });

  test("the zone comes from UNYO_TIMEZONE, else UTC; count defaults to 5", async () => {
    const tokyo = await run(["0 9 * * *", "--from", "2026-01-01"], { UNYO_TIMEZONE: "Asia/Tokyo" });
    assert.equal(tokyo.stdout.split("\n")[0], "2026-01-01T09:00:00+09:00");
    assert.equal(tokyo.stdout.trim().split("\n").length, 5);
    const utc = await run(["0 9 * * *", "--from", "2026-01-01", "--count", "1"]);
    assert.equal(utc.stdout, "2026-01-01T09:00:00+00:00\n");
  });

  test("--from defaults to the clock's now", async () => {
    const command = createScheduleCommand(
      async () => ({ timezone: "UTC", calendars: builtinCalendars("UTC") }),
      new ManualClock(new Date("2026-06-01T10:30:00Z")),
    );
    const c = capture();
    assert.equal(await command.run(["0 * * * *", "--count", "1"], c.io), 0);
    assert.equal(c.stdout(), "2026-06-01T11:00:00+00:00\n");
  });

  test("--calendar jp prints only business days, skipping holidays and weekends", async () => {
    const r = await run([
      "0 9 * * *",
      "--tz",
      "Asia/Tokyo",
      "--calendar",
      "jp",
      "--from",
      "2026-04-28",
      "--count",
      "4",
    ]);
    assert.equal(r.code, 0);
    // 04-29 昭和の日, 05-02/03 weekend, 05-04..06 holidays.
    assert.equal(
      r.stdout,
      "2026-04-28T09:00:00+09:00\n2026-04-30T09:00:00+09:00\n2026-05-01T09:00:00+09:00\n2026-05-07T09:00:00+09:00\n",
    );
  });

  test("--calendar with a schedule that rarely hits a business day stops after 10 years", async () => {
    // 1 January is always 元日; 2 January 2027 (a Saturday) etc. never counts either.
    const r = await run([
      "0 9 1 1 *",
      "--tz",
      "Asia/Tokyo",
      "--calendar",
      "jp",
      "--from",
      "2026-01-01",
      "--json",
    ]);
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout).times, []);
    assert.match(r.stderr, /only 0 of 5 fire times fall on business days of "jp" within 10 years/);
  });

  test("--calendar skips closed days quickly even for every-minute schedules", async () => {
    const r = await run([
      "* * * * *",
      "--tz",
      "UTC",
      "--calendar",
      "weekdays",
      "--from",
      "2026-01-09T23:59",
      "--count",
      "2",
    ]);
    assert.equal(r.stdout, "2026-01-12T00:00:00+00:00\n2026-01-12T00:01:00+00:00\n"); // Fri → Mon
  });

  test("calendars and zone come from the injected resolver, which gets --config", async () => {
    const seen: Array<string | undefined> = [];
    const command = createScheduleCommand(async (_io, configPath) => {
      seen.push(configPath);
      const calendars = builtinCalendars("Asia/Tokyo");
      calendars.set("shop", createCalendar("shop", { days: "sat-sun" }, "Asia/Tokyo"));
      return { timezone: "Asia/Tokyo", calendars };
    });
    const c = capture();
    const code = await command.run(
      [
        "0 10 * * *",
        "--config",
        "unyo.yaml",
        "--calendar",
        "shop",
        "--from",
        "2026-01-05",
        "--count",
        "2",
      ],
      c.io,
    );
    assert.equal(code, 0);
    assert.deepEqual(seen, ["unyo.yaml"]);
    assert.equal(c.stdout(), "2026-01-10T10:00:00+09:00\n2026-01-11T10:00:00+09:00\n");
  });

  test("a resolver's error is reported with its exit code", async () => {
    const command = createScheduleCommand(async () => {
      throw new UnyoError("UNYO_E_CONFIG_NOT_FOUND", "nope.yaml was not found.", {
        hint: "Check the path.",
      });
    });
    const c = capture();
    assert.equal(await command.run(["0 2 * * *", "--config", "nope.yaml"], c.io), 3);
    assert.equal(c.stderr(), "unyo schedule: nope.yaml was not found. Check the path.\n");
  });

  test("--help prints usage, options, an example and exit codes", async () => {
    const r = await run(["--help"]);
    assert.equal(r.code, 0);
    for (const text of [
      "--tz",
      "--from",
      "--count",
      "--calendar",
      "--json",
      "--config",
      "Exit codes",
      'unyo schedule "0 2 * * SUN#2" --tz Asia/Tokyo --count 3',
    ]) {
      assert.ok(r.stdout.includes(text), text);
    }
    assert.equal(scheduleCommand.name, "schedule");
  });
});

describe("unyo schedule rejects bad input with exit 2", () => {
  const cases: Array<[string[], RegExp]> = [
    [["0 2 * * *", "--bogus"], /unknown option --bogus\. Run "unyo schedule --help"/],
    [["0 2 * * *", "--tz"], /--tz/],
    [[], /expected a cron expression/],
    [["0", "2", "*", "*", "*"], /expected one cron expression in quotes, got 5 arguments/],
    [["0 2 * *"], /"0 2 \* \*" is not a valid cron schedule: it has 4 fields/],
    [["0 0 30 2 *"], /never fires/],
    [["0 2 * * *", "--tz", "Tokyo"], /--tz "Tokyo" is not a time zone/],
    [["0 2 * * *", "--count", "0"], /--count "0" is not a number from 1 to 1000/],
    [["0 2 * * *", "--count", "1001"], /--count "1001"/],
    [["0 2 * * *", "--count", "five"], /--count "five"/],
    [["0 2 * * *", "--from", "yesterday"], /--from "yesterday" is not a time/],
    [
      ["0 2 * * *", "--calendar", "nope"],
      /no calendar named "nope": the known calendars are jp, weekdays/,
    ],
    [["0 2 * * *", "--config", "unyo.yaml"], /--config is not supported/],
  ];
  for (const [argv, message] of cases) {
    test(JSON.stringify(argv), async () => {
      const r = await run(argv);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, message);
      assert.ok(r.stderr.startsWith("unyo schedule: ") && r.stderr.endsWith("\n"));
      assert.equal(r.stderr.trim().split("\n").length, 1, "one paragraph");
    });
  }

  test("a bad UNYO_TIMEZONE is named", async () => {
    const r = await run(["0 2 * * *"], { UNYO_TIMEZONE: "JST9" });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /UNYO_TIMEZONE: "JST9" is not a time zone/);
  });
});
