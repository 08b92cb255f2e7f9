import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  base32Decode,
  base32Encode,
  generateTotpSecret,
  hotpCode,
  otpauthUri,
  totpCode,
  totpStep,
  verifyTotp,
} from "../../src/auth/totp.ts";

/** RFC 6238 Appendix B seeds: ASCII "1234567890" repeated to 20, 32 and 64 bytes. */
const seed = (bytes: number) => "1234567890".repeat(7).slice(0, bytes);
const SECRET_SHA1 = base32Encode(Buffer.from(seed(20), "ascii"));
const SECRET_SHA256 = base32Encode(Buffer.from(seed(32), "ascii"));
const SECRET_SHA512 = base32Encode(Buffer.from(seed(64), "ascii"));

/** RFC 6238 Appendix B: unix seconds → SHA1, SHA256, SHA512 codes (8 digits, 30 s). */
const RFC6238: [number, string, string, string][] = [
  [59, "94287082", "46119246", "90693936"],
  [1111111109, "07081804", "68084774", "25091201"],
  [1111111111, "14050471", "67062674", "99943326"],
  [1234567890, "89005924", "91819424", "93441116"],
  [2000000000, "69279037", "90698825", "38618901"],
  [20000000000, "65353130", "77737706", "47863826"],
];

const T0 = 1_700_000_000_000; // an arbitrary instant, ms
const SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

describe("base32", () => {
  test("RFC 4648 section 10 vectors, without padding", () => {
    const vectors: [string, string][] = [
      ["", ""],
      ["f", "MY"],
      ["fo", "MZXQ"],
      ["foo", "MZXW6"],
      ["foob", "MZXW6YQ"],
      ["fooba", "MZXW6YTB"],
      ["foobar", "MZXW6YTBOI"],
    ];
    for (const [plain, encoded] of vectors) {
      assert.equal(base32Encode(Buffer.from(plain)), encoded);
      assert.equal(base32Decode(encoded).toString(), plain);
    }
  });

  test("decode is case-insensitive and accepts correct padding", () => {
    assert.equal(base32Decode("mzxw6ytboi").toString(), "foobar");
    assert.equal(base32Decode("MzXw6YtBoI").toString(), "foobar");
    assert.equal(base32Decode("MZXW6YTBOI======").toString(), "foobar");
    assert.equal(base32Decode("MY======").toString(), "f");
  });

  test("round trip of random bytes of every length", () => {
    for (let length = 0; length <= 40; length++) {
      const bytes = Buffer.from(Array.from({ length }, () => Math.floor(Math.random() * 256)));
      assert.deepEqual(base32Decode(base32Encode(bytes)), bytes);
    }
  });

  test("rejects invalid characters, lengths and padding", () => {
    for (const bad of ["MZXW0", "MZXW1", "MZXW8", "MZ XW", "MZXW-6", "MZXW6YTBOÄ", "=MZ", "M=Z"]) {
      assert.throws(() => base32Decode(bad), TypeError, bad);
    }
    // 1, 3 or 6 characters in the last group cannot come from whole bytes.
    for (const bad of ["M", "MZX", "MZXW6Y"]) assert.throws(() => base32Decode(bad), TypeError);
    assert.throws(() => base32Decode("MY==="), TypeError); // wrong padding
    assert.throws(() => base32Decode("MZ"), TypeError); // non-zero trailing bits ("MY" is canonical)
  });
});

describe("generateTotpSecret", () => {
  test("20 random bytes as 32 base32 characters", () => {
    const a = generateTotpSecret();
    const b = generateTotpSecret();
    assert.match(a, /^[A-Z2-7]{32}$/);
    assert.equal(base32Decode(a).length, 20);
    assert.notEqual(a, b);
  });
});

describe("hotpCode", () => {
  test("RFC 4226 Appendix D vectors", () => {
    const expected = [
      "755224",
      "287082",
      "359152",
      "969429",
      "338314",
      "254676",
      "287922",
      "162583",
      "399871",
      "520489",
    ];
    const key = Buffer.from(seed(20), "ascii");
    expected.forEach((code, counter) => {
      assert.equal(hotpCode(key, counter), code);
    });
  });
});

describe("totpCode", () => {
  test("RFC 6238 Appendix B vectors, SHA1, SHA256 and SHA512", () => {
    for (const [seconds, sha1, sha256, sha512] of RFC6238) {
      const at = seconds * 1000;
      assert.equal(totpCode(SECRET_SHA1, at, { digits: 8 }), sha1, `sha1 @${seconds}`);
      assert.equal(
        totpCode(SECRET_SHA256, at, { digits: 8, algorithm: "sha256" }),
        sha256,
        `sha256 @${seconds}`,
      );
      assert.equal(
        totpCode(SECRET_SHA512, at, { digits: 8, algorithm: "sha512" }),
        sha512,
        `sha512 @${seconds}`,
      );
    }
  });

  test("defaults to 6 digits, zero-padded, the last digits of the 8-digit code", () => {
    assert.equal(totpCode(SECRET_SHA1, 1111111109_000), "081804");
    assert.equal(totpCode(SECRET_SHA1, 59_000), "287082");
  });

  test("constant within a 30 s step, changes at the boundary", () => {
    const start = totpStep(T0) * 30_000;
    assert.equal(totpCode(SECRET, start), totpCode(SECRET, start + 29_999));
    assert.notEqual(totpCode(SECRET, start), totpCode(SECRET, start + 30_000));
    assert.equal(totpStep(start + 29_999), totpStep(start));
  });

  test("rejects invalid options, time and secret", () => {
    assert.throws(() => totpCode(SECRET, T0, { digits: 5 }), RangeError);
    assert.throws(() => totpCode(SECRET, T0, { digits: 9 }), RangeError);
    assert.throws(() => totpCode(SECRET, T0, { periodSeconds: 0 }), RangeError);
    assert.throws(
      () => totpCode(SECRET, T0, { algorithm: "md5" as unknown as "sha1" }),
      RangeError,
    );
    assert.throws(() => totpCode(SECRET, -1), RangeError);
    assert.throws(() => totpCode(SECRET, Number.NaN), RangeError);
    assert.throws(() => totpCode("not base32!", T0), TypeError);
  });
});

describe("verifyTotp", () => {
  const step = totpStep(T0);
  const codeAt = (offset: number) => totpCode(SECRET, T0 + offset * 30_000);

  test("accepts the current code and returns its step", () => {
    assert.deepEqual(verifyTotp(SECRET, codeAt(0), T0), { ok: true, step });
  });

  test("accepts ±1 step by default, refuses ±2", () => {
    assert.deepEqual(verifyTotp(SECRET, codeAt(-1), T0), { ok: true, step: step - 1 });
    assert.deepEqual(verifyTotp(SECRET, codeAt(1), T0), { ok: true, step: step + 1 });
    assert.deepEqual(verifyTotp(SECRET, codeAt(-2), T0), { ok: false });
    assert.deepEqual(verifyTotp(SECRET, codeAt(2), T0), { ok: false });
  });

  test("window is configurable", () => {
    assert.deepEqual(verifyTotp(SECRET, codeAt(-1), T0, { window: 0 }), { ok: false });
    assert.deepEqual(verifyTotp(SECRET, codeAt(2), T0, { window: 2 }), {
      ok: true,
      step: step + 2,
    });
    assert.throws(() => verifyTotp(SECRET, codeAt(0), T0, { window: -1 }), RangeError);
    assert.throws(() => verifyTotp(SECRET, codeAt(0), T0, { window: 11 }), RangeError);
  });

  test("refuses a replay: steps up to lastUsedStep", () => {
    const first = verifyTotp(SECRET, codeAt(0), T0);
    assert.ok(first.ok);
    const lastUsedStep = first.step;
    // Same code again, a moment later.
    assert.deepEqual(verifyTotp(SECRET, codeAt(0), T0 + 5_000, { lastUsedStep }), { ok: false });
    // An older code still inside the window.
    assert.deepEqual(verifyTotp(SECRET, codeAt(-1), T0, { lastUsedStep }), { ok: false });
    // The next step's code is fine.
    assert.deepEqual(verifyTotp(SECRET, codeAt(1), T0 + 30_000, { lastUsedStep }), {
      ok: true,
      step: step + 1,
    });
  });

  test("ignores spaces in the typed code", () => {
    const code = codeAt(0);
    const spaced = ` ${code.slice(0, 3)} ${code.slice(3)}\t`;
    assert.deepEqual(verifyTotp(SECRET, spaced, T0), { ok: true, step });
  });

  test("refuses malformed codes", () => {
    const code = codeAt(0);
    for (const bad of [
      "",
      code.slice(0, 5),
      `${code}0`,
      `${code.slice(0, 5)}a`,
      `${code.slice(0, 3)}-${code.slice(3)}`,
      "１２３４５６", // full-width digits are not digits here
      "12345e",
      "-12345",
    ]) {
      assert.deepEqual(verifyTotp(SECRET, bad, T0), { ok: false }, JSON.stringify(bad));
    }
    assert.deepEqual(verifyTotp(SECRET, 123456 as unknown as string, T0), { ok: false });
  });

  test("refuses a wrong code and an invalid secret without throwing", () => {
    const wrong = String((Number(codeAt(0)) + 1) % 1_000_000).padStart(6, "0");
    const near = [-1, 0, 1].map(codeAt);
    if (!near.includes(wrong)) assert.deepEqual(verifyTotp(SECRET, wrong, T0), { ok: false });
    assert.deepEqual(verifyTotp("not base32!", codeAt(0), T0), { ok: false });
    assert.deepEqual(verifyTotp("", codeAt(0), T0), { ok: false });
  });

  test("8-digit codes and other algorithms", () => {
    const options = { digits: 8, algorithm: "sha512" } as const;
    const at = 1234567890_000;
    const result = verifyTotp(SECRET_SHA512, "93441116", at, options);
    assert.deepEqual(result, { ok: true, step: totpStep(at) });
    assert.deepEqual(verifyTotp(SECRET_SHA512, "934411", at, options), { ok: false });
  });

  test("no negative steps near the epoch", () => {
    // RFC 4226 counter 0 and 1 codes; step -1 is never computed.
    assert.deepEqual(verifyTotp(SECRET_SHA1, "755224", 10_000), { ok: true, step: 0 });
    assert.deepEqual(verifyTotp(SECRET_SHA1, "287082", 10_000), { ok: true, step: 1 });
  });
});

describe("otpauthUri", () => {
  test("standard URI with defaults", () => {
    assert.equal(
      otpauthUri({ secret: SECRET, account: "alice" }),
      `otpauth://totp/Unyo:alice?secret=${SECRET}&issuer=Unyo&algorithm=SHA1&digits=6&period=30`,
    );
  });

  test("percent-encodes @, spaces, + and Japanese as UTF-8", () => {
    const uri = otpauthUri({
      secret: SECRET,
      account: "山田 太郎+ops@example.jp",
      issuer: "運用 Ops",
    });
    assert.equal(
      uri,
      "otpauth://totp/%E9%81%8B%E7%94%A8%20Ops:%E5%B1%B1%E7%94%B0%20%E5%A4%AA%E9%83%8E%2Bops%40example.jp" +
        `?secret=${SECRET}&issuer=%E9%81%8B%E7%94%A8%20Ops&algorithm=SHA1&digits=6&period=30`,
    );
    const url = new URL(uri);
    assert.equal(url.protocol, "otpauth:");
    assert.equal(url.searchParams.get("issuer"), "運用 Ops");
    assert.equal(decodeURIComponent(url.pathname.split(":")[1] ?? ""), "山田 太郎+ops@example.jp");
  });

  test("normalises the secret to upper case without padding", () => {
    const uri = otpauthUri({ secret: "mzxw6ytboi======", account: "a@b" });
    assert.match(uri, /\?secret=MZXW6YTBOI&/);
  });

  test("carries non-default parameters", () => {
    const uri = otpauthUri({
      secret: SECRET,
      account: "a",
      digits: 8,
      periodSeconds: 60,
      algorithm: "sha256",
    });
    assert.match(uri, /&algorithm=SHA256&digits=8&period=60$/);
  });

  test("rejects invalid input", () => {
    assert.throws(() => otpauthUri({ secret: "not base32!", account: "a" }), TypeError);
    assert.throws(() => otpauthUri({ secret: "", account: "a" }), TypeError);
    assert.throws(() => otpauthUri({ secret: SECRET, account: "" }), TypeError);
    assert.throws(() => otpauthUri({ secret: SECRET, account: "a:b" }), TypeError);
    assert.throws(() => otpauthUri({ secret: SECRET, account: "a", issuer: "x:y" }), TypeError);
  });
});
