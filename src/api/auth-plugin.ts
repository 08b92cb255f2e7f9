/**
 * Authentication and authorisation for every route, failing closed:
 *
 * - Every route must declare `config.auth` (a role, or "public"); registering one without
 *   it throws, so a forgotten declaration cannot ship as an open route.
 * - Credentials: `Authorization: Bearer unyo_…` (API token) or the `unyo_session` cookie.
 * - Cookie-authenticated requests that change something (not GET/HEAD/OPTIONS) must carry
 *   the session's CSRF token in `x-csrf-token`; the browser reads it from the `unyo_csrf`
 *   cookie (double submit, checked against the hash stored with the session).
 * - A session with a restriction (MFA enrolment or password change pending) may only use
 *   routes marked `allowRestricted`.
 */
import cookie from "@fastify/cookie";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AuthService, Identity } from "../auth/auth-service.ts";
import { type Role, roleAtLeast } from "../auth/roles.ts";
import { UnyoError } from "../core/errors.ts";

export const SESSION_COOKIE = "unyo_session";
export const CSRF_COOKIE = "unyo_csrf";
export const CSRF_HEADER = "x-csrf-token";

export interface RouteAuth {
  /** The least role that may call the route, or "public". */
  auth: Role | "public";
  /** When this returns true the route is public after all (e.g. security.public_metrics). */
  publicWhen?: () => boolean;
  /** May be called by a session that must first enrol MFA or change its password. */
  allowRestricted?: boolean;
}

declare module "fastify" {
  interface FastifyContextConfig extends Partial<RouteAuth> {}
  interface FastifyRequest {
    identity: Identity | null;
  }
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface AuthPluginOptions {
  auth: AuthService;
  /** Whether cookies get the Secure attribute for this request. */
  secureCookies: (request: FastifyRequest) => boolean;
}

export async function installAuth(app: FastifyInstance, options: AuthPluginOptions): Promise<void> {
  await app.register(cookie);
  app.decorateRequest("identity", null);

  app.addHook("onRoute", (route) => {
    const declared = (route.config as Partial<RouteAuth> | undefined)?.auth;
    if (declared === undefined) {
      throw new Error(
        `Route ${[route.method].flat().join(",")} ${route.url} declares no auth: set config.auth to a role or "public".`,
      );
    }
  });

  app.addHook("onRequest", async (request, reply) => {
    const config = request.routeOptions.config as Partial<RouteAuth>;
    // Unmatched URLs (404 handler) have no declaration and nothing to protect.
    if (config.auth === undefined || config.auth === "public" || config.publicWhen?.()) return;
    const identity = await identify(request, reply, options).catch((error: unknown) => {
      if (error instanceof UnyoError) throw error;
      throw new UnyoError(
        "UNYO_E_STORE_UNAVAILABLE",
        "Credentials cannot be checked: the database is unreachable.",
        {
          cause: error,
          hint: "See /api/health; try again when the database is back.",
        },
      );
    });
    request.identity = identity;
    if (identity.kind === "session" && !SAFE_METHODS.has(request.method)) {
      const token = request.headers[CSRF_HEADER];
      const session = identity.session;
      if (
        !session ||
        typeof token !== "string" ||
        !options.auth.sessions.checkCsrf(session, token)
      ) {
        throw new UnyoError("UNYO_E_CSRF", "This change needs the CSRF token of your session.", {
          hint: `Send the value of the ${CSRF_COOKIE} cookie in the ${CSRF_HEADER} header.`,
        });
      }
    }
    if (identity.restriction && !config.allowRestricted) {
      throw identity.restriction === "mfa_enrolment"
        ? new UnyoError(
            "UNYO_E_MFA_ENROLMENT_REQUIRED",
            "Your role requires two-factor authentication. Enrol an authenticator app first.",
            { hint: "POST /api/v1/auth/mfa/totp, then confirm with a code." },
          )
        : new UnyoError("UNYO_E_PASSWORD_EXPIRED", "Your password has expired. Change it first.", {
            hint: "POST /api/v1/auth/password with the current and a new password.",
          });
    }
    if (!roleAtLeast(identity.role, config.auth)) {
      if (!SAFE_METHODS.has(request.method)) {
        await options.auth.audit.append({
          actor: identity.actor,
          action: "auth.denied",
          outcome: "denied",
          target: `${request.method} ${request.routeOptions.url ?? ""}`,
          sourceIp: request.ip,
          details: { role: identity.role, required: config.auth },
        });
      }
      throw new UnyoError(
        "UNYO_E_FORBIDDEN",
        `This needs the ${config.auth} role; you have ${identity.role}.`,
        {
          details: { required: config.auth, role: identity.role },
          hint: "Ask an admin for a role change or use a token with a larger role.",
        },
      );
    }
  });
}

async function identify(
  request: FastifyRequest,
  reply: FastifyReply,
  options: AuthPluginOptions,
): Promise<Identity> {
  const header = request.headers.authorization;
  if (typeof header === "string" && header.length > 0) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const identity = match?.[1] ? await options.auth.identifyToken(match[1]) : null;
    if (!identity) {
      throw new UnyoError(
        "UNYO_E_UNAUTHENTICATED",
        "The API token is not valid: unknown, expired or revoked.",
        {
          hint: "Send `Authorization: Bearer unyo_…` with a token from `unyo tokens create`.",
        },
      );
    }
    return identity;
  }
  const secret = request.cookies[SESSION_COOKIE];
  if (secret) {
    const identity = await options.auth.identifySession(secret);
    if (identity) return identity;
    clearSessionCookies(reply, options.secureCookies(request));
    throw new UnyoError("UNYO_E_UNAUTHENTICATED", "Your session has ended. Log in again.", {
      hint: "POST /api/v1/auth/login",
    });
  }
  throw new UnyoError("UNYO_E_UNAUTHENTICATED", "Log in or send an API token.", {
    hint: "POST /api/v1/auth/login for a session, or send `Authorization: Bearer unyo_…`.",
  });
}

export function setSessionCookies(
  reply: FastifyReply,
  created: { secret: string; csrfToken: string; session: { expiresAt: number } },
  secure: boolean,
): void {
  const common = {
    path: "/",
    sameSite: "strict" as const,
    secure,
    expires: new Date(created.session.expiresAt),
  };
  void reply.setCookie(SESSION_COOKIE, created.secret, { ...common, httpOnly: true });
  // Readable by the page on purpose: it is echoed in the CSRF header (double submit).
  void reply.setCookie(CSRF_COOKIE, created.csrfToken, { ...common, httpOnly: false });
}

export function clearSessionCookies(reply: FastifyReply, secure: boolean): void {
  for (const name of [SESSION_COOKIE, CSRF_COOKIE]) {
    void reply.clearCookie(name, { path: "/", sameSite: "strict", secure });
  }
}
