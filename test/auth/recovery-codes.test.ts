import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import {
  generateRecoveryCodes,
  hashRecoveryCode,
  matchRecoveryCode,
  normaliseRecoveryCode,
  RECOVERY_CODE_ALPHABET,
  RECOVERY_CODE_BITS,
} from "../../src/auth/recovery-codes.ts";

const FORMAT = /^[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}$/;

describe("generateRecoveryCodes", () => {
  test("10 codes by default, formatted xxxx-xxxx-xxxx-xxxx", () => {
    const codes = generateRecoveryCodes();
    assert.equal(codes.length, 10);
    for (const code of codes) assert.match(code, FORMAT);
  });

  test("alphabet has no ambiguous characters", () => {
    assert.equal(RECOVERY_CODE_ALPHABET.length, 31);
    assert.equal(new Set(RECOVERY_CODE_ALPHABET).size, 31);
    for (const ambiguous of "0o1li") assert.ok(!RECOVERY_CODE_ALPHABET.includes(ambiguous));
    const codes = generateRecoveryCodes(100).join("");
    assert.doesNotMatch(codes, /[01ilo]/);
  });

  test("at least 60 bits of entropy per code", () => {
    assert.ok(RECOVERY_CODE_BITS >= 60, String(RECOVERY_CODE_BITS));
    const [code] = generateRecoveryCodes(1);
    const characters = normaliseRecoveryCode(code ?? "").length;
    assert.ok(characters * Math.log2(RECOVERY_CODE_ALPHABET.length) >= 60);
  });

  test("codes are unique and every character of the alphabet is used", () => {
    const codes: string[] = [];
    for (let i = 0; i < 20; i++) codes.push(...generateRecoveryCodes(50));
    assert.equal(new Set(codes).size, codes.length);
    // 16,000 characters: each of the 31 should appear ~516 times; 300 is far out in the tail.
    const counts = new Map<string, number>();
    for (const char of codes.join("").replaceAll("-", "")) {
      counts.set(char, (counts.get(char) ?? 0) + 1);
    }
    assert.equal(counts.size, 31);
    for (const [char, count] of counts) assert.ok(count > 300 && count < 750, `${char}: ${count}`);
  });

  test("count is validated", () => {
    assert.equal(generateRecoveryCodes(1).length, 1);
    assert.throws(() => generateRecoveryCodes(0), RangeError);
    assert.throws(() => generateRecoveryCodes(1.5), RangeError);
    assert.throws(() => generateRecoveryCodes(101), RangeError);
  });
});

describe("normaliseRecoveryCode", () => {
  test("lower case, dashes and white space removed", () => {
    assert.equal(normaliseRecoveryCode("K7M2-9XQP-4HNV-C3WD"), "k7m29xqp4hnvc3wd");
    assert.equal(normaliseRecoveryCode(" k7m2 9xqp\t4hnv  c3wd \n"), "k7m29xqp4hnvc3wd");
    assert.equal(normaliseRecoveryCode("k7m2--9xqp – 4hnv—c3wd"), "k7m29xqp4hnvc3wd");
  });

  test("full-width input from a Japanese input method", () => {
    assert.equal(
      normaliseRecoveryCode("ｋ７ｍ２－９ｘｑｐ　４ｈｎｖ－ｃ３ｗｄ"),
      "k7m29xqp4hnvc3wd",
    );
  });
});

describe("hashRecoveryCode", () => {
  test("sha256 hex of the normalised code", () => {
    const expected = createHash("sha256").update("k7m29xqp4hnvc3wd").digest("hex");
    assert.equal(hashRecoveryCode("k7m2-9xqp-4hnv-c3wd"), expected);
    assert.equal(hashRecoveryCode("K7M2 9XQP 4HNV C3WD"), expected);
    assert.match(expected, /^[0-9a-f]{64}$/);
  });

  test("refuses an empty code", () => {
    assert.throws(() => hashRecoveryCode(""), TypeError);
    assert.throws(() => hashRecoveryCode(" - "), TypeError);
  });
});

describe("matchRecoveryCode", () => {
  const codes = generateRecoveryCodes();
  const hashes = codes.map(hashRecoveryCode);

  test("finds the index of each code, however typed", () => {
    codes.forEach((code, index) => {
      assert.equal(matchRecoveryCode(code, hashes), index);
      assert.equal(matchRecoveryCode(code.toUpperCase().replaceAll("-", " "), hashes), index);
    });
  });

  test("-1 for an unknown, empty or oversized code", () => {
    const [other] = generateRecoveryCodes(1);
    assert.equal(matchRecoveryCode(other ?? "", hashes), -1);
    assert.equal(matchRecoveryCode("", hashes), -1);
    assert.equal(matchRecoveryCode("  --  ", hashes), -1);
    assert.equal(matchRecoveryCode(`${codes[0]}${" ".repeat(300)}`, hashes), -1);
    assert.equal(matchRecoveryCode(codes[0] ?? "", []), -1);
    assert.equal(matchRecoveryCode(42 as unknown as string, hashes), -1);
  });

  test("a used code, blanked or removed, no longer matches", () => {
    const remaining = [...hashes];
    const index = matchRecoveryCode(codes[3] ?? "", remaining);
    assert.equal(index, 3);
    remaining[index] = "";
    assert.equal(matchRecoveryCode(codes[3] ?? "", remaining), -1);
    assert.equal(matchRecoveryCode(codes[4] ?? "", remaining), 4);
    const removed = hashes.filter((_, i) => i !== 3);
    assert.equal(matchRecoveryCode(codes[3] ?? "", removed), -1);
    assert.equal(matchRecoveryCode(codes[4] ?? "", removed), 3);
  });

  test("malformed stored entries are skipped", () => {
    const code = codes[0] ?? "";
    const hash = hashRecoveryCode(code);
    assert.equal(matchRecoveryCode(code, ["", "zz", hash.toUpperCase(), hash]), 3);
  });
});
