/**
 * How long a new API token lives: what was asked for, within security.token_max_lifetime.
 * (A token made with a token is also capped at its maker's expiry: TokenService's notAfter.)
 */
import { DurationError, parseDuration } from "../core/duration.ts";
import { UnyoError } from "../core/errors.ts";
import type { Runtime } from "../runtime.ts";

/** What `unyo login` tokens live when no --expires is given. */
export const CLI_TOKEN_LIFETIME = "30d";

/**
 * Milliseconds until expiry, or undefined for "never" (`expires_in` absent or "none", and no
 * default). Throws UNYO_E_VALIDATION for a malformed duration or one beyond a limit.
 */
export function tokenLifetime(
  rt: Runtime,
  expiresIn: string | undefined,
  fallback?: string,
): number | undefined {
  const max = rt.config.current.config.security.token_max_lifetime;
  const text = expiresIn ?? fallback;
  let ms: number | undefined;
  if (text !== undefined && text !== "none") {
    try {
      ms = parseDuration(text);
    } catch (error) {
      if (!(error instanceof DurationError)) throw error;
      throw new UnyoError("UNYO_E_VALIDATION", `expires_in: ${error.message}`, {
        details: { expires_in: text.slice(0, 20) },
      });
    }
    if (ms <= 0) throw new UnyoError("UNYO_E_VALIDATION", "expires_in must be longer than zero.");
  }
  if (max !== undefined) {
    if (ms === undefined) {
      if (expiresIn !== undefined) {
        throw new UnyoError(
          "UNYO_E_VALIDATION",
          "Tokens must expire here (security.token_max_lifetime).",
          {
            hint: "Set expires_in, e.g. 90d.",
          },
        );
      }
      ms = max;
    } else if (ms > max && expiresIn === undefined) {
      ms = max; // the default is only a default: the limit wins
    } else if (ms > max) {
      throw new UnyoError(
        "UNYO_E_VALIDATION",
        "expires_in is longer than security.token_max_lifetime allows.",
        {
          details: { max_ms: max },
        },
      );
    }
  }
  return ms;
}
