/**
 * One-time recovery codes for accounts with two-factor authentication, for when the
 * authenticator is lost. Shown once at enrolment, stored only as hashes.
 *
 *   k7m2-9xqp-4hnv-c3wd
 *
 * 16 characters from a 31-character alphabet without look-alikes (no 0 o 1 l i): about 79 bits
 * each. Twelve characters would give only 59.5 bits, short of the 60 asked for, hence four
 * groups. Because the codes are random and long, a fast hash (SHA-256) is enough: there is no
 * dictionary to try. Input is forgiving: case, dashes, spaces and full-width characters typed
 * through a Japanese input method are all normalised away.
 */
import { createHash, randomInt, timingSafeEqual } from "node:crypto";

/** Digits 2–9 and letters a–z without i, l, o. */
export const RECOVERY_CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz";
export const RECOVERY_CODE_GROUPS = 4;
export const RECOVERY_CODE_GROUP_LENGTH = 4;
/** Entropy of one code in bits (≈ 79.3). */
export const RECOVERY_CODE_BITS =
  RECOVERY_CODE_GROUPS * RECOVERY_CODE_GROUP_LENGTH * Math.log2(RECOVERY_CODE_ALPHABET.length);

/** Longest input matchRecoveryCode will look at, so a huge paste is not hashed. */
const MAX_INPUT_LENGTH = 200;
const HASH_PATTERN = /^[0-9a-f]{64}$/;

function generateOne(): string {
  const groups: string[] = [];
  for (let g = 0; g < RECOVERY_CODE_GROUPS; g++) {
    let group = "";
    for (let i = 0; i < RECOVERY_CODE_GROUP_LENGTH; i++) {
      // randomInt is uniform (rejection sampling), so every character carries log2(31) bits.
      group += RECOVERY_CODE_ALPHABET[randomInt(RECOVERY_CODE_ALPHABET.length)];
    }
    groups.push(group);
  }
  return groups.join("-");
}

/** `count` new distinct codes, formatted for display: `xxxx-xxxx-xxxx-xxxx`. */
export function generateRecoveryCodes(count = 10): string[] {
  if (!Number.isInteger(count) || count < 1 || count > 100) {
    throw new RangeError("recovery code count must be an integer from 1 to 100");
  }
  const codes = new Set<string>();
  while (codes.size < count) codes.add(generateOne());
  return [...codes];
}

/**
 * The canonical form of a typed code: NFKC (full-width ｋ７ and － become k7 and -), lower case,
 * dashes and white space removed. "K7M2 9XQP-4hnv－c3wd" → "k7m29xqp4hnvc3wd".
 */
export function normaliseRecoveryCode(input: string): string {
  return input
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\s\-‐‑‒–—−]+/g, "");
}

/** SHA-256, lower-case hex, of the normalised code: the value to store. */
export function hashRecoveryCode(code: string): string {
  const normalised = normaliseRecoveryCode(code);
  if (normalised === "") throw new TypeError("recovery code is empty");
  return createHash("sha256").update(normalised, "utf8").digest("hex");
}

/**
 * The index in `hashes` of the code the user typed, or -1. Every entry is compared, each in
 * constant time, so the time taken does not tell which one matched. An entry that is not a
 * SHA-256 hex hash never matches: a used code can be removed, or blanked to "" to keep the
 * other indexes stable. The caller must mark the matched code used.
 */
export function matchRecoveryCode(input: string, hashes: readonly string[]): number {
  if (typeof input !== "string" || input.length > MAX_INPUT_LENGTH) return -1;
  if (normaliseRecoveryCode(input) === "") return -1;
  const typed = Buffer.from(hashRecoveryCode(input), "ascii");
  let found = -1;
  hashes.forEach((stored, index) => {
    if (typeof stored !== "string" || !HASH_PATTERN.test(stored)) return;
    if (timingSafeEqual(typed, Buffer.from(stored, "ascii")) && found === -1) found = index;
  });
  return found;
}
