/**
 * Time-based one-time passwords (TOTP, RFC 6238) as shown by authenticator apps.
 *
 * A TOTP code is an HOTP code (RFC 4226) whose counter is the number of whole periods since the
 * epoch: step = floor(unix seconds / period). The shared secret is stored and shown as RFC 4648
 * base32 without padding, which is what authenticator apps expect in an otpauth:// URI:
 *
 *   otpauth://totp/Unyo:alice%40example.com?secret=<base32>&issuer=Unyo&algorithm=SHA1&digits=6&period=30
 *
 * Pure functions: time is passed in as milliseconds since the epoch (from a Clock), never read
 * here. Replay protection is the caller's part: verifyTotp returns the step that matched, the
 * caller stores it and passes it back as `lastUsedStep` next time.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export type TotpAlgorithm = "sha1" | "sha256" | "sha512";

export interface TotpOptions {
  /** Digits in a code, 6 to 8. Default 6. */
  readonly digits?: number;
  /** Length of a step in seconds. Default 30. */
  readonly periodSeconds?: number;
  /** HMAC hash. Default "sha1", the only one every authenticator app supports. */
  readonly algorithm?: TotpAlgorithm;
}

export interface VerifyTotpOptions extends TotpOptions {
  /** Steps accepted either side of the current one, for clock drift. Default 1, at most 10. */
  readonly window?: number;
  /** The step returned by the last successful verification: it and earlier steps are refused. */
  readonly lastUsedStep?: number | undefined;
}

export type VerifyTotpResult =
  | { readonly ok: true; readonly step: number }
  | { readonly ok: false };

export const TOTP_DEFAULTS = { digits: 6, periodSeconds: 30, algorithm: "sha1" } as const;
/** 20 bytes = 160 bits, the HMAC-SHA1 output size RFC 4226 recommends for the secret. */
export const TOTP_SECRET_BYTES = 20;
const MAX_WINDOW = 10;

const BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32, upper case, without "=" padding. */
export function base32Encode(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET[(buffer >> bits) & 31];
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * Decodes RFC 4648 base32, in either case, with or without trailing "=" padding. Throws a
 * TypeError for any other character, an impossible length, or non-zero unused trailing bits
 * (so every byte string has exactly one accepted spelling, apart from case and padding).
 */
export function base32Decode(text: string): Buffer {
  if (typeof text !== "string") throw new TypeError("base32 input must be a string");
  const padded = /^([A-Za-z2-7]*)(=*)$/.exec(text);
  if (!padded) throw new TypeError("invalid base32: unexpected character");
  const body = (padded[1] as string).toUpperCase();
  const padding = (padded[2] as string).length;
  if (padding > 0 && (body.length + padding) % 8 !== 0) {
    throw new TypeError("invalid base32: wrong padding");
  }
  // 5 bits per character: a final group of 1, 3 or 6 characters cannot come from whole bytes.
  const rest = body.length % 8;
  if (rest === 1 || rest === 3 || rest === 6) throw new TypeError("invalid base32: wrong length");
  const out = Buffer.alloc(Math.floor((body.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const char of body) {
    buffer = ((buffer << 5) | BASE32_ALPHABET.indexOf(char)) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (buffer >> bits) & 0xff;
    }
  }
  if ((buffer & ((1 << bits) - 1)) !== 0) {
    throw new TypeError("invalid base32: non-zero trailing bits");
  }
  return out;
}

/** A new random TOTP secret: 20 bytes from the CSPRNG, base32 (32 characters). */
export function generateTotpSecret(): string {
  return base32Encode(randomBytes(TOTP_SECRET_BYTES));
}

interface ResolvedOptions {
  digits: number;
  periodSeconds: number;
  algorithm: TotpAlgorithm;
}

function resolve(options: TotpOptions): ResolvedOptions {
  const {
    digits = TOTP_DEFAULTS.digits,
    periodSeconds = TOTP_DEFAULTS.periodSeconds,
    algorithm = TOTP_DEFAULTS.algorithm,
  } = options;
  if (!Number.isInteger(digits) || digits < 6 || digits > 8) {
    throw new RangeError("TOTP digits must be an integer from 6 to 8");
  }
  if (!Number.isInteger(periodSeconds) || periodSeconds < 1) {
    throw new RangeError("TOTP period must be a positive whole number of seconds");
  }
  if (algorithm !== "sha1" && algorithm !== "sha256" && algorithm !== "sha512") {
    throw new RangeError(`unsupported TOTP algorithm: ${String(algorithm)}`);
  }
  return { digits, periodSeconds, algorithm };
}

/** The step (RFC 6238 "T") that `atMs` falls in. */
export function totpStep(
  atMs: number,
  periodSeconds: number = TOTP_DEFAULTS.periodSeconds,
): number {
  if (!Number.isFinite(atMs) || atMs < 0) {
    throw new RangeError("time must be a non-negative number");
  }
  if (!Number.isInteger(periodSeconds) || periodSeconds < 1) {
    throw new RangeError("TOTP period must be a positive whole number of seconds");
  }
  return Math.floor(atMs / (periodSeconds * 1000));
}

/** RFC 4226 HOTP: HMAC of the 8-byte big-endian counter, dynamic truncation, zero-padded. */
export function hotpCode(
  key: Uint8Array,
  counter: number,
  digits: number = TOTP_DEFAULTS.digits,
  algorithm: TotpAlgorithm = TOTP_DEFAULTS.algorithm,
): string {
  if (!Number.isSafeInteger(counter) || counter < 0) {
    throw new RangeError("HOTP counter must be a non-negative safe integer");
  }
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, key).update(message).digest();
  const offset = (mac[mac.length - 1] as number) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, "0");
}

/** The TOTP code for base32 `secret` at `atMs` (milliseconds since the epoch). */
export function totpCode(secret: string, atMs: number, options: TotpOptions = {}): string {
  const { digits, periodSeconds, algorithm } = resolve(options);
  return hotpCode(base32Decode(secret), totpStep(atMs, periodSeconds), digits, algorithm);
}

/**
 * Checks a code typed by a user. Spaces are ignored ("123 456"); anything else than exactly
 * `digits` digits is refused. Steps within ±`window` of the current one are accepted unless
 * they are ≤ `lastUsedStep`. Every candidate is computed and compared in constant time; when
 * several match, the latest step is returned, so storing it refuses all of them afterwards.
 *
 * Returns { ok: false } — never throws — for a wrong, malformed or replayed code and for a
 * secret that is not valid base32. Throws RangeError only for invalid options or time.
 */
export function verifyTotp(
  secret: string,
  code: string,
  atMs: number,
  options: VerifyTotpOptions = {},
): VerifyTotpResult {
  const { digits, periodSeconds, algorithm } = resolve(options);
  const { window = 1, lastUsedStep } = options;
  if (!Number.isInteger(window) || window < 0 || window > MAX_WINDOW) {
    throw new RangeError(`TOTP window must be an integer from 0 to ${MAX_WINDOW}`);
  }
  if (lastUsedStep !== undefined && !Number.isInteger(lastUsedStep)) {
    throw new RangeError("lastUsedStep must be an integer");
  }
  const current = totpStep(atMs, periodSeconds);
  if (typeof code !== "string") return { ok: false };
  const typed = code.replace(/\s+/g, "");
  if (typed.length !== digits || !/^[0-9]+$/.test(typed)) return { ok: false };
  let key: Buffer;
  try {
    key = base32Decode(secret);
  } catch {
    return { ok: false };
  }
  if (key.length === 0) return { ok: false };
  const typedBytes = Buffer.from(typed, "ascii");
  let matched = -1;
  for (let step = current - window; step <= current + window; step++) {
    if (step < 0) continue;
    if (lastUsedStep !== undefined && step <= lastUsedStep) continue;
    const expected = Buffer.from(hotpCode(key, step, digits, algorithm), "ascii");
    if (timingSafeEqual(expected, typedBytes)) matched = step;
  }
  return matched >= 0 ? { ok: true, step: matched } : { ok: false };
}

export interface OtpauthUriInput extends TotpOptions {
  /** Base32 secret, as from generateTotpSecret. */
  readonly secret: string;
  /** The user's account name shown in the app, e.g. an e-mail address. */
  readonly account: string;
  /** Who the account is with, shown in the app. Default "Unyo". */
  readonly issuer?: string;
}

/**
 * The otpauth:// URI an authenticator app reads from a QR code (Google Authenticator "Key Uri
 * Format"): label `issuer:account` and parameters secret, issuer, algorithm, digits, period.
 * Everything is percent-encoded as UTF-8 (space as %20, never "+"). Throws for an invalid
 * secret and for an empty issuer or account or one containing ":" (the label separator).
 */
export function otpauthUri(input: OtpauthUriInput): string {
  const { secret, account, issuer = "Unyo" } = input;
  const { digits, periodSeconds, algorithm } = resolve(input);
  const key = base32Decode(secret);
  if (key.length === 0) throw new TypeError("TOTP secret is empty");
  for (const [name, value] of [
    ["account", account],
    ["issuer", issuer],
  ] as const) {
    if (typeof value !== "string" || value.trim() === "") throw new TypeError(`${name} is empty`);
    if (value.includes(":")) throw new TypeError(`${name} must not contain ":"`);
  }
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const query = [
    `secret=${base32Encode(key)}`,
    `issuer=${encodeURIComponent(issuer)}`,
    `algorithm=${algorithm.toUpperCase()}`,
    `digits=${digits}`,
    `period=${periodSeconds}`,
  ].join("&");
  return `otpauth://totp/${label}?${query}`;
}
