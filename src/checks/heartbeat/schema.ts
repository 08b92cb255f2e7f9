/**
 * `heartbeat:` — a check that is not probed: the job reports in (Healthchecks.io style) by
 * calling `/ping/<key>` when it succeeds, `/ping/<key>/start` when it begins, `/ping/<key>/fail`
 * or `/ping/<key>/<exit code>` when it ends. The check is late when a ping is overdue and down
 * once `grace` has passed too (src/checks/heartbeat/monitor.ts).
 */
import { z } from "zod";
import { type SchemaContext, secretSchema } from "../../config/secret.ts";
import { validateCron } from "../../core/cron.ts";
import { durationSchema, sizeSchema } from "../../core/duration.ts";
import { isValidTimeZone } from "../../core/time-format.ts";

/** What a ping key may look like: URL-safe, long enough not to be guessed. */
export const PING_KEY_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;

/** The largest body the ping routes accept; `max_body` cannot exceed it. */
export const PING_BODY_LIMIT = 100 * 1024;

const KEY_EXPECTED =
  "expected a ping key of 16 to 128 characters: letters, digits, - and _ " +
  "(e.g. the output of `openssl rand -base64 24 | tr '+/' '-_'`)";

const EXACTLY_ONE =
  "a heartbeat needs exactly one of period (e.g. 1h: a ping at least hourly) or " +
  'schedule (e.g. "0 2 * * *": a ping after each 02:00 run)';

export function heartbeatSchema(ctx: SchemaContext) {
  return z
    .strictObject({
      key: secretSchema(ctx)
        // The message never quotes the value: a key is a secret.
        .refine((key) => (ctx.readSecrets === false && key === "") || PING_KEY_PATTERN.test(key), {
          error: KEY_EXPECTED,
        })
        .optional()
        .meta({
          description:
            "The secret in the ping URL (/ping/<key>); without it Unyo generates one, keeps it in its database and shows it in `unyo checks list`",
          examples: [{ file: "secrets/nightly-batch-ping-key" }],
        }),
      period: durationSchema
        .refine((ms) => ms >= 1000, { error: "expected a period of at least 1s, e.g. 1h" })
        .optional()
        .meta({
          description: "A ping is expected at least this often (after the previous ping)",
          examples: ["1h", "1d"],
        }),
      schedule: z
        .string({ error: 'expected a cron schedule such as "0 2 * * *"' })
        .optional()
        .meta({
          description:
            "When the job runs (cron, in `timezone`): a ping is expected at the first fire time after the previous ping",
          examples: ["0 2 * * *", "30 6 * * MON-FRI"],
        }),
      timezone: z
        .string()
        .refine(isValidTimeZone, {
          error: (iss) =>
            `"${String(iss.input)}" is not an IANA time zone: expected e.g. Asia/Tokyo or UTC`,
        })
        .optional()
        .meta({
          description: "IANA time zone `schedule` is read in (default: the top-level timezone)",
          examples: ["Asia/Tokyo"],
        }),
      grace: durationSchema.prefault("5m").meta({
        description:
          "How late a ping may be before the check is down (it is late meanwhile); also how long a started run may take",
      }),
      max_body: sizeSchema
        .prefault("10KiB")
        .refine((bytes) => bytes <= PING_BODY_LIMIT, {
          error: "expected at most 100KiB (the ping URL accepts bodies up to 100KiB), e.g. 10KiB",
        })
        .meta({ description: "A ping's body (e.g. the job's output) is kept up to this size" }),
    })
    .superRefine((hb, t) => {
      if ((hb.period === undefined) === (hb.schedule === undefined)) {
        t.addIssue({
          code: "custom",
          path: hb.period === undefined ? [] : ["schedule"],
          message: EXACTLY_ONE,
        });
      }
      if (hb.schedule !== undefined) {
        // An invalid zone is reported on `timezone`; the syntax is checked in UTC then.
        const zone = hb.timezone && isValidTimeZone(hb.timezone) ? hb.timezone : "UTC";
        const problem = validateCron(hb.schedule, zone);
        if (problem) t.addIssue({ code: "custom", path: ["schedule"], message: problem });
      } else if (hb.timezone !== undefined) {
        t.addIssue({
          code: "custom",
          path: ["timezone"],
          message:
            "timezone applies to schedule only: remove it, or use schedule instead of period",
        });
      }
    })
    .meta({
      description:
        "The job reports in instead of being probed: GET or POST /ping/<key> (success), /ping/<key>/start, /ping/<key>/fail or /ping/<key>/<exit code>",
    });
}

export type HeartbeatConfig = z.output<ReturnType<typeof heartbeatSchema>>;
