/**
 * How close together a recurring maintenance window can start. A window longer than that
 * would overlap its own next occurrence — then "which occurrence are we in?" and "when does
 * maintenance end?" have no single answer — so it is a config error, reported with the two
 * starts that are too close.
 *
 * The starts are sampled, not derived from the expression: the gaps of `0 2 * * SUN#2`,
 * `0 1,13 * * *` across a DST change, or `0 2 1 * MON` (the 1st OR Mondays) vary, and croner
 * already knows every rule. We look from a fixed date (so validation never depends on when it
 * runs) over at least a year — every month length and both DST changes — and at most
 * MAX_SAMPLES starts; a frequent schedule shows its shortest gap within the first few.
 */
import type { CronSchedule } from "../core/cron.ts";
import { formatDuration } from "../core/duration.ts";
import { formatInZone } from "../core/time-format.ts";

const PROBE_FROM = Date.UTC(2026, 0, 1);
const SPAN_MS = 400 * 86_400_000;
const MAX_SAMPLES = 400;

export interface Gap {
  /** Milliseconds between the two starts. */
  ms: number;
  from: number;
  to: number;
}

/**
 * The first gap between consecutive starts shorter than `durationMs`, or null when the
 * window never overlaps itself. A gap equal to the duration is fine: one occurrence ends as
 * the next begins.
 */
export function overlappingGap(schedule: CronSchedule, durationMs: number): Gap | null {
  let previous = schedule.next(new Date(PROBE_FROM));
  let samples = 1;
  while (previous !== null && samples < MAX_SAMPLES) {
    const next = schedule.next(previous);
    if (next === null) return null;
    samples += 1;
    const ms = next.getTime() - previous.getTime();
    if (ms < durationMs) return { ms, from: previous.getTime(), to: next.getTime() };
    if (next.getTime() - PROBE_FROM > SPAN_MS) return null;
    previous = next;
  }
  return null;
}

/** The config error for a duration longer than the schedule's gap, or null when it fits. */
export function periodProblem(schedule: CronSchedule, durationMs: number): string | null {
  const gap = overlappingGap(schedule, durationMs);
  if (gap === null) return null;
  const at = (ms: number) => formatInZone(new Date(ms), schedule.timezone);
  return (
    `duration ${formatDuration(durationMs)} is longer than the ${formatDuration(gap.ms)} between two starts of ` +
    `"${schedule.expression}" (${at(gap.from)} and ${at(gap.to)}), so the window would overlap its next ` +
    "occurrence: shorten the duration or start less often"
  );
}
