import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { LoginInput } from "../../auth/auth-service.ts";
import { UnyoError } from "../../core/errors.ts";
import type { Runtime } from "../../runtime.ts";
import { clearSessionCookies, setSessionCookies } from "../auth-plugin.ts";
import {
  audited,
  codeProp,
  identityOf,
  iso,
  passwordProp,
  presentUser,
  recordAction,
  userIdOf,
  usernameProp,
} from "../route-helpers.ts";
import { CLI_TOKEN_LIFETIME, tokenLifetime } from "../token-lifetime.ts";

interface LoginBody {
  username: string;
  password: string;
  code?: string;
}

const loginBody = {
  type: "object",
  additionalProperties: false,
  required: ["username", "password"],
  properties: { username: usernameProp, password: passwordProp, code: codeProp },
} as const;

const sessionAnswer = {
  type: "object",
  properties: {
    user: { $ref: "User#" },
    restriction: { type: ["string", "null"], enum: ["mfa_enrolment", "password_change", null] },
    csrf_token: { type: "string" },
    expires_at: { type: "string", format: "date-time" },
  },
} as const;

/** Log-in, log-out, own password and second factor, and the CLI's token log-in. */
export function authRoutes(
  app: FastifyInstance,
  rt: Runtime,
  secure: (r: FastifyRequest) => boolean,
): void {
  const loginInput = (request: FastifyRequest, body: LoginBody): LoginInput => ({
    username: body.username,
    password: body.password,
    code: body.code,
    sourceIp: request.ip,
    userAgent: request.headers["user-agent"] ?? null,
  });

  const login = (request: FastifyRequest, reply: FastifyReply, body: LoginBody) =>
    withRetryAfter(reply, () => rt.auth.login(loginInput(request, body)));

  app.post<{ Body: LoginBody }>(
    "/api/v1/auth/login",
    {
      config: { auth: "public" },
      schema: {
        summary: "Log in: sets the session and CSRF cookies",
        description:
          "Answers 401 UNYO_E_MFA_REQUIRED when the password is right and a second-factor `code` is needed; every other failure is the same 401 UNYO_E_LOGIN_FAILED.",
        tags: ["auth"],
        body: loginBody,
        response: { 200: sessionAnswer, 401: { $ref: "Error#" } },
      },
    },
    async (request, reply) => {
      const { user, restriction } = await login(request, reply, request.body);
      const created = await rt.auth.startSession(user, loginInput(request, request.body));
      setSessionCookies(reply, created, secure(request));
      return {
        user: presentUser(user),
        restriction,
        csrf_token: created.csrfToken,
        expires_at: iso(created.session.expiresAt),
      };
    },
  );

  app.post<{ Body: LoginBody & { name: string; expires_in?: string } }>(
    "/api/v1/auth/token",
    {
      config: { auth: "public" },
      schema: {
        summary: "Log in for a command-line client: answers with a new API token",
        description:
          "Same checks as /auth/login (throttling, MFA); the token has the user's role, is owned by the user and expires (default 30d).",
        tags: ["auth"],
        body: {
          type: "object",
          additionalProperties: false,
          required: ["username", "password", "name"],
          properties: {
            ...loginBody.properties,
            name: { type: "string", minLength: 1, maxLength: 64 },
            expires_in: { type: "string", maxLength: 20 },
          },
        },
        response: {
          201: {
            type: "object",
            properties: {
              token: { type: "string" },
              name: { type: "string" },
              role: { type: "string" },
              expires_at: { type: "string", format: "date-time" },
            },
          },
          401: { $ref: "Error#" },
        },
      },
    },
    async (request, reply) => {
      // Checked before the log-in, so a bad value costs no attempt and logs no success.
      const expiresInMs = tokenLifetime(rt, request.body.expires_in, CLI_TOKEN_LIFETIME);
      const { user, restriction } = await login(request, reply, request.body);
      if (restriction === "mfa_enrolment") {
        throw new UnyoError(
          "UNYO_E_MFA_ENROLMENT_REQUIRED",
          "Enrol two-factor authentication in the web UI first.",
        );
      }
      if (restriction === "password_change") {
        throw new UnyoError(
          "UNYO_E_PASSWORD_EXPIRED",
          "Your password has expired. Change it first.",
          {
            hint: "Log in on the web, or POST /api/v1/auth/password with a session.",
          },
        );
      }
      const { token, record } = await rt.auth.tokens.create({
        name: request.body.name,
        role: user.role,
        userId: user.id,
        expiresInMs,
      });
      await rt.auth.audit.append({
        actor: user.username,
        action: "token.create",
        outcome: "success",
        target: `token:${record.name}`,
        sourceIp: request.ip,
        details: { role: record.role, expires_at: iso(record.expiresAt), via: "auth.token" },
      });
      return reply
        .status(201)
        .send({ token, name: record.name, role: record.role, expires_at: iso(record.expiresAt) });
    },
  );

  app.post(
    "/api/v1/auth/logout",
    {
      config: { auth: "viewer", allowRestricted: true },
      schema: {
        summary: "Log out: ends this session",
        tags: ["auth"],
        response: { 204: { type: "null" } },
      },
    },
    async (request, reply) => {
      const identity = identityOf(request);
      const secret = request.cookies.unyo_session;
      if (identity.kind === "session" && secret) await rt.auth.sessions.revoke(secret);
      await recordAction(rt, request, { action: "auth.logout" });
      clearSessionCookies(reply, secure(request));
      return reply.status(204).send();
    },
  );

  app.get(
    "/api/v1/auth/me",
    {
      config: { auth: "viewer", allowRestricted: true },
      schema: {
        summary: "Who am I: the caller's account, role and pending restriction",
        tags: ["auth"],
        response: {
          200: {
            type: "object",
            properties: {
              kind: { type: "string", enum: ["session", "token"] },
              actor: { type: "string" },
              role: { type: "string" },
              restriction: { type: ["string", "null"] },
              user: { anyOf: [{ $ref: "User#" }, { type: "null" }] },
            },
          },
        },
      },
    },
    async (request) => {
      const identity = identityOf(request);
      const user = identity.username ? await rt.auth.users.get(identity.username) : undefined;
      return {
        kind: identity.kind,
        actor: identity.actor,
        role: identity.role,
        restriction: identity.restriction,
        user: user ? presentUser(user) : null,
      };
    },
  );

  app.post<{ Body: { current_password: string; new_password: string } }>(
    "/api/v1/auth/password",
    {
      config: { auth: "viewer", allowRestricted: true },
      schema: {
        summary: "Change your own password; ends your other sessions",
        tags: ["auth"],
        body: {
          type: "object",
          additionalProperties: false,
          required: ["current_password", "new_password"],
          properties: { current_password: passwordProp, new_password: passwordProp },
        },
        response: { 200: sessionAnswer, 400: { $ref: "Error#" }, 401: { $ref: "Error#" } },
      },
    },
    async (request, reply) => {
      const { userId, username } = userIdOf(request);
      const target = username;
      return audited(rt, request, { action: "user.password_change", target }, async () => {
        await withRetryAfter(reply, () =>
          rt.auth.confirmPassword(username, request.body.current_password, request.ip),
        );
        const user = await rt.auth.users.setPassword(username, request.body.new_password);
        await rt.auth.sessions.revokeAllForUser(userId);
        const answer = { user: presentUser(user), restriction: rt.auth.restrictionOf(user) };
        // A cookie caller gets a fresh session; a token caller keeps using its token.
        if (identityOf(request).kind !== "session") return answer;
        const created = await rt.auth.sessions.create(userId, {
          sourceIp: request.ip,
          userAgent: request.headers["user-agent"] ?? null,
        });
        setSessionCookies(reply, created, secure(request));
        return {
          ...answer,
          csrf_token: created.csrfToken,
          expires_at: iso(created.session.expiresAt),
        };
      });
    },
  );

  mfaRoutes(app, rt);
}

function mfaRoutes(app: FastifyInstance, rt: Runtime): void {
  app.post(
    "/api/v1/auth/mfa/totp",
    {
      config: { auth: "viewer", allowRestricted: true },
      schema: {
        summary: "Start TOTP enrolment: a secret, its otpauth:// URI and a QR code (SVG)",
        tags: ["auth"],
        response: {
          200: {
            type: "object",
            properties: {
              secret: { type: "string" },
              otpauth_uri: { type: "string" },
              qr_svg: { type: "string" },
            },
          },
          409: { $ref: "Error#" },
        },
      },
    },
    async (request) => {
      const { userId } = userIdOf(request);
      const enrolment = await rt.auth.mfa.begin(userId);
      // Loaded on first use: only enrolments need it, and it is not small.
      const { default: QRCode } = await import("qrcode");
      const qr = await QRCode.toString(enrolment.otpauthUri, {
        type: "svg",
        errorCorrectionLevel: "M",
        margin: 2,
      });
      return { secret: enrolment.secret, otpauth_uri: enrolment.otpauthUri, qr_svg: qr };
    },
  );

  app.post<{ Body: { code: string } }>(
    "/api/v1/auth/mfa/totp/confirm",
    {
      config: { auth: "viewer", allowRestricted: true },
      schema: {
        summary: "Finish TOTP enrolment with a code from the app; answers the recovery codes once",
        tags: ["auth"],
        body: {
          type: "object",
          additionalProperties: false,
          required: ["code"],
          properties: { code: codeProp },
        },
        response: {
          200: {
            type: "object",
            properties: { recovery_codes: { type: "array", items: { type: "string" } } },
          },
          400: { $ref: "Error#" },
        },
      },
    },
    async (request) => {
      const { userId, username } = userIdOf(request);
      const codes = await audited(rt, request, { action: "user.mfa_enrol", target: username }, () =>
        rt.auth.mfa.confirm(userId, request.body.code),
      );
      return { recovery_codes: codes };
    },
  );

  app.delete<{ Body: { password: string } }>(
    "/api/v1/auth/mfa",
    {
      config: { auth: "viewer" },
      schema: {
        summary: "Turn your own second factor off (not allowed for roles that require it)",
        tags: ["auth"],
        body: {
          type: "object",
          additionalProperties: false,
          required: ["password"],
          properties: { password: passwordProp },
        },
        response: { 204: { type: "null" }, 401: { $ref: "Error#" }, 403: { $ref: "Error#" } },
      },
    },
    async (request, reply) => {
      const { userId, username } = userIdOf(request);
      await audited(rt, request, { action: "user.mfa_disable", target: username }, async () => {
        const identity = identityOf(request);
        if (rt.config.current.config.security.require_mfa.includes(identity.role)) {
          throw new UnyoError(
            "UNYO_E_FORBIDDEN",
            `The ${identity.role} role requires two-factor authentication.`,
          );
        }
        await withRetryAfter(reply, () =>
          rt.auth.confirmPassword(username, request.body.password, request.ip),
        );
        await rt.auth.mfa.reset(userId);
      });
      return reply.status(204).send();
    },
  );
}

/** Runs a password check; on a throttled refusal adds Retry-After so clients know when to retry. */
async function withRetryAfter<T>(reply: FastifyReply, check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    const wait = (error as UnyoError).details as { retryAfterMs?: number } | undefined;
    if (wait?.retryAfterMs) void reply.header("retry-after", Math.ceil(wait.retryAfterMs / 1000));
    throw error;
  }
}
