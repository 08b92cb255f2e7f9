import { z } from "zod";
import { passwordPolicySchema } from "../auth/password-policy.ts";
import { ROLES } from "../auth/roles.ts";
import { durationSchema } from "../core/duration.ts";

const positiveDuration = (example: string) =>
  durationSchema.refine((ms) => ms > 0, {
    error: `expected a duration longer than zero, e.g. ${example}`,
  });

const wholeNumber = (min: number, example: number) =>
  z
    .int({ error: `expected a whole number of at least ${min}, e.g. ${example}` })
    .min(min, { error: `expected a whole number of at least ${min}, e.g. ${example}` });

/** `security:` — who may do what, and how they prove who they are (docs/security.md). */
export const securitySchema = z
  .strictObject({
    password_policy: passwordPolicySchema.meta({
      description:
        "Password rules; the default is seed 001's (12+ characters, letters, digits, symbols)",
    }),
    require_mfa: z
      .array(z.enum(ROLES, { error: `expected one of ${ROLES.join(", ")}` }), {
        error: `expected a list of roles, e.g. [admin, operator]`,
      })
      .default(["admin"])
      .meta({
        description:
          "Roles whose users must enrol a second factor before they can do anything else",
      }),
    session: z
      .strictObject({
        idle_timeout: positiveDuration("1h")
          .prefault("1h")
          .meta({ description: "A session ends after this long without a request" }),
        absolute_timeout: positiveDuration("12h")
          .prefault("12h")
          .meta({ description: "A session ends this long after log-in, used or not" }),
        cookie_secure: z
          .enum(["auto", "always", "never"], { error: "expected auto, always or never" })
          .default("auto")
          .meta({
            description: "Secure cookies: auto = when server.public_url or the request is HTTPS",
          }),
      })
      .prefault({}),
    login_throttle: z
      .strictObject({
        free_attempts: wholeNumber(0, 3)
          .default(3)
          .meta({ description: "Failed log-ins per user or address before any delay" }),
        lockout_after: wholeNumber(1, 10)
          .default(10)
          .meta({ description: "Failed log-ins that lock the user or address for a while" }),
        lockout: positiveDuration("15m")
          .prefault("15m")
          .meta({ description: "How long a lock-out lasts" }),
      })
      .prefault({}),
    token_max_lifetime: positiveDuration("365d")
      .optional()
      .meta({ description: "Longest expiry a new API token may have (no limit if unset)" }),
    public_metrics: z
      .boolean({ error: "expected true or false" })
      .default(false)
      .meta({ description: "Serve /metrics without authentication (for a Prometheus scraper)" }),
    public_badges: z.boolean({ error: "expected true or false" }).default(false).meta({
      description: "Serve check status badges (SVG) without authentication, e.g. for a README",
    }),
    audit_retention: positiveDuration("365d")
      .prefault("365d")
      .meta({ description: "Audit log rows older than this are pruned (seed 001: 1 year)" }),
    setup_link_ttl: positiveDuration("1h")
      .prefault("1h")
      .meta({ description: "How long the one-time first-admin setup link stays valid" }),
  })
  .prefault({});

export type SecurityConfig = z.output<typeof securitySchema>;
