/**
 * `unyo schedule "<cron>"`: prints when a schedule will fire, in its time zone, optionally only
 * on business days. It answers "when does this actually run?" before a job is deployed — the
 * question behind most false alerts from timezone and day-of-week mistakes.
 */
import { parseArgs } from "node:util";
import { type BusinessCalendar, builtinCalendars } from "../core/calendar.ts";
import { addDays } from "../core/calendar-rules.ts";
import { type Clock, systemClock } from "../core/clock.ts";
import { type CronSchedule, parseCron } from "../core/cron.ts";
import { EXIT, isUnyoError, UnyoError } from "../core/errors.ts";
import {
  canonicalTimeZone,
  formatInZone,
  instantFromZoned,
  invalidTimeZoneMessage,
  parseTimeInZone,
} from "../core/time-format.ts";
import type { CliIO, Command } from "./command.ts";

/** What the command needs from the config: the default zone and the named calendars. */
export interface ScheduleContext {
  timezone: string;
  calendars: Map<string, BusinessCalendar>;
}

/**
 * Loads the context. `configPath` is `--config`; `hints.timezone` is `--tz`, which a resolver
 * without a config file may use as the zone of the built-in `weekdays` calendar.
 */
export type ScheduleResolver = (
  io: CliIO,
  configPath?: string,
  hints?: { timezone?: string },
) => Promise<ScheduleContext>;

const MAX_COUNT = 1000;
// With --calendar, a schedule that rarely lands on a business day is searched this far ahead.
const SEARCH_MS = 3653 * 86_400_000;

const HELP = `Usage: unyo schedule "<cron>" [options]

Prints the next fire times of a cron schedule, one per line, as ISO 8601 with the zone's offset.

The schedule has 5 fields "minute hour day-of-month month day-of-week" (or 6, seconds first).
SUN#2 is the second Sunday, FRI#L the last Friday, L in day-of-month the last day. When both
day-of-month and day-of-week are set, either may match (0 2 1 * MON = the 1st and every Monday);
write +MON for both (0 2 1 * +MON = a Monday that is the 1st). See docs/time.md.

Options:
  --tz <zone>        IANA time zone the schedule runs in (default: the config's timezone,
                     else $UNYO_TIMEZONE, else UTC)
  --from <time>      start after this time: 2026-01-01, 2026-01-01T09:00 (read in --tz) or
                     2026-01-01T09:00:00+09:00 (default: now)
  --count <n>        how many times to print, 1-${MAX_COUNT} (default: 5)
  --calendar <name>  print only fire times on business days of this calendar (built in: jp,
                     weekdays; more under calendars: in unyo.yaml). Other fire times are
                     skipped, searching up to 10 years ahead.
  --config <file>    unyo.yaml to read the timezone and calendars from
  --json             print {"expression", "timezone", "calendar", "from", "times": [...]}
  -h, --help         show this help

Examples:
  unyo schedule "0 2 * * SUN#2" --tz Asia/Tokyo --count 3
  unyo schedule "0 9 * * *" --tz Asia/Tokyo --calendar jp --from 2026-04-28
  unyo schedule "30 2 * * *" --tz America/New_York --from 2026-03-07 --json

Exit codes:
  0  the times were printed
  2  the command line, the schedule, the time zone or the calendar name is invalid
`;

/** The context without a config file: the built-in calendars in --tz, $UNYO_TIMEZONE or UTC. */
export const builtinScheduleResolver: ScheduleResolver = async (io, configPath, hints) => {
  if (configPath !== undefined) {
    throw new UnyoError(
      "UNYO_E_USAGE",
      "--config is not supported by this build of unyo schedule.",
    );
  }
  const timezone = hints?.timezone ?? io.env.UNYO_TIMEZONE ?? "UTC";
  if (canonicalTimeZone(timezone) === null) {
    const source = hints?.timezone === undefined ? "UNYO_TIMEZONE: " : "";
    throw new UnyoError("UNYO_E_USAGE", `${source}${invalidTimeZoneMessage(timezone)}`);
  }
  return { timezone, calendars: builtinCalendars(timezone) };
};

function usage(message: string): UnyoError {
  return new UnyoError("UNYO_E_USAGE", `${message} Run "unyo schedule --help" for usage.`);
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        tz: { type: "string" },
        from: { type: "string" },
        count: { type: "string" },
        calendar: { type: "string" },
        config: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    const e = error as Error & { code?: string };
    if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const flag = /'([^']+)'/.exec(e.message)?.[1] ?? "given";
      throw usage(`unknown option ${flag}.`);
    }
    if (e.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      throw usage(`${e.message.replace(/\.$/, "")}.`);
    }
    throw error;
  }
}

/** `count` fire times after `from`, skipping those not on a business day of `calendar`. */
function fireTimes(
  cron: CronSchedule,
  from: Date,
  count: number,
  calendar: BusinessCalendar | undefined,
): Date[] {
  if (!calendar) return cron.nextRuns(from, count);
  const times: Date[] = [];
  const limit = from.getTime() + SEARCH_MS;
  let cursor = from;
  while (times.length < count) {
    const time = cron.next(cursor);
    if (!time || time.getTime() > limit) break;
    if (calendar.isBusinessDay(time)) {
      times.push(time);
      cursor = time;
      continue;
    }
    // Jump to the end of the closed day rather than walk it: "* * * * *" on a weekend would
    // otherwise mean 2,880 steps per weekend.
    const [year, month, day] = addDays(calendar.dateOf(time), 1).split("-").map(Number) as [
      number,
      number,
      number,
    ];
    const midnight = instantFromZoned({ year, month, day }, calendar.timezone);
    cursor = new Date(Math.max(time.getTime(), midnight.getTime() - 1));
  }
  return times;
}

async function run(
  resolve: ScheduleResolver,
  clock: Clock,
  argv: string[],
  io: CliIO,
): Promise<number> {
  const { values, positionals } = parse(argv);
  if (values.help) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) {
    throw usage(
      positionals.length === 0
        ? 'expected a cron expression, e.g. unyo schedule "0 2 * * *".'
        : `expected one cron expression in quotes, got ${positionals.length} arguments (an unquoted * is expanded by the shell): write unyo schedule "0 2 * * *".`,
    );
  }
  const expression = positionals[0] as string;
  const countText = values.count ?? "5";
  const count = /^\d+$/.test(countText) ? Number(countText) : Number.NaN;
  if (!(count >= 1 && count <= MAX_COUNT)) {
    throw usage(`--count "${countText}" is not a number from 1 to ${MAX_COUNT}.`);
  }
  if (values.tz !== undefined && canonicalTimeZone(values.tz) === null) {
    throw usage(`--tz ${invalidTimeZoneMessage(values.tz)}.`);
  }
  const hints = values.tz === undefined ? {} : { timezone: values.tz };
  const context = await resolve(io, values.config, hints);
  const cron = parseCron(expression, { timezone: values.tz ?? context.timezone });
  const timezone = cron.timezone;

  let from = new Date(clock.now());
  if (values.from !== undefined) {
    const parsed = parseTimeInZone(values.from, timezone);
    if (!parsed) {
      throw usage(
        `--from "${values.from}" is not a time: expected 2026-01-01, 2026-01-01T09:00 (read in ${timezone}) or 2026-01-01T09:00:00+09:00.`,
      );
    }
    from = parsed;
  }

  let calendar: BusinessCalendar | undefined;
  if (values.calendar !== undefined) {
    calendar = context.calendars.get(values.calendar);
    if (!calendar) {
      const known = [...context.calendars.keys()].sort().join(", ") || "(none)";
      throw new UnyoError(
        "UNYO_E_CALENDAR_UNKNOWN",
        `no calendar named "${values.calendar}": the known calendars are ${known}.`,
      );
    }
  }

  const times = fireTimes(cron, from, count, calendar);
  if (values.json) {
    const output = {
      expression: cron.expression,
      timezone,
      calendar: calendar?.name ?? null,
      from: formatInZone(from, timezone),
      times: times.map((t) => formatInZone(t, timezone)),
    };
    io.stdout(`${JSON.stringify(output, null, 2)}\n`);
  } else {
    io.stdout(times.map((t) => `${formatInZone(t, timezone)}\n`).join(""));
  }
  if (calendar && times.length < count) {
    io.stderr(
      `unyo schedule: only ${times.length} of ${count} fire times fall on business days of "${calendar.name}" within 10 years.\n`,
    );
  }
  return EXIT.ok;
}

export function createScheduleCommand(
  resolve: ScheduleResolver,
  clock: Clock = systemClock,
): Command {
  return {
    name: "schedule",
    summary: "Show when a cron schedule fires, in a time zone and on business days",
    help: HELP,
    async run(argv, io) {
      try {
        return await run(resolve, clock, argv, io);
      } catch (error) {
        if (!isUnyoError(error)) throw error;
        // A schedule error's hint suggests this very command, so only other hints are shown.
        const hint = error.hint && error.code !== "UNYO_E_SCHEDULE_INVALID" ? ` ${error.hint}` : "";
        io.stderr(`unyo schedule: ${error.message}${hint}\n`);
        return error.exitCode;
      }
    },
  };
}

export const scheduleCommand: Command = createScheduleCommand(builtinScheduleResolver);
