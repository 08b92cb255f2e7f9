/**
 * The password policy (seed 001 §8): by default at least 12 characters mixing letters, digits
 * and symbols, not containing the user name, not one of the most common passwords. Every rule
 * is configurable in the planned `security.password_policy` section, with an optional maximum
 * age after which the password must be changed.
 *
 * checkPassword returns every violated rule at once, as text a person can act on, so a form
 * can show the whole list rather than one complaint per attempt.
 */
import { z } from "zod";
import { durationSchema } from "../core/duration.ts";
import { COMMON_PASSWORDS } from "./common-passwords.ts";

export const PASSWORD_CLASSES = ["letter", "digit", "symbol", "upper", "lower"] as const;
export type PasswordClass = (typeof PASSWORD_CLASSES)[number];

/** Longer passwords are refused whatever the policy: hashing them would only waste CPU. */
export const MAX_PASSWORD_LENGTH = 1024;

/** User names shorter than this are not searched for in the password ("al" is in "always"). */
const MIN_USERNAME_MATCH = 3;

export const passwordPolicySchema = z
  .strictObject({
    min_length: z
      .int({ error: "expected a whole number of characters from 8 to 256, e.g. 12" })
      .min(8, { error: "expected a whole number of characters from 8 to 256, e.g. 12" })
      .max(256, { error: "expected a whole number of characters from 8 to 256, e.g. 12" })
      .default(12)
      .meta({ description: "Minimum number of characters (Unicode code points)" }),
    require: z
      .array(
        z.enum(PASSWORD_CLASSES, { error: `expected one of ${PASSWORD_CLASSES.join(", ")}` }),
        { error: `expected a list of ${PASSWORD_CLASSES.join(", ")}` },
      )
      .default(["letter", "digit", "symbol"])
      .meta({ description: "Kinds of character a password must contain, at least one of each" }),
    forbid_username: z
      .boolean({ error: "expected true or false" })
      .default(true)
      .meta({ description: "Refuse passwords containing the user name (case-insensitive)" }),
    forbid_common: z
      .boolean({ error: "expected true or false" })
      .default(true)
      .meta({ description: "Refuse passwords found in the list of common passwords" }),
    max_age: durationSchema
      .refine((ms) => ms > 0, { error: "expected a duration longer than zero, e.g. 90d" })
      .optional()
      .meta({ description: "Force a change this long after the last one (no limit if unset)" }),
  })
  .prefault({});

export type PasswordPolicy = z.output<typeof passwordPolicySchema>;

/** The policy when the config says nothing: seed 001's. */
export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = passwordPolicySchema.parse(undefined);

const CLASS_TESTS: Record<PasswordClass, { pattern: RegExp; message: string }> = {
  letter: { pattern: /\p{L}/u, message: "must contain a letter" },
  digit: { pattern: /\p{Nd}/u, message: "must contain a digit" },
  // Anything that is neither a letter, a digit nor white space: punctuation, symbols, emoji.
  symbol: {
    pattern: /[^\p{L}\p{N}\p{M}\s]/u,
    message: "must contain a symbol such as ! ? # @ or -",
  },
  upper: { pattern: /\p{Lu}/u, message: "must contain an upper-case letter" },
  lower: { pattern: /\p{Ll}/u, message: "must contain a lower-case letter" },
};

export interface CheckPasswordOptions {
  /** The account's user name; searched for case-insensitively when forbid_username is on. */
  username?: string;
  /** Defaults to DEFAULT_PASSWORD_POLICY. */
  policy?: PasswordPolicy;
}

/** Lower-case NFC, so "Ｐassword" typed differently or "PASSWORD" compare as the same text. */
function normalise(text: string): string {
  return text.normalize("NFC").toLowerCase();
}

/**
 * Every rule of `policy` that `password` breaks, each as a message that completes the sentence
 * "The password …". Empty when the password is acceptable.
 */
export function checkPassword(password: string, options: CheckPasswordOptions = {}): string[] {
  const policy = options.policy ?? DEFAULT_PASSWORD_POLICY;
  const text = password.normalize("NFC");
  const problems: string[] = [];

  // Code points, not UTF-16 units: "🔑" is one character to the person typing it.
  const length = [...text].length;
  if (length < policy.min_length) {
    problems.push(`must be at least ${policy.min_length} characters`);
  } else if (length > MAX_PASSWORD_LENGTH) {
    problems.push(`must be at most ${MAX_PASSWORD_LENGTH} characters`);
  }

  for (const kind of new Set(policy.require)) {
    const { pattern, message } = CLASS_TESTS[kind];
    if (!pattern.test(text)) problems.push(message);
  }

  const lowered = normalise(text);
  if (policy.forbid_username && options.username !== undefined) {
    const names = new Set([normalise(options.username.trim())]);
    // For an e-mail address as user name, the part before @ is what people reuse.
    const at = options.username.indexOf("@");
    if (at > 0) names.add(normalise(options.username.slice(0, at).trim()));
    for (const name of names) {
      if ([...name].length >= MIN_USERNAME_MATCH && lowered.includes(name)) {
        problems.push("must not contain the user name");
        break;
      }
    }
  }

  if (policy.forbid_common && COMMON_PASSWORDS.has(lowered)) {
    problems.push("is one of the most common passwords");
  }

  return problems;
}

/**
 * True when a password last changed at `changedAt` must be changed at `now` (both epoch
 * milliseconds). Never true without `max_age`.
 */
export function passwordExpired(changedAt: number, now: number, policy: PasswordPolicy): boolean {
  if (policy.max_age === undefined) return false;
  return now - changedAt >= policy.max_age;
}
