/**
 * Maintenance windows as time: when is each window on, what comes next, what must be
 * announced — pure functions over compiled windows, so the notification pipeline, the
 * scheduler (hooks, announcements) and `GET /maintenance` all answer from the same rules.
 *
 * - An occurrence is [start, end): at `end` the window is already over.
 * - A recurring window starts at each fire time of its cron schedule in its time zone
 *   (croner's DST rules, see src/core/cron.ts: a start in the spring-forward gap moves to the
 *   first valid time, a repeated hour starts once) and lasts `duration` of elapsed time.
 * - A recurring window never overlaps itself (period.ts refuses such a config), so at most
 *   one occurrence of a window covers an instant. Different windows may overlap; each is on.
 * - Which alerts a window covers (`coversAlert`): with `checks`/`services`, alerts whose
 *   `check` or `service` label names one of them; with `match`, only alerts matching it too;
 *   with none of these, every alert.
 */

import { type LabelMatcher, type Labels, labelValue, matches } from "../alerting/matchers.ts";
import type { MaintenanceWindowConfig } from "../config/maintenance-schema.ts";
import { type CronSchedule, parseCron } from "../core/cron.ts";
import { UnyoError } from "../core/errors.ts";
import { periodProblem } from "./period.ts";

/** The label naming the check an alert came from. */
export const CHECK_LABEL = "check";
/** The label naming the service an alert is about. */
export const SERVICE_LABEL = "service";

export type WindowTiming =
  | { kind: "once"; start: number; end: number }
  | { kind: "recurring"; schedule: CronSchedule; durationMs: number };

export interface MaintenanceWindow {
  id: string;
  name: string | null;
  timing: WindowTiming;
  /** The schedule's zone; for a one-off window, the zone its times are shown in. */
  timezone: string;
  /** How long before each start it is announced, or null. */
  announceMs: number | null;
  /** Label filter, or null for none. */
  matchers: readonly LabelMatcher[] | null;
  checks: readonly string[];
  services: readonly string[];
  hooks: { start: readonly string[] | null; end: readonly string[] | null };
}

/** One occurrence of a window, epoch ms, end exclusive. */
export interface Occurrence {
  start: number;
  end: number;
}

export interface ActiveWindow extends Occurrence {
  window: MaintenanceWindow;
}

export interface Announcement extends Occurrence {
  window: MaintenanceWindow;
  /** When it is due: start − announce. */
  announceAt: number;
}

/** At most this many announcements per window and call, whatever range is asked for. */
const MAX_ANNOUNCEMENTS = 1000;

/**
 * A checked config entry as a window, the schedule read in its `timezone` or else
 * `defaultTimezone`. Throws UnyoError (UNYO_E_SCHEDULE_INVALID, UNYO_E_CONFIG_INVALID) —
 * the schema has already refused these, unless the default zone makes the difference.
 */
export function compileWindow(
  config: MaintenanceWindowConfig,
  defaultTimezone: string,
): MaintenanceWindow {
  const timezone = config.timezone ?? defaultTimezone;
  let timing: WindowTiming;
  if (config.schedule !== undefined && config.duration !== undefined) {
    const schedule = parseCron(config.schedule, { timezone });
    const problem = periodProblem(schedule, config.duration);
    if (problem !== null) {
      throw new UnyoError(
        "UNYO_E_CONFIG_INVALID",
        `maintenance window "${config.id}": ${problem}`,
        {
          details: { window: config.id },
        },
      );
    }
    timing = { kind: "recurring", schedule, durationMs: config.duration };
  } else if (config.start !== undefined && config.end !== undefined && config.end > config.start) {
    timing = { kind: "once", start: config.start, end: config.end };
  } else {
    throw new UnyoError(
      "UNYO_E_CONFIG_INVALID",
      `maintenance window "${config.id}" needs start and end, or schedule and duration`,
      { details: { window: config.id } },
    );
  }
  return {
    id: config.id,
    name: config.name ?? null,
    timing,
    timezone,
    announceMs: config.announce ?? null,
    matchers: config.match ?? null,
    checks: config.checks ?? [],
    services: config.services ?? [],
    hooks: { start: config.hooks?.start ?? null, end: config.hooks?.end ?? null },
  };
}

export function compileWindows(
  configs: readonly MaintenanceWindowConfig[],
  defaultTimezone: string,
): MaintenanceWindow[] {
  return configs.map((config) => compileWindow(config, defaultTimezone));
}

/** The occurrence of `window` in progress at `at`, or null. */
export function windowCovering(window: MaintenanceWindow, at: number): Occurrence | null {
  const timing = window.timing;
  if (timing.kind === "once") {
    return timing.start <= at && at < timing.end ? { start: timing.start, end: timing.end } : null;
  }
  // The only start that can cover `at` is the first one after at − duration (strictly after:
  // an occurrence starting exactly then ends at `at`, and ends are exclusive).
  const start = timing.schedule.next(new Date(at - timing.durationMs))?.getTime();
  return start !== undefined && start <= at ? { start, end: start + timing.durationMs } : null;
}

/**
 * The next `count` occurrences that have not ended by `from`, in order: the one in progress
 * at `from` (if any) first, then those after it.
 */
export function nextOccurrences(
  window: MaintenanceWindow,
  from: number,
  count: number,
): Occurrence[] {
  if (count <= 0) return [];
  const timing = window.timing;
  if (timing.kind === "once")
    return timing.end > from ? [{ start: timing.start, end: timing.end }] : [];
  return timing.schedule
    .nextRuns(new Date(from - timing.durationMs), count)
    .map((date) => ({ start: date.getTime(), end: date.getTime() + timing.durationMs }));
}

/** Every window on at `at` with its occurrence, by start then id. Overlapping ones all count. */
export function activeWindows(windows: readonly MaintenanceWindow[], at: number): ActiveWindow[] {
  const out: ActiveWindow[] = [];
  for (const window of windows) {
    const occurrence = windowCovering(window, at);
    if (occurrence !== null) out.push({ window, ...occurrence });
  }
  return out.sort((a, b) => a.start - b.start || compareIds(a.window, b.window));
}

/**
 * Announcements falling due in (from, to] — each occurrence's start − announce — by due
 * time then id. Call it with the previous call's `to` as `from` and nothing is announced
 * twice or skipped; to catch up after downtime, pass an earlier `from`.
 */
export function announcementsDue(
  windows: readonly MaintenanceWindow[],
  from: number,
  to: number,
): Announcement[] {
  const out: Announcement[] = [];
  for (const window of windows) {
    const lead = window.announceMs;
    if (lead === null || to <= from) continue;
    const timing = window.timing;
    if (timing.kind === "once") {
      const announceAt = timing.start - lead;
      if (from < announceAt && announceAt <= to) {
        out.push({ window, start: timing.start, end: timing.end, announceAt });
      }
      continue;
    }
    // Starts in (from + lead, to + lead].
    let start = timing.schedule.next(new Date(from + lead));
    for (let n = 0; start !== null && start.getTime() <= to + lead && n < MAX_ANNOUNCEMENTS; n++) {
      const s = start.getTime();
      out.push({ window, start: s, end: s + timing.durationMs, announceAt: s - lead });
      start = timing.schedule.next(start);
    }
  }
  return out.sort((a, b) => a.announceAt - b.announceAt || compareIds(a.window, b.window));
}

/** Whether the window's scope takes in an alert with these labels (its timing aside). */
export function coversAlert(window: MaintenanceWindow, labels: Labels): boolean {
  if (window.checks.length > 0 || window.services.length > 0) {
    // Ids and service names are never "", so a missing label names nothing.
    const named =
      window.checks.includes(labelValue(labels, CHECK_LABEL)) ||
      window.services.includes(labelValue(labels, SERVICE_LABEL));
    if (!named) return false;
  }
  return window.matchers === null || matches(window.matchers, labels);
}

/** The windows on at `at` that cover an alert with these labels. */
export function windowsHolding(
  windows: readonly MaintenanceWindow[],
  labels: Labels,
  at: number,
): ActiveWindow[] {
  return activeWindows(windows, at).filter((active) => coversAlert(active.window, labels));
}

function compareIds(a: MaintenanceWindow, b: MaintenanceWindow): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
