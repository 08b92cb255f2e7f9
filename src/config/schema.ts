import { z } from "zod";
import { AssertionSyntaxError, parseAssertion } from "../checks/assertions.ts";
import { calendarConfigSchema } from "../core/calendar.ts";
import { durationSchema, sizeSchema } from "../core/duration.ts";
import { isValidTimeZone } from "../core/time-format.ts";
import { type SchemaContext, secretSchema } from "./secret.ts";
import { securitySchema } from "./security-schema.ts";

export type { SchemaContext };

/**
 * The schema of unyo.yaml: every section Unyo supports, strict everywhere (an unknown key
 * is an error, never ignored). Built per file because secret file references resolve
 * relative to the config file's folder.
 */

const ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const idSchema = z
  .string({ error: "expected an id: lower-case letters, digits, - and _, e.g. api-health" })
  .regex(ID_PATTERN, {
    error: "expected an id: lower-case letters, digits, - and _ (at most 64), e.g. api-health",
  });

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

const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

const assertionSchema = z.string().superRefine((text, t) => {
  try {
    parseAssertion(text);
  } catch (error) {
    if (!(error instanceof AssertionSyntaxError)) throw error;
    t.addIssue({ code: "custom", message: `${error.message} in "${text}"` });
  }
});

const httpProbeSchema = z.strictObject({
  url: z
    .string()
    .refine((u) => u.startsWith("/") || (/^https?:\/\/[^\s/]+/.test(u) && URL.canParse(u)), {
      error: "expected an http(s) URL, or a path such as /api/health for Unyo itself",
    }),
  method: z
    .enum(HTTP_METHODS, { error: `expected one of ${HTTP_METHODS.join(", ")}` })
    .default("GET"),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  follow_redirects: z.boolean().default(true),
  tls_verify: z.boolean().default(true),
});

const checkSchema = z.strictObject({
  id: idSchema.meta({ description: "Stable id of the check, used in the API, metrics and logs" }),
  name: z.string().optional().meta({ description: "Name shown to people, e.g. APIヘルスチェック" }),
  http: httpProbeSchema,
  every: durationSchema
    .prefault("1m")
    .refine((ms) => ms >= 100, { error: "every must be at least 100ms" })
    .meta({ description: "How often the check runs (fixed rate)" }),
  timeout: durationSchema
    .prefault("10s")
    .meta({ description: "Deadline of one run; never longer than `every`" }),
  expect: z
    .array(assertionSchema)
    .default(["status < 400"])
    .meta({
      description: "Assertions that must all hold; see docs/checks.md",
      examples: [["status == 200", 'body.status == "healthy"', "response_time < 500ms"]],
    }),
  paused: z
    .boolean()
    .default(false)
    .meta({ description: "Keep the check configured but do not run it" }),
  labels: z
    .record(z.string(), z.string())
    .default({})
    .meta({ description: "Labels such as service or environment, for routing and grouping" }),
});

export function buildConfigSchema(ctx: SchemaContext) {
  return z
    .strictObject({
      timezone: timezoneSchema.default("UTC"),
      server: serverSchema,
      storage: storageSchema(ctx),
      calendars: z.record(idSchema, calendarConfigSchema).default({}),
      checks: z.array(checkSchema).default([]),
      security: securitySchema,
    })
    .superRefine((config, t) => {
      const seen = new Map<string, number>();
      config.checks.forEach((check, index) => {
        const first = seen.get(check.id);
        if (first !== undefined) {
          t.addIssue({
            code: "custom",
            path: ["checks", index, "id"],
            message: `duplicate check id "${check.id}" (first used by checks[${first}]): ids must be unique`,
          });
        } else seen.set(check.id, index);
      });
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
    "metrics",
    "rules",
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
  "checks[]": [
    "tcp",
    "tls",
    "dns",
    "postgres",
    "mysql",
    "redis",
    "command",
    "heartbeat",
    "retries",
  ],
};
