import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { maintenanceSchema } from "../../src/config/maintenance-schema.ts";
import { formatInZone } from "../../src/core/time-format.ts";
import {
  activeWindows,
  announcementsDue,
  compileWindows,
  coversAlert,
  type MaintenanceWindow,
  nextOccurrences,
  type Occurrence,
  windowCovering,
  windowsHolding,
} from "../../src/maintenance/windows.ts";

const TOKYO = "Asia/Tokyo";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (text: string) => Date.parse(text);

/** Windows from YAML text, through the config schema, compiled with a default zone. */
function windows(yaml: string, timezone = TOKYO): MaintenanceWindow[] {
  return compileWindows(maintenanceSchema.parse(parse(yaml)), timezone);
}

function one(yaml: string, timezone = TOKYO): MaintenanceWindow {
  const [window] = windows(yaml, timezone);
  assert.ok(window);
  return window;
}

const shown = (o: Occurrence | null, zone = TOKYO) =>
  o === null
    ? null
    : `${formatInZone(new Date(o.start), zone)} – ${formatInZone(new Date(o.end), zone)}`;

/** The second Sunday of a month, by counting days — independent of cron and croner. */
function secondSunday(year: number, month: number): number {
  let day = 1;
  while (new Date(Date.UTC(year, month - 1, day)).getUTCDay() !== 0) day++;
  return day + 7;
}

// Seed 001: 毎月第2日曜 2:00–4:00, announced a week ahead; the config's zone is Asia/Tokyo.
const SEED = "- { id: monthly, schedule: '0 2 * * SUN#2', duration: 2h, announce: 7d }";

describe("seed 001's monthly window: 0 2 * * SUN#2 + 2h in Asia/Tokyo", () => {
  const monthly = one(SEED);

  test("the next occurrences are the second Sundays, 02:00–04:00 JST", () => {
    const next = nextOccurrences(monthly, at("2026-12-01T00:00:00+09:00"), 3);
    assert.deepEqual(
      next.map((o) => shown(o)),
      [
        "2026-12-13T02:00:00+09:00 – 2026-12-13T04:00:00+09:00",
        "2027-01-10T02:00:00+09:00 – 2027-01-10T04:00:00+09:00",
        "2027-02-14T02:00:00+09:00 – 2027-02-14T04:00:00+09:00",
      ],
    );
  });

  test("every month for two years agrees with a calendar computation", () => {
    const next = nextOccurrences(monthly, at("2026-12-01T00:00:00+09:00"), 24);
    const expected: Occurrence[] = [];
    for (let i = 0; i < 24; i++) {
      const year = 2026 + Math.floor((11 + i) / 12);
      const month = ((11 + i) % 12) + 1;
      // 02:00 in Tokyo (UTC+9, no DST) is 17:00 UTC the day before.
      const start = Date.UTC(year, month - 1, secondSunday(year, month), 2) - 9 * HOUR;
      expected.push({ start, end: start + 2 * HOUR });
    }
    assert.deepEqual(next, expected);
  });

  test("windowCovering: [start, end), exact to the millisecond", () => {
    const start = at("2026-12-13T02:00:00+09:00");
    const end = start + 2 * HOUR;
    assert.equal(windowCovering(monthly, start - 1), null);
    assert.deepEqual(windowCovering(monthly, start), { start, end });
    assert.deepEqual(windowCovering(monthly, start + HOUR), { start, end });
    assert.deepEqual(windowCovering(monthly, end - 1), { start, end });
    assert.equal(windowCovering(monthly, end), null);
    assert.equal(windowCovering(monthly, at("2026-12-20T03:00:00+09:00")), null, "third Sunday");
    assert.equal(windowCovering(monthly, at("2026-12-13T14:00:00+09:00")), null, "same day, later");
  });

  test("nextOccurrences includes the occurrence in progress, not one that has just ended", () => {
    const during = nextOccurrences(monthly, at("2026-12-13T03:00:00+09:00"), 2);
    assert.deepEqual(
      during.map((o) => shown(o)?.slice(0, 10)),
      ["2026-12-13", "2027-01-10"],
    );
    const atEnd = nextOccurrences(monthly, at("2026-12-13T04:00:00+09:00"), 1);
    assert.deepEqual(
      atEnd.map((o) => shown(o)?.slice(0, 10)),
      ["2027-01-10"],
    );
    assert.deepEqual(nextOccurrences(monthly, 0, 0), []);
  });

  test("announcements are due a week ahead, each exactly once over consecutive ranges", () => {
    const due = announcementsDue(
      [monthly],
      at("2026-12-01T00:00:00+09:00"),
      at("2027-03-01T00:00:00+09:00"),
    );
    assert.deepEqual(
      due.map((a) => [formatInZone(new Date(a.announceAt), TOKYO), shown(a)?.slice(0, 16)]),
      [
        ["2026-12-06T02:00:00+09:00", "2026-12-13T02:00"],
        ["2027-01-03T02:00:00+09:00", "2027-01-10T02:00"],
        ["2027-02-07T02:00:00+09:00", "2027-02-14T02:00"],
      ],
    );
    const announceAt = at("2026-12-06T02:00:00+09:00");
    // (from, to]: due when `to` reaches it, not again when it is the next `from`.
    assert.equal(announcementsDue([monthly], announceAt - 60_000, announceAt).length, 1);
    assert.equal(announcementsDue([monthly], announceAt, announceAt + 60_000).length, 0);
    assert.equal(announcementsDue([monthly], announceAt - 60_000, announceAt - 1).length, 0);
    // Stepping minute by minute through the day finds it once.
    let found = 0;
    for (let t = announceAt - 12 * HOUR; t < announceAt + 12 * HOUR; t += 60_000) {
      found += announcementsDue([monthly], t, t + 60_000).length;
    }
    assert.equal(found, 1);
    assert.deepEqual(announcementsDue([monthly], announceAt, announceAt - DAY), []);
  });
});

describe("one-off windows and overlaps", () => {
  const [monthly, upgrade] = windows(`
${SEED}
- id: db-upgrade
  start: "2026-12-13T01:00:00+09:00"
  end: "2026-12-12T18:00:00Z"
  announce: 3d
  services: [db]
`) as [MaintenanceWindow, MaintenanceWindow];

  test("a one-off window covers [start, end) and has one occurrence", () => {
    const start = at("2026-12-13T01:00:00+09:00");
    const end = at("2026-12-13T03:00:00+09:00");
    assert.deepEqual(windowCovering(upgrade, start), { start, end });
    assert.equal(windowCovering(upgrade, end), null);
    assert.deepEqual(nextOccurrences(upgrade, 0, 5), [{ start, end }]);
    assert.deepEqual(nextOccurrences(upgrade, end - 1, 5), [{ start, end }]);
    assert.deepEqual(nextOccurrences(upgrade, end, 5), []);
  });

  test("overlapping windows are both active, earliest start first", () => {
    const both = activeWindows([monthly, upgrade], at("2026-12-13T02:30:00+09:00"));
    assert.deepEqual(
      both.map((a) => [a.window.id, shown(a)]),
      [
        ["db-upgrade", "2026-12-13T01:00:00+09:00 – 2026-12-13T03:00:00+09:00"],
        ["monthly", "2026-12-13T02:00:00+09:00 – 2026-12-13T04:00:00+09:00"],
      ],
    );
    const before = activeWindows([monthly, upgrade], at("2026-12-13T01:30:00+09:00"));
    assert.deepEqual(
      before.map((a) => a.window.id),
      ["db-upgrade"],
    );
    const after = activeWindows([monthly, upgrade], at("2026-12-13T03:00:00+09:00"));
    assert.deepEqual(
      after.map((a) => a.window.id),
      ["monthly"],
    );
    assert.deepEqual(activeWindows([monthly, upgrade], at("2026-12-13T04:00:00+09:00")), []);
  });

  test("announcements of several windows come in due order", () => {
    const due = announcementsDue(
      [monthly, upgrade],
      at("2026-12-01T00:00:00+09:00"),
      at("2026-12-31T00:00:00+09:00"),
    );
    assert.deepEqual(
      due.map((a) => [a.window.id, formatInZone(new Date(a.announceAt), TOKYO)]),
      [
        ["monthly", "2026-12-06T02:00:00+09:00"],
        ["db-upgrade", "2026-12-10T01:00:00+09:00"],
      ],
    );
  });

  test("scope: services/checks name targets, match filters on top, none covers all", () => {
    const scoped = windows(`
- { id: all, schedule: "0 2 * * *", duration: 1h }
- { id: svc, schedule: "0 2 * * *", duration: 1h, services: [db, web], checks: [api-health] }
- { id: prod-web, schedule: "0 2 * * *", duration: 1h, services: [web], match: { env: prod } }
- { id: text, schedule: "0 2 * * *", duration: 1h, match: 'severity=~"warning|info"' }
`);
    const covering = (labels: Record<string, string>) =>
      scoped.filter((w) => coversAlert(w, labels)).map((w) => w.id);
    assert.deepEqual(covering({ service: "db", severity: "critical" }), ["all", "svc"]);
    assert.deepEqual(covering({ service: "web", env: "prod" }), ["all", "svc", "prod-web"]);
    assert.deepEqual(covering({ service: "web", env: "dev", severity: "info" }), [
      "all",
      "svc",
      "text",
    ]);
    assert.deepEqual(covering({ check: "api-health", service: "api" }), ["all", "svc"]);
    assert.deepEqual(covering({ check: "other" }), ["all"]);
    const atTwo = at("2026-12-14T02:10:00+09:00");
    assert.deepEqual(
      windowsHolding(scoped, { service: "db" }, atTwo).map((a) => a.window.id),
      ["all", "svc"],
    );
    assert.deepEqual(windowsHolding(scoped, { service: "db" }, atTwo + HOUR), []);
  });

  test("hooks and names are kept for the runner", () => {
    const w = one(`
- id: mode
  name: 月次メンテナンス
  schedule: "0 2 * * SUN#2"
  duration: 2h
  hooks: { start: [./scripts/maintenance.sh, "on"], end: [./scripts/maintenance.sh, "off"] }
`);
    assert.equal(w.name, "月次メンテナンス");
    assert.deepEqual(w.hooks, {
      start: ["./scripts/maintenance.sh", "on"],
      end: ["./scripts/maintenance.sh", "off"],
    });
    assert.equal(w.announceMs, null);
    assert.equal(w.timezone, TOKYO);
  });
});

describe("time zones and DST (America/New_York)", () => {
  const NY = "America/New_York";

  test("a window's own timezone wins over the config's", () => {
    const w = one("- { id: w, schedule: '0 2 * * *', duration: 1h, timezone: UTC }", TOKYO);
    assert.equal(
      shown(nextOccurrences(w, at("2026-12-01T00:00:00Z"), 1)[0] ?? null, "UTC"),
      "2026-12-01T02:00:00+00:00 – 2026-12-01T03:00:00+00:00",
    );
  });

  test("fall back: a start in the repeated hour happens once; duration is elapsed time", () => {
    const w = one("- { id: w, schedule: '30 1 * * SUN', duration: 2h }", NY);
    const [o] = nextOccurrences(w, at("2026-10-31T00:00:00Z"), 1);
    assert.equal(shown(o ?? null, NY), "2026-11-01T01:30:00-04:00 – 2026-11-01T02:30:00-05:00");
    // 01:45 EST (the second 01:45 of the night) is still inside.
    assert.ok(windowCovering(w, at("2026-11-01T01:45:00-05:00")) !== null);
    assert.equal(windowCovering(w, at("2026-11-01T02:30:00-05:00")), null);
  });

  test("spring forward: a start in the gap moves to 03:00", () => {
    const w = one("- { id: w, schedule: '30 2 * * SUN', duration: 1h }", NY);
    const [o] = nextOccurrences(w, at("2026-03-07T00:00:00Z"), 1);
    assert.equal(shown(o ?? null, NY), "2026-03-08T03:00:00-04:00 – 2026-03-08T04:00:00-04:00");
  });
});
