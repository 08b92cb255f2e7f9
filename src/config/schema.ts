import { z } from "zod";
import { calendarConfigSchema } from "../core/calendar.ts";
import { durationSchema, sizeSchema } from "../core/duration.ts";
import { isValidTimeZone } from "../core/time-format.ts";
import { checkSchema, idSchema } from "./check-schema.ts";
import { historySchema } from "./history-schema.ts";
import { metricsSchema } from "./metrics-schema.ts";
import { rulesSchema } from "./rules-schema.ts";
import { type SchemaContext, secretSchema } from "./secret.ts";
import { securitySchema } from "./security-schema.ts";
import { eachRepeat, uniqueIds } from "./unique-ids.ts";

export type { SchemaContext };

/**
 * The schema of unyo.yaml: every section Unyo supports, strict everywhere (an unknown key
 * is an error, never ignored). Built per file because secret file references resolve
 * relative to the config file's folder.
 */

export const LOG_LEVELS = ["debug", "info", "warning", "error", "critical"] as const;

const timezoneSchema = z
  .string()
  .refine(isValidTimeZone, {
    error: (iss) =>
      `"${String(iss.input)}" is not an IANA time zone: expected e.g. Asia/Tokyo or UTC`,
  })
  .meta({ description: "IANA time zone", examples: ["Asia/Tokyo", "UTC"] });

const serverSchema = z
  .strictObject({
    host: z.string().default("127.0.0.1").meta({ description: "Address to listen on" }),
    port: z
      .int({ error: "expected a port number from 0 to 65535" })
      .min(0)
      .max(65535)
      .default(8080),
    public_url: z
      .url({ error: "expected an absolute URL such as https://unyo.example.com" })
      .optional()
      .meta({ description: "URL people use to reach Unyo (links in messages)" }),
    log_level: z
      .enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(", ")}` })
      .default("info"),
    body_limit: sizeSchema.prefault("1MiB"),
    shutdown_timeout: durationSchema.prefault("10s"),
    trust_proxy: z
      .union(
        [
          z.boolean(),
          z.array(z.string().min(1), { error: "expected a list of addresses or CIDRs" }),
        ],
        {
          error:
            "expected true, false, or a list of proxy addresses/CIDRs such as [127.0.0.1, 10.0.0.0/8]",
        },
      )
      .default(false)
      .meta({
        description:
          "Believe X-Forwarded-For/-Proto from these proxies (true = any): client IPs for throttling and the audit log, HTTPS for Secure cookies",
      }),
  })
  .prefault({});

function storageSchema(ctx: SchemaContext) {
  return z
    .strictObject({
      data_dir: z
        .string()
        .optional()
        .meta({ description: "Folder for Unyo's files (default ./data)" }),
      sqlite: z.strictObject({ path: z.string().min(1) }).optional(),
      postgres: z
        .strictObject({
          url: secretSchema(ctx),
          pool_size: z.int().min(1).max(100).default(10),
        })
        .optional(),
    })
    .refine((s) => !(s.sqlite && s.postgres), {
      error: "choose one store: either storage.sqlite or storage.postgres, not both",
    })
    .prefault({});
}

export function buildConfigSchema(ctx: SchemaContext) {
  return z
    .strictObject({
      timezone: timezoneSchema.default("UTC"),
      server: serverSchema,
      storage: storageSchema(ctx),
      calendars: z.record(idSchema, calendarConfigSchema).default({}),
      checks: z.array(checkSchema(ctx)).default([]),
      history: historySchema,
      security: securitySchema,
      metrics: metricsSchema(ctx),
      rules: rulesSchema(),
    })
    .superRefine((config, t) => {
      const remotes = new Set(config.metrics.remote.map((r) => r.id));
      uniqueIds(config.rules, "rules", t, "rule id");
      config.rules.forEach((rule, index) => {
        if (rule.source !== undefined && !remotes.has(rule.source)) {
          const known = [...remotes];
          t.addIssue({
            code: "custom",
            path: ["rules", index, "source"],
            message: `no metrics.remote with id "${rule.source}"${known.length > 0 ? `; configured: ${known.join(", ")}` : ": add one under metrics.remote (id, url)"}`,
          });
        }
      });
      uniqueIds(config.checks, "checks", t, "check id");
      eachRepeat(
        config.checks,
        (check) => check.heartbeat?.key || undefined,
        (_key, index, first) =>
          t.addIssue({
            code: "custom",
            path: ["checks", index, "heartbeat", "key"],
            message: `the same ping key as checks[${first}]: every heartbeat needs its own key`,
          }),
      );
    });
}

export type UnyoConfig = z.output<ReturnType<typeof buildConfigSchema>>;
export type CheckConfig = UnyoConfig["checks"][number];

/**
 * Sections and keys from the roadmap that this version does not run yet. Naming them gives
 * a better message than "unknown key" — and still refuses them, so nothing is silently ignored.
 */
export const PLANNED: Record<string, readonly string[]> = {
  "": [
    "contacts",
    "channels",
    "routes",
    "incidents",
    "maintenance",
    "jobs",
    "backups",
    "tasks",
    "slos",
    "logs",
    "runbooks",
    "rotations",
    "status_page",
  ],
};
