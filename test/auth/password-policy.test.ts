import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { COMMON_PASSWORDS } from "../../src/auth/common-passwords.ts";
import {
  checkPassword,
  DEFAULT_PASSWORD_POLICY,
  MAX_PASSWORD_LENGTH,
  type PasswordPolicy,
  passwordExpired,
  passwordPolicySchema,
} from "../../src/auth/password-policy.ts";

const DAY = 86_400_000;

function policy(input: unknown): PasswordPolicy {
  return passwordPolicySchema.parse(input);
}

describe("passwordPolicySchema", () => {
  test("defaults to seed 001's policy", () => {
    const expected = {
      min_length: 12,
      require: ["letter", "digit", "symbol"],
      forbid_username: true,
      forbid_common: true,
    };
    assert.deepEqual(passwordPolicySchema.parse(undefined), expected);
    assert.deepEqual(passwordPolicySchema.parse({}), expected);
    assert.deepEqual(DEFAULT_PASSWORD_POLICY, expected);
    assert.equal(DEFAULT_PASSWORD_POLICY.max_age, undefined);
  });

  test("reads a custom policy, max_age in milliseconds", () => {
    assert.deepEqual(
      policy({
        min_length: 16,
        require: ["upper", "lower", "digit"],
        forbid_username: false,
        forbid_common: false,
        max_age: "90d",
      }),
      {
        min_length: 16,
        require: ["upper", "lower", "digit"],
        forbid_username: false,
        forbid_common: false,
        max_age: 90 * DAY,
      },
    );
  });

  test("accepts an empty require list", () => {
    assert.deepEqual(policy({ require: [] }).require, []);
  });

  for (const [input, pattern] of [
    [{ min_length: 4 }, /from 8 to 256/],
    [{ min_length: 12.5 }, /whole number/],
    [{ min_length: "12" }, /whole number/],
    [{ require: ["letters"] }, /expected one of letter, digit, symbol, upper, lower/],
    [{ require: "digit" }, /expected a list/],
    [{ forbid_common: "yes" }, /expected true or false/],
    [{ max_age: "3 months" }, /not a duration/],
    [{ max_age: "0s" }, /longer than zero/],
    [{ max_age: 90 }, /not a duration/],
    [{ maxage: "90d" }, /maxage/],
  ] as const) {
    test(`refuses ${JSON.stringify(input)} with a message stating the expected form`, () => {
      const result = passwordPolicySchema.safeParse(input);
      assert.equal(result.success, false);
      const text = result.error?.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("\n");
      assert.match(text ?? "", pattern);
    });
  }
});

describe("checkPassword with the default policy", () => {
  test("accepts a long, mixed, uncommon password", () => {
    assert.deepEqual(checkPassword("blue-Harbor-42-lantern", { username: "alice" }), []);
    assert.deepEqual(checkPassword("tr0mbone#quiet"), []);
  });

  test("length: 11 characters fail, 12 pass", () => {
    assert.deepEqual(checkPassword("abcdefgh1#x"), ["must be at least 12 characters"]);
    assert.deepEqual(checkPassword("abcdefgh1#xy"), []);
  });

  test("each required kind of character, alone", () => {
    assert.deepEqual(checkPassword("zebra-lantern-quiet"), ["must contain a digit"]);
    assert.deepEqual(checkPassword("zebra9lantern8quiet"), [
      "must contain a symbol such as ! ? # @ or -",
    ]);
    assert.deepEqual(checkPassword("1234-5678-9012"), ["must contain a letter"]);
  });

  test("every violated rule is reported at once, in a stable order", () => {
    assert.deepEqual(checkPassword("alice", { username: "alice" }), [
      "must be at least 12 characters",
      "must contain a digit",
      "must contain a symbol such as ! ? # @ or -",
      "must not contain the user name",
    ]);
    assert.deepEqual(checkPassword("password"), [
      "must be at least 12 characters",
      "must contain a digit",
      "must contain a symbol such as ! ? # @ or -",
      "is one of the most common passwords",
    ]);
    assert.deepEqual(checkPassword(""), [
      "must be at least 12 characters",
      "must contain a letter",
      "must contain a digit",
      "must contain a symbol such as ! ? # @ or -",
    ]);
  });

  test("white space is not a symbol, but punctuation and emoji are", () => {
    assert.deepEqual(checkPassword("zebra 9 lantern quiet"), [
      "must contain a symbol such as ! ? # @ or -",
    ]);
    assert.deepEqual(checkPassword("zebra 9 lantern quiet."), []);
    assert.deepEqual(checkPassword("zebra9lantern🔑quiet"), []);
  });

  test("passwords longer than the hard limit are refused", () => {
    const long = `a1!${"x".repeat(MAX_PASSWORD_LENGTH)}`;
    assert.deepEqual(checkPassword(long), [`must be at most ${MAX_PASSWORD_LENGTH} characters`]);
    assert.deepEqual(checkPassword(long.slice(0, MAX_PASSWORD_LENGTH)), []);
  });
});

describe("checkPassword and Unicode", () => {
  test("letters of any script count as letters", () => {
    assert.deepEqual(checkPassword("パスワードは安全です-2024"), []);
    assert.deepEqual(checkPassword("пароль-надёжный-7"), []);
    assert.deepEqual(checkPassword("123456789-!?"), ["must contain a letter"]);
  });

  test("length counts characters, not UTF-16 units", () => {
    // 11 code points but 20 UTF-16 units: too short.
    assert.equal("😀😀😀😀😀😀😀😀😀a1".length, 20);
    assert.deepEqual(checkPassword("😀😀😀😀😀😀😀😀😀a1"), ["must be at least 12 characters"]);
    assert.deepEqual(checkPassword("😀😀😀😀😀😀😀😀😀😀a1"), []);
  });

  test("a combining accent is neither a symbol nor a second character", () => {
    const decomposed = "cafe\u0301-cafe\u0301-12"; // NFC: 12 characters, "café-café-12"
    assert.deepEqual(checkPassword(decomposed), []);
    assert.deepEqual(checkPassword("cafe\u0301cafe\u0301cafe\u03011"), [
      "must contain a symbol such as ! ? # @ or -",
    ]);
  });

  test("upper and lower follow Unicode case", () => {
    const p = policy({ require: ["upper", "lower"] });
    assert.deepEqual(checkPassword("ÉCOLE-ÉTÉ-2024", { policy: p }), [
      "must contain a lower-case letter",
    ]);
    assert.deepEqual(checkPassword("école-été-2024", { policy: p }), [
      "must contain an upper-case letter",
    ]);
    assert.deepEqual(checkPassword("École-été-2024", { policy: p }), []);
    // Scripts without case have neither.
    assert.deepEqual(checkPassword("パスワードは安全です-2024", { policy: p }), [
      "must contain an upper-case letter",
      "must contain a lower-case letter",
    ]);
  });
});

describe("checkPassword and the user name", () => {
  const violation = "must not contain the user name";

  test("is found anywhere, whatever the case", () => {
    for (const password of ["alice-lantern-42", "42-lantern-ALICE", "my#AlIcE9secret"]) {
      assert.deepEqual(checkPassword(password, { username: "alice" }), [violation], password);
      assert.deepEqual(checkPassword(password, { username: "ALICE" }), [violation], password);
    }
    assert.deepEqual(checkPassword("bob-lantern-42!", { username: "alice" }), []);
  });

  test("in an e-mail address, the local part counts", () => {
    assert.deepEqual(checkPassword("alice-lantern-42", { username: "alice@example.com" }), [
      violation,
    ]);
    assert.deepEqual(checkPassword("x-alice@example.com-9", { username: "alice@example.com" }), [
      violation,
    ]);
  });

  test("Unicode user names compare case-insensitively too", () => {
    assert.deepEqual(checkPassword("ÉLODIE-lantern-42", { username: "élodie" }), [violation]);
  });

  test("very short user names are not searched for", () => {
    assert.deepEqual(checkPassword("always-lantern-42", { username: "al" }), []);
    assert.deepEqual(checkPassword("always-lantern-42", { username: "" }), []);
  });

  test("no user name, or forbid_username off: no check", () => {
    assert.deepEqual(checkPassword("alice-lantern-42"), []);
    const p = policy({ forbid_username: false });
    assert.deepEqual(checkPassword("alice-lantern-42", { username: "alice", policy: p }), []);
  });
});

describe("checkPassword and common passwords", () => {
  const violation = "is one of the most common passwords";

  test("the list has well over a thousand entries, all lower-case, none empty", () => {
    assert.ok(COMMON_PASSWORDS.size >= 1000, `only ${COMMON_PASSWORDS.size}`);
    for (const word of COMMON_PASSWORDS) {
      assert.equal(word, word.toLowerCase());
      assert.ok(word.length > 0 && !/\s/.test(word));
    }
    for (const classic of ["123456", "password", "qwerty", "iloveyou", "1qaz2wsx", "letmein"]) {
      assert.ok(COMMON_PASSWORDS.has(classic), classic);
    }
  });

  test("variants that satisfy the composition rules are still refused", () => {
    for (const password of ["P@ssw0rd1234", "Welcome@2024", "Qwerty123!@#", "Password123!"]) {
      const others = checkPassword(password, { policy: policy({ forbid_common: false }) });
      assert.deepEqual(others, [], `${password} passes every other rule`);
      assert.deepEqual(checkPassword(password), [violation], password);
    }
    // Enough of them that this is not a handful of examples.
    const passing = [...COMMON_PASSWORDS].filter(
      (word) => checkPassword(word, { policy: policy({ forbid_common: false }) }).length === 0,
    );
    assert.ok(passing.length >= 200, `only ${passing.length} pass the composition rules`);
  });

  test("the comparison ignores case", () => {
    assert.deepEqual(checkPassword("PASSWORD123!"), [violation]);
    assert.deepEqual(checkPassword("WELCOME@2024"), [violation]);
  });

  test("forbid_common off: no check", () => {
    const p = policy({ forbid_common: false, min_length: 8, require: [] });
    assert.deepEqual(checkPassword("password", { policy: p }), []);
    assert.deepEqual(checkPassword("password", { policy: { ...p, forbid_common: true } }), [
      violation,
    ]);
  });
});

describe("checkPassword with a custom policy", () => {
  test("min_length and require replace the defaults", () => {
    const p = policy({ min_length: 16, require: ["upper", "lower", "digit"] });
    assert.deepEqual(checkPassword("lanternharbor42x", { policy: p }), [
      "must contain an upper-case letter",
    ]);
    assert.deepEqual(checkPassword("LanternHarbor42", { policy: p }), [
      "must be at least 16 characters",
    ]);
    // No symbol required any more.
    assert.deepEqual(checkPassword("LanternHarbor42x", { policy: p }), []);
  });

  test("a kind listed twice is reported once", () => {
    const p = policy({ require: ["digit", "digit"] });
    assert.deepEqual(checkPassword("lantern-harbor", { policy: p }), ["must contain a digit"]);
  });
});

describe("passwordExpired", () => {
  const changedAt = Date.UTC(2026, 0, 1);

  test("never without max_age", () => {
    assert.equal(
      passwordExpired(changedAt, changedAt + 10_000 * DAY, DEFAULT_PASSWORD_POLICY),
      false,
    );
  });

  test("from exactly max_age after the change", () => {
    const p = policy({ max_age: "90d" });
    assert.equal(passwordExpired(changedAt, changedAt, p), false);
    assert.equal(passwordExpired(changedAt, changedAt + 90 * DAY - 1, p), false);
    assert.equal(passwordExpired(changedAt, changedAt + 90 * DAY, p), true);
    assert.equal(passwordExpired(changedAt, changedAt + 365 * DAY, p), true);
  });

  test("a change in the future (clock skew) is not expired", () => {
    const p = policy({ max_age: "1d" });
    assert.equal(passwordExpired(changedAt + DAY, changedAt, p), false);
  });
});
