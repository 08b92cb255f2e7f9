/**
 * `maintenance:` — planned maintenance windows (src/maintenance/windows.ts). During a window
 * checks keep running and alerts are recorded, but their notifications are held.
 *
 *   maintenance:
 *     - { id: monthly, schedule: "0 2 * * SUN#2", duration: 2h, announce: 7d }   # seed 001
 *     - id: db-upgrade
 *       start: "2026-12-20T01:00:00+09:00"
 *       end: "2026-12-20T05:00:00+09:00"
 *       services: [db]
 *       hooks: { start: [./scripts/maintenance.sh, "on"], end: [./scripts/maintenance.sh, "off"] }
 *
 * A window is one-off (`start` and `end`, each with its UTC offset, since "02:00" alone is
 * the classic source of a window an hour off) or recurring (`schedule` in cron + `duration`,
 * read in `timezone`, default the config's). Which alerts it covers: `checks` and `services`
 * name targets (an alert of any of them), `match` filters by labels on top (Zabbix's hosts +
 * tags); with none of the three, the window covers everything ("maintenance mode").
 *
 * Not yet part of the root schema: issue #6 wires it in together with the pipeline.
 */
import { z } from "zod";
import { matchersSchema } from "../alerting/matchers.ts";
import { parseCron, validateCron } from "../core/cron.ts";
import { durationSchema } from "../core/duration.ts";
import { invalidTimeZoneMessage, isValidTimeZone, parseTimeInZone } from "../core/time-format.ts";
import { periodProblem } from "../maintenance/period.ts";
import { idSchema } from "./check-schema.ts";
import { eachRepeat } from "./unique-ids.ts";

const TIME_EXPECTED =
  'expected a date and time with its UTC offset, e.g. "2026-12-13T02:00:00+09:00" or "2026-12-12T17:00:00Z"';
const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** An instant in the YAML (text with an offset); epoch ms in the parsed config. */
const instantSchema = z
  .string({ error: TIME_EXPECTED })
  .meta({ description: "Date and time with UTC offset", examples: ["2026-12-13T02:00:00+09:00"] })
  .transform((text, ctx) => {
    const date = WITH_OFFSET.test(text) ? parseTimeInZone(text, "UTC") : null;
    if (date === null) {
      ctx.issues.push({
        code: "custom",
        message: `"${text}" is not a time: ${TIME_EXPECTED}`,
        input: text,
      });
      return z.NEVER;
    }
    return date.getTime();
  });

const timezoneSchema = z
  .string()
  .refine(isValidTimeZone, { error: (issue) => invalidTimeZoneMessage(String(issue.input)) })
  .meta({ description: "IANA time zone of `schedule` (default: the config's timezone)" });

const ARGV_EXPECTED =
  'expected a command as a list of words, e.g. ["./scripts/maintenance.sh", "on"]';
const argvSchema = z
  .array(z.string({ error: ARGV_EXPECTED }), { error: ARGV_EXPECTED })
  .min(1, { error: ARGV_EXPECTED })
  .refine((argv) => argv[0] !== "" && argv.every((a) => !a.includes("\0")), {
    error: ARGV_EXPECTED,
  })
  .meta({ description: "A command run without a shell: the program, then its arguments" });

export const maintenanceWindowSchema = z
  .strictObject({
    id: idSchema.meta({ description: "Stable id of the window" }),
    name: z
      .string()
      .optional()
      .meta({ description: "Name shown to people, e.g. 月次メンテナンス" }),
    start: instantSchema.optional().meta({ description: "One-off window: when it begins" }),
    end: instantSchema.optional().meta({ description: "One-off window: when it ends" }),
    schedule: z
      .string()
      .optional()
      .meta({
        description: "Recurring window: when each occurrence begins (cron)",
        examples: ["0 2 * * SUN#2"],
      }),
    duration: durationSchema
      .optional()
      .meta({ description: "Recurring window: how long each occurrence lasts" }),
    timezone: timezoneSchema.optional(),
    announce: durationSchema.optional().meta({
      description: "Announce each occurrence this long before it begins",
      examples: ["7d"],
    }),
    match: matchersSchema.optional(),
    checks: z
      .array(idSchema)
      .min(1, { error: "expected a list of check ids, e.g. [api-health]; leave it out for none" })
      .optional()
      .meta({ description: "Ids of the checks it covers" }),
    services: z
      .array(z.string().min(1, { error: "expected a service name" }))
      .min(1, { error: "expected a list of services, e.g. [web, db]; leave it out for none" })
      .optional()
      .meta({ description: "Services (the `service` label) it covers" }),
    hooks: z
      .strictObject({ start: argvSchema.optional(), end: argvSchema.optional() })
      .optional()
      .meta({ description: "Commands run when each occurrence begins and ends" }),
  })
  .superRefine((w, t) => {
    const issue = (key: string | null, message: string) =>
      t.addIssue({ code: "custom", path: key === null ? [] : [key], message });
    const oneOff = w.start !== undefined || w.end !== undefined;
    const recurring = w.schedule !== undefined || w.duration !== undefined;
    if (oneOff && recurring) {
      issue(
        w.schedule !== undefined ? "schedule" : "duration",
        "a window is either one-off (start, end) or recurring (schedule, duration), not both",
      );
      return;
    }
    if (!oneOff && !recurring) {
      issue(
        null,
        'a window needs start and end (one-off) or schedule and duration (recurring), e.g. schedule: "0 2 * * SUN#2", duration: 2h',
      );
      return;
    }
    if (oneOff) {
      if (w.start === undefined) issue("start", `a one-off window needs start: ${TIME_EXPECTED}`);
      if (w.end === undefined) issue("end", `a one-off window needs end: ${TIME_EXPECTED}`);
      if (w.start !== undefined && w.end !== undefined && w.end <= w.start) {
        issue("end", "end must be after start");
      }
      if (w.timezone !== undefined) {
        issue("timezone", "timezone is for schedule; start and end carry their own UTC offset");
      }
    } else {
      if (w.schedule === undefined)
        issue("schedule", 'a recurring window needs schedule, e.g. "0 2 * * SUN#2"');
      if (w.duration === undefined) issue("duration", "a recurring window needs duration, e.g. 2h");
      if (w.duration !== undefined && w.duration <= 0)
        issue("duration", "duration must be longer than 0s");
      if (w.schedule !== undefined && w.duration !== undefined && w.duration > 0) {
        // The zone only matters for DST; the root schema passes the real default later.
        const zone = w.timezone ?? "UTC";
        const problem = validateCron(w.schedule, zone);
        if (problem !== null) issue("schedule", problem);
        else {
          const overlap = periodProblem(parseCron(w.schedule, { timezone: zone }), w.duration);
          if (overlap !== null) issue("duration", overlap);
        }
      }
    }
    if (w.announce !== undefined && w.announce <= 0)
      issue("announce", "announce must be longer than 0s, e.g. 7d");
    if (w.match !== undefined && w.match.length === 0) {
      issue("match", "match needs at least one matcher; leave it out to cover every alert");
    }
    if (w.hooks !== undefined && w.hooks.start === undefined && w.hooks.end === undefined) {
      issue(
        "hooks",
        'hooks needs start and/or end, e.g. start: ["./scripts/maintenance.sh", "on"]',
      );
    }
  });

/** The whole `maintenance:` list; ids must be unique. */
export const maintenanceSchema = z
  .array(maintenanceWindowSchema)
  .default([])
  .superRefine((windows, t) =>
    eachRepeat(
      windows,
      (w) => w.id,
      (id, index, first) =>
        t.addIssue({
          code: "custom",
          path: [index, "id"],
          message: `duplicate maintenance window id "${id}" (first used by maintenance[${first}]): ids must be unique`,
        }),
    ),
  );

export type MaintenanceWindowConfig = z.output<typeof maintenanceWindowSchema>;
