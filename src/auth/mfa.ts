/**
 * Second factor: TOTP enrolment and verification, recovery codes, reset.
 *
 * Enrolment is two steps so a user who never scans the QR code cannot lock themselves out:
 * begin() stores a new secret while `mfa_enabled` stays 0; confirm() checks a code from the
 * app, turns MFA on and returns fresh recovery codes (shown once, stored hashed).
 *
 * The TOTP secret is stored as is: verifying a code needs it. Anyone who can read the
 * database can also read every check's credentials, so protect the store (docs/security.md).
 */
import type { Kysely } from "kysely";
import type { Clock } from "../core/clock.ts";
import { UnyoError } from "../core/errors.ts";
import type { Database } from "../store/schema.ts";
import { generateRecoveryCodes, hashRecoveryCode, matchRecoveryCode } from "./recovery-codes.ts";
import { generateTotpSecret, otpauthUri, verifyTotp } from "./totp.ts";

export const RECOVERY_CODE_COUNT = 10;

export interface TotpEnrolment {
  secret: string;
  otpauthUri: string;
}

export type SecondFactorResult =
  | { ok: true; method: "totp" | "recovery_code"; recoveryCodesLeft: number }
  | { ok: false };

export class MfaService {
  readonly #db: Kysely<Database>;
  readonly #clock: Pick<Clock, "now">;
  readonly #issuer: string;

  constructor(db: Kysely<Database>, clock: Pick<Clock, "now">, options: { issuer?: string } = {}) {
    this.#db = db;
    this.#clock = clock;
    this.#issuer = options.issuer ?? "Unyo";
  }

  /** Stores a new, not yet active TOTP secret. Refused while MFA is on (reset it first). */
  async begin(userId: number): Promise<TotpEnrolment> {
    const user = await this.#user(userId);
    if (user.mfaEnabled) {
      throw new UnyoError("UNYO_E_CONFLICT", "Two-factor authentication is already on.", {
        hint: "Turn it off (or have an admin reset it) before enrolling a new authenticator.",
      });
    }
    const secret = generateTotpSecret();
    await this.#db
      .updateTable("users")
      .set({ totp_secret: secret, totp_last_step: null, recovery_codes: null })
      .where("id", "=", userId)
      .execute();
    return {
      secret,
      otpauthUri: otpauthUri({ secret, account: user.username, issuer: this.#issuer }),
    };
  }

  /** Turns MFA on when `code` matches the pending secret; returns the recovery codes. */
  async confirm(userId: number, code: string): Promise<string[]> {
    const user = await this.#user(userId);
    if (user.mfaEnabled) {
      throw new UnyoError("UNYO_E_CONFLICT", "Two-factor authentication is already on.");
    }
    if (user.totpSecret === null) {
      throw new UnyoError("UNYO_E_VALIDATION", "No enrolment is in progress.", {
        hint: "Start the enrolment first to get a QR code.",
      });
    }
    const result = verifyTotp(user.totpSecret, code, this.#clock.now());
    if (!result.ok) {
      throw new UnyoError("UNYO_E_VALIDATION", "The code does not match.", {
        hint: "Type the 6-digit code your authenticator app shows now; check the phone's clock.",
      });
    }
    const codes = generateRecoveryCodes(RECOVERY_CODE_COUNT);
    await this.#db
      .updateTable("users")
      .set({
        mfa_enabled: 1,
        totp_last_step: result.step,
        recovery_codes: JSON.stringify(codes.map(hashRecoveryCode)),
      })
      .where("id", "=", userId)
      .execute();
    return codes;
  }

  /**
   * Checks a TOTP code or a recovery code. A TOTP step is accepted once (replays fail); a
   * recovery code is used up. Returns { ok: false } for anything else, never throws for
   * bad input.
   */
  async verify(userId: number, code: string): Promise<SecondFactorResult> {
    if (typeof code !== "string" || code.length === 0 || code.length > 64) return { ok: false };
    const user = await this.#user(userId);
    if (!user.mfaEnabled || user.totpSecret === null) return { ok: false };
    const totp = verifyTotp(user.totpSecret, code, this.#clock.now(), {
      ...(user.totpLastStep === null ? {} : { lastUsedStep: user.totpLastStep }),
    });
    if (totp.ok) {
      // Conditional update: two requests racing with the same code cannot both win.
      const updated = await this.#db
        .updateTable("users")
        .set({ totp_last_step: totp.step })
        .where("id", "=", userId)
        .where((eb) =>
          eb.or([eb("totp_last_step", "is", null), eb("totp_last_step", "<", totp.step)]),
        )
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) return { ok: false };
      return { ok: true, method: "totp", recoveryCodesLeft: user.recoveryCodes.length };
    }
    const index = matchRecoveryCode(code, user.recoveryCodes);
    if (index < 0) return { ok: false };
    const left = user.recoveryCodes.filter((_, i) => i !== index);
    const updated = await this.#db
      .updateTable("users")
      .set({ recovery_codes: JSON.stringify(left) })
      .where("id", "=", userId)
      .where("recovery_codes", "=", JSON.stringify(user.recoveryCodes))
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return { ok: false };
    return { ok: true, method: "recovery_code", recoveryCodesLeft: left.length };
  }

  /** New recovery codes replacing the old ones (MFA must be on). */
  async regenerateRecoveryCodes(userId: number): Promise<string[]> {
    const user = await this.#user(userId);
    if (!user.mfaEnabled) {
      throw new UnyoError("UNYO_E_VALIDATION", "Two-factor authentication is off.");
    }
    const codes = generateRecoveryCodes(RECOVERY_CODE_COUNT);
    await this.#db
      .updateTable("users")
      .set({ recovery_codes: JSON.stringify(codes.map(hashRecoveryCode)) })
      .where("id", "=", userId)
      .execute();
    return codes;
  }

  /** Turns MFA off and forgets the secret and codes (lost phone; admin action). */
  async reset(userId: number): Promise<void> {
    await this.#user(userId);
    await this.#db
      .updateTable("users")
      .set({ mfa_enabled: 0, totp_secret: null, totp_last_step: null, recovery_codes: null })
      .where("id", "=", userId)
      .execute();
  }

  async #user(userId: number) {
    const row = await this.#db
      .selectFrom("users")
      .select(["username", "mfa_enabled", "totp_secret", "totp_last_step", "recovery_codes"])
      .where("id", "=", userId)
      .executeTakeFirst();
    if (!row) {
      throw new UnyoError("UNYO_E_NOT_FOUND", `No user with id ${userId}.`, {
        details: { userId },
      });
    }
    return {
      username: row.username,
      mfaEnabled: Number(row.mfa_enabled) === 1,
      totpSecret: row.totp_secret,
      totpLastStep: row.totp_last_step === null ? null : Number(row.totp_last_step),
      recoveryCodes:
        row.recovery_codes === null ? [] : (JSON.parse(row.recovery_codes) as string[]),
    };
  }
}
