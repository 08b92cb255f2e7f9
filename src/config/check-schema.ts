/**
 * The schema of one check: an id, exactly one probe kind (http, tcp, tls, dns, postgres,
 * mysql, redis, command or heartbeat) with its settings, the assertions in `expect`, and
 * how it is scheduled and judged (every, timeout, retries, thresholds).
 */
import { z } from "zod";
import { AssertionSyntaxError, parseAssertion, type Subject } from "../checks/assertions.ts";
import { heartbeatSchema } from "../checks/heartbeat/schema.ts";
import { commandProbeSchema } from "../checks/probes/command.ts";
import { dnsProbeSchema } from "../checks/probes/dns.ts";
import { mysqlProbeSchema } from "../checks/probes/mysql.ts";
import { postgresProbeSchema } from "../checks/probes/postgres.ts";
import { redisProbeSchema } from "../checks/probes/redis.ts";
import { tcpProbeSchema } from "../checks/probes/tcp.ts";
import { tlsProbeSchema } from "../checks/probes/tls.ts";
import { durationSchema } from "../core/duration.ts";
import { type SchemaContext, secretSchema } from "./secret.ts";

const ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const idSchema = z
  .string({ error: "expected an id: lower-case letters, digits, - and _, e.g. api-health" })
  .regex(ID_PATTERN, {
    error: "expected an id: lower-case letters, digits, - and _ (at most 64), e.g. api-health",
  });

const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

const assertionSchema = z.string().superRefine((text, t) => {
  try {
    parseAssertion(text);
  } catch (error) {
    if (!(error instanceof AssertionSyntaxError)) throw error;
    t.addIssue({ code: "custom", message: `${error.message} in "${text}"` });
  }
});

function httpProbeSchema(ctx: SchemaContext) {
  return z.strictObject({
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
    auth: z
      .union(
        [
          z.strictObject({
            basic: z.strictObject({ username: z.string(), password: secretSchema(ctx) }),
          }),
          z.strictObject({ bearer: secretSchema(ctx) }),
        ],
        { error: "expected { basic: { username, password } } or { bearer: TOKEN }" },
      )
      .optional()
      .meta({ description: "Credentials sent as the Authorization header" }),
    follow_redirects: z.boolean().default(true),
    tls_verify: z.boolean().default(true),
  });
}

/** The probe kinds and their settings' schemas. */
export function probeSchemas(ctx: SchemaContext) {
  return {
    http: httpProbeSchema(ctx),
    tcp: tcpProbeSchema,
    tls: tlsProbeSchema,
    dns: dnsProbeSchema,
    postgres: postgresProbeSchema(ctx),
    mysql: mysqlProbeSchema(ctx),
    redis: redisProbeSchema(ctx),
    command: commandProbeSchema(ctx),
    heartbeat: heartbeatSchema(ctx),
  } as const;
}

export type ProbeKind = keyof ReturnType<typeof probeSchemas>;

/** What must hold when `expect` is not given: the answer is good by the kind's convention. */
const DEFAULT_EXPECT: Record<string, string[]> = {
  http: ["status < 400"],
  command: ["exit_code == 0"],
};

/** Subjects each probe kind can answer, for config-time checks of `expect`. */
const SUBJECTS: Record<string, readonly Subject["kind"][]> = {
  http: ["status", "response_time", "header", "body", "cert_expires_in"],
  tcp: ["response_time", "body"],
  tls: ["response_time", "body", "cert_expires_in"],
  dns: ["response_time", "body"],
  postgres: ["response_time", "body"],
  mysql: ["response_time", "body"],
  redis: ["response_time", "body"],
  command: ["response_time", "body", "exit_code", "stdout", "stderr"],
  // A heartbeat is not run: its pings are the results, there is nothing to assert.
  heartbeat: [],
};

const positiveInt = (what: string, min: number, max: number, example: number) =>
  z
    .int({ error: `expected a whole number of ${what} from ${min} to ${max}, e.g. ${example}` })
    .min(min, {
      error: `expected a whole number of ${what} from ${min} to ${max}, e.g. ${example}`,
    })
    .max(max, {
      error: `expected a whole number of ${what} from ${min} to ${max}, e.g. ${example}`,
    });

export function checkSchema(ctx: SchemaContext) {
  const probes = probeSchemas(ctx);
  const kinds = Object.keys(probes) as (keyof typeof probes)[];
  const probeKeys = Object.fromEntries(kinds.map((k) => [k, probes[k].optional()])) as {
    [K in keyof typeof probes]: z.ZodOptional<(typeof probes)[K]>;
  };
  return z
    .strictObject({
      id: idSchema.meta({
        description: "Stable id of the check, used in the API, metrics and logs",
      }),
      name: z
        .string()
        .optional()
        .meta({ description: "Name shown to people, e.g. APIヘルスチェック" }),
      ...probeKeys,
      every: durationSchema
        .prefault("1m")
        .refine((ms) => ms >= 100, { error: "every must be at least 100ms" })
        .meta({ description: "How often the check runs (fixed rate)" }),
      timeout: durationSchema
        .prefault("10s")
        .meta({ description: "Deadline of one attempt; never longer than `every`" }),
      expect: z
        .array(assertionSchema)
        .optional()
        .meta({
          description:
            "Assertions that must all hold (default: http status < 400, command exit_code == 0); see docs/checks.md",
          examples: [["status == 200", 'body.status == "healthy"', "response_time < 500ms"]],
        }),
      retries: positiveInt("retries", 0, 10, 2).default(0).meta({
        description: "Attempts repeated at once, within one run, before it counts as failed",
      }),
      retry_delay: durationSchema.prefault("1s").meta({ description: "Pause between retries" }),
      failure_threshold: positiveInt("failed runs", 1, 100, 3)
        .default(1)
        .meta({ description: "Failed runs in a row before the check is down" }),
      success_threshold: positiveInt("passed runs", 1, 100, 2)
        .default(1)
        .meta({ description: "Passed runs in a row before a down check is up again" }),
      jitter: durationSchema
        .prefault("0s")
        .meta({ description: "Each run starts up to this much later, at random, to spread load" }),
      paused: z
        .boolean()
        .default(false)
        .meta({ description: "Keep the check configured but do not run it" }),
      labels: z
        .record(z.string(), z.string())
        .default({})
        .meta({ description: "Labels such as service or environment, for routing and grouping" }),
    })
    .superRefine((check, t) => {
      const present = kinds.filter((k) => check[k] !== undefined);
      if (present.length !== 1) {
        t.addIssue({
          code: "custom",
          path: present.length > 1 ? [present[1] as string] : [],
          message:
            present.length === 0
              ? `a check needs one probe: ${kinds.join(", ")}`
              : `a check has exactly one probe; this one has ${present.join(" and ")}`,
        });
        return;
      }
      const kind = present[0] as string;
      const allowed = SUBJECTS[kind] ?? [];
      (check.expect ?? []).forEach((text, index) => {
        let subjects: Subject["kind"][];
        try {
          const assertion = parseAssertion(text);
          subjects = [assertion.subject.kind, ...(assertion.ref ? [assertion.ref.kind] : [])];
        } catch {
          return; // already reported by the assertion schema
        }
        const subject = subjects.find((s) => !allowed.includes(s)) ?? subjects[0];
        if (kind === "heartbeat") {
          t.addIssue({
            code: "custom",
            path: ["expect", index],
            message: "a heartbeat has no expect: the job reports success or failure itself",
          });
        } else if (subject && !allowed.includes(subject)) {
          t.addIssue({
            code: "custom",
            path: ["expect", index],
            message: `${subject} is not available for ${kind} checks; available: ${allowed.join(", ")}`,
          });
        }
      });
      if (check.jitter >= check.every) {
        t.addIssue({
          code: "custom",
          path: ["jitter"],
          message: "jitter must be shorter than every",
        });
      }
    })
    .transform((check) => {
      const kind = kinds.find((k) => check[k] !== undefined) as keyof typeof probes;
      return { ...check, kind, expect: check.expect ?? DEFAULT_EXPECT[kind] ?? [] };
    });
}
