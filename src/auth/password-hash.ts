/**
 * Password storage with scrypt, a memory-hard hash built into Node.js (no native addon).
 *
 * The stored string names its algorithm and parameters, so they can be raised later without
 * breaking existing passwords: verifyPassword reads the parameters from the string, and
 * needsRehash says when a successful log-in should store a fresh, stronger hash.
 *
 *   scrypt$N=32768,r=8,p=1$<salt, base64>$<key, base64>
 */
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  readonly N: number;
  /** Block size. */
  readonly r: number;
  /** Parallelism. */
  readonly p: number;
}

/** Current parameters: 2^15 × 8 × 128 bytes = 32 MiB of memory per hash. */
export const SCRYPT_PARAMS: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 64;

/**
 * Upper bounds for parameters read from a stored string: a corrupt or hostile value must not
 * make verification allocate gigabytes or run for minutes.
 */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;
const MAX_MEMORY = 256 * 1024 * 1024;

const ENCODED_PATTERN =
  /^scrypt\$N=(\d{1,8}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

interface Decoded {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

/** Memory scrypt needs for these parameters (128·N·r), plus headroom Node.js requires. */
function maxmemFor(params: ScryptParams): number {
  return 128 * params.N * params.r * 2;
}

function derive(password: string, salt: Buffer, keylen: number, params: ScryptParams) {
  const options: ScryptOptions = {
    N: params.N,
    r: params.r,
    p: params.p,
    maxmem: maxmemFor(params),
  };
  return new Promise<Buffer>((resolve, reject) => {
    // NFC: the same password typed on two systems may arrive composed or decomposed.
    scrypt(password.normalize("NFC"), salt, keylen, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** Strict base64: re-encoding must give back the same text (Buffer.from is lenient). */
function decodeBase64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, "base64");
  return bytes.toString("base64") === text ? bytes : undefined;
}

function decode(encoded: string): Decoded | undefined {
  if (typeof encoded !== "string") return undefined;
  const match = ENCODED_PATTERN.exec(encoded);
  if (!match) return undefined;
  const params = { N: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  const { N, r, p } = params;
  if (N < 2 || N > MAX_N || (N & (N - 1)) !== 0) return undefined;
  if (r < 1 || r > MAX_R || p < 1 || p > MAX_P) return undefined;
  if (maxmemFor(params) > MAX_MEMORY) return undefined;
  const salt = decodeBase64(match[4] as string);
  const key = decodeBase64(match[5] as string);
  if (!salt || !key || salt.length < 8 || key.length < 16 || key.length > 128) return undefined;
  return { params, salt, key };
}

function encode({ params, salt, key }: Decoded): string {
  return `scrypt$N=${params.N},r=${params.r},p=${params.p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

/** A new hash of `password` with a fresh random salt and the current parameters. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, KEY_BYTES, SCRYPT_PARAMS);
  return encode({ params: SCRYPT_PARAMS, salt, key });
}

/**
 * Whether `password` matches `encoded`. False — never an exception — for a wrong password and
 * for a stored value that is not a hash this module understands.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  try {
    if (typeof password !== "string") return false;
    const decoded = decode(encoded);
    if (!decoded) return false;
    const key = await derive(password, decoded.salt, decoded.key.length, decoded.params);
    // Same length by construction; timingSafeEqual so the comparison leaks nothing.
    return key.length === decoded.key.length && timingSafeEqual(key, decoded.key);
  } catch {
    return false;
  }
}

/**
 * True when `encoded` should be replaced by a fresh hashPassword after the next successful
 * log-in: weaker parameters, salt or key than the current ones, or not understood at all.
 */
export function needsRehash(encoded: string): boolean {
  const decoded = decode(encoded);
  if (!decoded) return true;
  const { params, salt, key } = decoded;
  return (
    params.N < SCRYPT_PARAMS.N ||
    params.r < SCRYPT_PARAMS.r ||
    params.p < SCRYPT_PARAMS.p ||
    salt.length < SALT_BYTES ||
    key.length < KEY_BYTES
  );
}
