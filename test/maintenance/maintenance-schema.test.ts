import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { maintenanceSchema } from "../../src/config/maintenance-schema.ts";
import { isUnyoError } from "../../src/core/errors.ts";
import { compileWindow } from "../../src/maintenance/windows.ts";

const TOKYO = "Asia/Tokyo";

describe("config errors", () => {
  function problems(yaml: string): string[] {
    const result = maintenanceSchema.safeParse(parse(yaml));
    assert.ok(!result.success, "expected the config to be refused");
    return result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  }

  test("a duration longer than the time between starts overlaps itself", () => {
    const [p] = problems("- { id: w, schedule: '*/30 * * * *', duration: 1h }");
    assert.match(
      p ?? "",
      /^0\.duration: duration 1h is longer than the 30m between two starts of "\*\/30 \* \* \* \*"/,
    );
    assert.match(p ?? "", /shorten the duration or start less often/);
    // Equal is fine: one occurrence ends as the next begins.
    assert.ok(
      maintenanceSchema.safeParse(parse("- { id: w, schedule: '0 * * * *', duration: 1h }"))
        .success,
    );
    assert.ok(
      maintenanceSchema.safeParse(
        parse("- { id: w, schedule: '0 2 * * *', duration: 24h, timezone: Asia/Tokyo }"),
      ).success,
    );
  });

  test("DST makes some gaps shorter: caught in the window's zone", () => {
    // 02:00 does not exist on 8 March, so that start moves to 03:00 EDT; the next day's 02:00
    // EDT is only 23 hours later.
    const [p] = problems(
      "- { id: w, schedule: '0 2 * * *', duration: 24h, timezone: America/New_York }",
    );
    assert.match(
      p ?? "",
      /longer than the 23h between two starts .*2026-03-08T03:00:00-04:00 and 2026-03-09T02:00:00-04:00/,
    );
    // Twice a day across the spring change: 01:00 EST to 13:00 EDT is 11 hours.
    assert.match(
      problems(
        "- { id: w, schedule: '0 1,13 * * *', duration: 12h, timezone: America/New_York }",
      )[0] ?? "",
      /the 11h between/,
    );
  });

  test("the config's default zone is applied when compiling, and checked again there", () => {
    const [config] = maintenanceSchema.parse(
      parse("- { id: w, schedule: '0 2 * * *', duration: 24h }"),
    );
    assert.ok(config);
    assert.equal(compileWindow(config, TOKYO).timezone, TOKYO);
    assert.throws(
      () => compileWindow(config, "America/New_York"),
      (error) =>
        isUnyoError(error) &&
        error.code === "UNYO_E_CONFIG_INVALID" &&
        /maintenance window "w": duration 1d is longer than the 23h/.test(error.message),
    );
  });

  test("each mistake is named at its key", () => {
    const cases: [string, RegExp][] = [
      ["- { id: w }", /^0: a window needs start and end \(one-off\) or schedule and duration/],
      [
        "- { id: w, schedule: '0 2 * * *', duration: 1h, start: '2026-12-13T02:00:00+09:00' }",
        /^0\.schedule: a window is either one-off/,
      ],
      ["- { id: w, schedule: '0 2 * * *' }", /^0\.duration: a recurring window needs duration/],
      ["- { id: w, duration: 2h }", /^0\.schedule: a recurring window needs schedule/],
      [
        "- { id: w, schedule: '0 2 * *', duration: 2h }",
        /^0\.schedule: "0 2 \* \*" is not a valid cron schedule: it has 4 fields/,
      ],
      ["- { id: w, schedule: '0 2 30 2 *', duration: 2h }", /^0\.schedule: .*never fires/],
      [
        "- { id: w, schedule: '0 2 * * *', duration: 0s }",
        /^0\.duration: duration must be longer than 0s/,
      ],
      [
        "- { id: w, schedule: '0 2 * * *', duration: 2 hours }",
        /^0\.duration: "2 hours" is not a duration/,
      ],
      [
        "- { id: w, schedule: '0 2 * * *', duration: 2h, timezone: Tokyo }",
        /^0\.timezone: "Tokyo" is not a time zone/,
      ],
      ["- { id: w, start: '2026-12-13T02:00:00+09:00' }", /^0\.end: a one-off window needs end/],
      [
        "- { id: w, start: '2026-12-13T02:00:00', end: '2026-12-13T04:00:00+09:00' }",
        /^0\.start: "2026-12-13T02:00:00" is not a time: expected a date and time with its UTC offset/,
      ],
      [
        "- { id: w, start: '2026-02-30T02:00:00+09:00', end: '2026-12-13T04:00:00+09:00' }",
        /^0\.start: .*is not a time/,
      ],
      [
        "- { id: w, start: '2026-12-13T04:00:00+09:00', end: '2026-12-13T02:00:00+09:00' }",
        /^0\.end: end must be after start/,
      ],
      [
        "- { id: w, start: '2026-12-13T02:00:00+09:00', end: '2026-12-13T04:00:00+09:00', timezone: UTC }",
        /^0\.timezone: timezone is for schedule/,
      ],
      [
        "- { id: w, schedule: '0 2 * * *', duration: 2h, announce: 0s }",
        /^0\.announce: announce must be longer than 0s/,
      ],
      [
        "- { id: w, schedule: '0 2 * * *', duration: 2h, match: 'service=~\"web|(api\"' }",
        /^0\.match: column 10 .*bad regular expression/,
      ],
      [
        "- { id: w, schedule: '0 2 * * *', duration: 2h, match: '' }",
        /^0\.match: match needs at least one matcher/,
      ],
      [
        "- { id: w, schedule: '0 2 * * *', duration: 2h, match: [a] }",
        /^0\.match: expected label matchers/,
      ],
      [
        "- { id: w, schedule: '0 2 * * *', duration: 2h, checks: [] }",
        /^0\.checks: expected a list of check ids/,
      ],
      [
        "- { id: w, schedule: '0 2 * * *', duration: 2h, hooks: {} }",
        /^0\.hooks: hooks needs start and\/or end/,
      ],
      [
        "- { id: w, schedule: '0 2 * * *', duration: 2h, hooks: { start: [] } }",
        /^0\.hooks\.start: expected a command as a list of words/,
      ],
      [
        "- { id: w, schedule: '0 2 * * *', duration: 2h, hooks: { start: './x.sh on' } }",
        /^0\.hooks\.start: expected a command as a list of words/,
      ],
      ["- { id: w, schedule: '0 2 * * *', duration: 2h, every: 1d }", /^0: .*every/],
      ["- { id: W!, schedule: '0 2 * * *', duration: 2h }", /^0\.id: expected an id/],
    ];
    for (const [yaml, expected] of cases) {
      const found = problems(yaml);
      assert.ok(
        found.some((p) => expected.test(p)),
        `${yaml}\n  got: ${found.join("\n       ")}`,
      );
    }
  });

  test("window ids are unique", () => {
    const found = problems(`
- { id: a, schedule: "0 2 * * *", duration: 1h }
- { id: a, schedule: "0 3 * * *", duration: 1h }
`);
    assert.deepEqual(found, [
      '1.id: duplicate maintenance window id "a" (first used by maintenance[0]): ids must be unique',
    ]);
  });

  test("no maintenance section means no windows", () => {
    assert.deepEqual(maintenanceSchema.parse(undefined), []);
  });
});
