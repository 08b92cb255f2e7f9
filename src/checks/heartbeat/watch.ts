/**
 * The state of one heartbeat check and the Healthchecks.io rules that move it, as pure
 * functions of the pings and the time (src/checks/heartbeat/monitor.ts owns the timer, the
 * store and the order of pings):
 *
 * - The next ping is expected `period` after the last one, or at the first `schedule` fire
 *   time after it (before any ping: after the time watching began).
 * - From the expected time the check is late; once `grace` has passed too it is down.
 * - A start ping opens a run; a run with no success or failure within `grace` makes it down.
 * - Success (or exit code 0) makes it up; fail (or any other exit code) makes it down.
 * - Down stays down until the next success: a missed deadline is reported once.
 */
import { type CronSchedule, parseCron } from "../../core/cron.ts";
import { formatDuration } from "../../core/duration.ts";
import { formatInZone } from "../../core/time-format.ts";
import type { HeartbeatPingKind } from "../../store/schema.ts";
import type { HeartbeatConfig } from "./schema.ts";

export interface HeartbeatResult {
  at: number;
  state: "up" | "late" | "down";
  /** True only for a success ping (or exit code 0). */
  ok: boolean;
  /** From the matching start ping to the finish; 0 when unknown. */
  durationMs: number;
  message: string | null;
}

/** Open runs kept per check; a job that starts runs and never finishes them cannot grow it. */
const MAX_OPEN_RUNS = 20;

interface OpenRun {
  at: number;
  /** Its missing finish has been reported (the check went down); it sets no deadline. */
  reported: boolean;
}

export interface Watch {
  readonly id: string;
  config: HeartbeatConfig;
  /** The zone `schedule` is read in and times in messages are shown in. */
  zone: string;
  schedule: CronSchedule | null;
  key: string;
  /** When watching began: the first ping is expected relative to it. */
  since: number;
  /** The last success or failure. */
  lastPingAt: number | null;
  /** Runs started and not finished, by run id ("" for a start without one), oldest first. */
  runs: Map<string, OpenRun>;
  state: "pending" | "up" | "late" | "down";
}

export function newWatch(id: string, key: string, since: number): Watch {
  return {
    id,
    key,
    since,
    config: { grace: 0, max_body: 0 },
    zone: "UTC",
    schedule: null,
    lastPingAt: null,
    runs: new Map(),
    state: "pending",
  };
}

/** Sets the check's config; `zone` is the top-level timezone, used unless the check names one. */
export function configure(watch: Watch, config: HeartbeatConfig, zone: string): void {
  watch.config = config;
  watch.zone = config.timezone ?? zone;
  watch.schedule =
    config.schedule === undefined ? null : parseCron(config.schedule, { timezone: watch.zone });
}

/** When the next ping is due, or null for a schedule that never fires again. */
export function expectedAt(watch: Watch): number | null {
  const from = watch.lastPingAt ?? watch.since;
  if (watch.schedule) return watch.schedule.next(new Date(from))?.getTime() ?? null;
  return from + (watch.config.period ?? 0);
}

/** Opens a run (a start ping). A second start with the same run id replaces the first. */
export function startRun(watch: Watch, at: number, runId: string | null): void {
  const id = runId ?? "";
  watch.runs.delete(id);
  watch.runs.set(id, { at, reported: false });
  for (const oldest of watch.runs.keys()) {
    if (watch.runs.size <= MAX_OPEN_RUNS) break;
    watch.runs.delete(oldest);
  }
}

export interface Finish {
  at: number;
  kind: Exclude<HeartbeatPingKind, "start">;
  exitCode?: number;
  runId: string | null;
  body: string | null;
}

/** A success or failure: closes the matching run and decides the state. */
export function finish(
  watch: Watch,
  ping: Finish,
): { result: HeartbeatResult; durationMs: number | null } {
  // The run with the same id; without an id, the latest run still open.
  let match: string | undefined;
  if (ping.runId !== null) match = watch.runs.has(ping.runId) ? ping.runId : undefined;
  else for (const id of watch.runs.keys()) match = id;
  const run = match === undefined ? undefined : watch.runs.get(match);
  if (match !== undefined) watch.runs.delete(match);
  const durationMs = run ? Math.max(0, ping.at - run.at) : null;
  watch.lastPingAt = ping.at;
  const failed = ping.kind === "fail" || (ping.kind === "exit" && ping.exitCode !== 0);
  watch.state = failed ? "down" : "up";
  const result: HeartbeatResult = {
    at: ping.at,
    state: watch.state,
    ok: !failed,
    durationMs: durationMs ?? 0,
    message: failed ? failureMessage(ping) : null,
  };
  return { result, durationMs };
}

function failureMessage(ping: Finish): string {
  const what =
    ping.kind === "exit" ? `the job exited with code ${ping.exitCode}` : "the job reported failure";
  const line = (ping.body ?? "")
    .split(/\r?\n/)
    .find((l) => l.trim() !== "")
    ?.trim();
  if (!line) return what;
  return `${what}: ${line.length > 200 ? `${line.slice(0, 200)}…` : line}`;
}

/**
 * Judges the check at `now`: the late or down result it reaches now, if any, and when it must
 * be judged again (null: only a ping can change it).
 */
export function evaluate(
  watch: Watch,
  now: number,
): { result: HeartbeatResult | null; dueAt: number | null } {
  if (watch.state === "down") return { result: null, dueAt: null };
  const grace = watch.config.grace;
  const expected = expectedAt(watch);
  const downAt = expected === null ? null : expected + grace;
  let stuck: [string, OpenRun] | undefined;
  for (const entry of watch.runs) {
    if (!entry[1].reported && (!stuck || entry[1].at < stuck[1].at)) stuck = entry;
  }
  const runDownAt = stuck ? stuck[1].at + grace : null;

  const missed = downAt !== null && now >= downAt;
  const overran = runDownAt !== null && now >= runDownAt;
  if (missed || overran) {
    for (const run of watch.runs.values()) if (run.at + grace <= now) run.reported = true;
    watch.state = "down";
    const message =
      overran && stuck && (!missed || (runDownAt as number) <= (downAt as number))
        ? overranMessage(watch, stuck[0], stuck[1].at)
        : missedMessage(watch, expected as number);
    return { result: { at: now, state: "down", ok: false, durationMs: 0, message }, dueAt: null };
  }

  let result: HeartbeatResult | null = null;
  // A run that reported its start (and is within grace) is running, not late.
  if (expected !== null && now >= expected && watch.state !== "late" && !stuck) {
    watch.state = "late";
    const message = `expected a ping at ${iso(watch, expected)} (${describe(watch)})`;
    result = { at: now, state: "late", ok: false, durationMs: 0, message };
  }
  const candidates = [watch.state === "late" ? null : expected, downAt, runDownAt];
  const future = candidates.filter((t): t is number => t !== null && t > now);
  return { result, dueAt: future.length > 0 ? Math.min(...future) : null };
}

function missedMessage(watch: Watch, expected: number): string {
  const last =
    watch.lastPingAt === null
      ? `no ping yet (watching since ${iso(watch, watch.since)})`
      : `no ping since ${iso(watch, watch.lastPingAt)}`;
  return `${last}; expected by ${iso(watch, expected)}, grace ${formatDuration(watch.config.grace)}`;
}

function overranMessage(watch: Watch, runId: string, at: number): string {
  const run = runId === "" ? "" : ` (run ${runId})`;
  return `started at ${iso(watch, at)}${run}, no finish within ${formatDuration(watch.config.grace)}`;
}

function describe(watch: Watch): string {
  return watch.schedule
    ? `schedule "${watch.schedule.expression}" in ${watch.schedule.timezone}`
    : `every ${formatDuration(watch.config.period ?? 0)}`;
}

function iso(watch: Watch, ms: number): string {
  return formatInZone(new Date(ms), watch.zone);
}
