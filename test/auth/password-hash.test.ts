import assert from "node:assert/strict";
import { scryptSync } from "node:crypto";
import { before, describe, test } from "node:test";
import {
  hashPassword,
  needsRehash,
  SCRYPT_PARAMS,
  verifyPassword,
} from "../../src/auth/password-hash.ts";

const PASSWORD = "blue-Harbor-42-lantern";
const FORMAT = /^scrypt\$N=32768,r=8,p=1\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

/** An encoding made independently of the module, with chosen parameters. */
function encodeWith(
  password: string,
  N: number,
  r: number,
  p: number,
  saltBytes = 16,
  keyBytes = 64,
) {
  const salt = Buffer.alloc(saltBytes, 7);
  const key = scryptSync(password, salt, keyBytes, { N, r, p, maxmem: 256 * 1024 * 1024 });
  return `scrypt$N=${N},r=${r},p=${p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

describe("hashPassword", () => {
  let hash = "";
  before(async () => {
    hash = await hashPassword(PASSWORD);
  });

  test("writes a self-describing scrypt string: parameters, 16-byte salt, 64-byte key", () => {
    const match = FORMAT.exec(hash);
    assert.ok(match, hash);
    assert.equal(Buffer.from(match[1] as string, "base64").length, 16);
    assert.equal(Buffer.from(match[2] as string, "base64").length, 64);
    assert.deepEqual(SCRYPT_PARAMS, { N: 32768, r: 8, p: 1 });
  });

  test("is scrypt with those parameters (checked against node:crypto directly)", () => {
    const [, , saltText, keyText] = hash.split("$");
    const key = scryptSync(PASSWORD, Buffer.from(saltText as string, "base64"), 64, {
      N: 32768,
      r: 8,
      p: 1,
      maxmem: 64 * 1024 * 1024,
    });
    assert.equal(key.toString("base64"), keyText);
  });

  test("round trip: the right password verifies, a wrong one does not", async () => {
    assert.equal(await verifyPassword(PASSWORD, hash), true);
    assert.equal(await verifyPassword("blue-Harbor-42-lanterN", hash), false);
    assert.equal(await verifyPassword("", hash), false);
    assert.equal(await verifyPassword(`${PASSWORD} `, hash), false);
  });

  test("two hashes of the same password differ (random salt) and both verify", async () => {
    const other = await hashPassword(PASSWORD);
    assert.notEqual(other, hash);
    assert.notEqual(other.split("$")[2], hash.split("$")[2]);
    assert.equal(await verifyPassword(PASSWORD, other), true);
  });

  test("Unicode passwords, composed or decomposed, are the same password", async () => {
    const composed = "café-パスワード-9";
    const unicodeHash = await hashPassword(composed);
    assert.equal(await verifyPassword(composed, unicodeHash), true);
    assert.equal(await verifyPassword(composed.normalize("NFD"), unicodeHash), true);
    assert.equal(await verifyPassword("cafe-パスワード-9", unicodeHash), false);
  });

  test("a hash with current parameters needs no rehash", () => {
    assert.equal(needsRehash(hash), false);
  });
});

describe("verifyPassword on malformed input", () => {
  let hash = "";
  before(async () => {
    hash = await hashPassword(PASSWORD);
  });

  test("returns false, never throws", async () => {
    const [, params, salt, key] = hash.split("$") as [string, string, string, string];
    const bad = [
      "",
      "not a hash",
      PASSWORD,
      `bcrypt$${params}$${salt}$${key}`,
      `scrypt$${params}$${salt}`,
      `scrypt$${params}$${salt}$${key}$extra`,
      `scrypt$N=32768,r=8$${salt}$${key}`,
      `scrypt$N=30000,r=8,p=1$${salt}$${key}`, // not a power of two
      `scrypt$N=1,r=8,p=1$${salt}$${key}`,
      `scrypt$N=0,r=8,p=1$${salt}$${key}`,
      `scrypt$N=32768,r=0,p=1$${salt}$${key}`,
      `scrypt$N=32768,r=8,p=0$${salt}$${key}`,
      `scrypt$N=1073741824,r=8,p=1$${salt}$${key}`, // would need 1 TiB
      `scrypt$N=32768,r=999,p=1$${salt}$${key}`,
      `scrypt$${params}$$${key}`,
      `scrypt$${params}$${salt}$`,
      `scrypt$${params}$${salt}$${key.slice(0, -4)}!!!!`,
      `scrypt$${params}$${salt}$${key}\n`,
      `scrypt$${params}$${salt}$QUJD`, // a 3-byte key
      `SCRYPT$${params}$${salt}$${key}`,
    ];
    for (const encoded of bad) {
      assert.equal(await verifyPassword(PASSWORD, encoded), false, JSON.stringify(encoded));
      assert.equal(needsRehash(encoded), true, JSON.stringify(encoded));
    }
    for (const notString of [undefined, null, 42, {}]) {
      assert.equal(await verifyPassword(PASSWORD, notString as unknown as string), false);
      assert.equal(await verifyPassword(notString as unknown as string, hash), false);
    }
  });

  test("a key changed in its last byte, or shortened, does not verify", async () => {
    const [, params, salt, keyText] = hash.split("$") as [string, string, string, string];
    const key = Buffer.from(keyText, "base64");
    const flipped = Buffer.from(key);
    flipped[63] = (flipped[63] as number) ^ 1;
    assert.equal(
      await verifyPassword(PASSWORD, `scrypt$${params}$${salt}$${flipped.toString("base64")}`),
      false,
    );
    const shorter = key.subarray(0, 32).toString("base64");
    assert.equal(await verifyPassword(PASSWORD, `scrypt$${params}$${salt}$${shorter}`), true);
    const truncatedWrong = Buffer.from(flipped.subarray(32)).toString("base64");
    assert.equal(
      await verifyPassword(PASSWORD, `scrypt$${params}$${salt}$${truncatedWrong}`),
      false,
    );
  });
});

describe("older parameters", () => {
  test("still verify, and need a rehash", async () => {
    const weak = encodeWith(PASSWORD, 2 ** 14, 8, 1);
    assert.equal(await verifyPassword(PASSWORD, weak), true);
    assert.equal(await verifyPassword("wrong", weak), false);
    assert.equal(needsRehash(weak), true);
  });

  test("each weaker part alone triggers a rehash; stronger ones do not", () => {
    assert.equal(needsRehash(encodeWith("x", 2 ** 15, 4, 1)), true, "r");
    assert.equal(needsRehash(encodeWith("x", 2 ** 15, 8, 1, 8)), true, "salt");
    assert.equal(needsRehash(encodeWith("x", 2 ** 15, 8, 1, 16, 32)), true, "key");
    assert.equal(needsRehash(encodeWith("x", 2 ** 15, 8, 1)), false, "current");
    assert.equal(needsRehash(encodeWith("x", 2 ** 16, 8, 1)), false, "stronger N");
    assert.equal(needsRehash(encodeWith("x", 2 ** 15, 8, 2)), false, "stronger p");
  });
});
