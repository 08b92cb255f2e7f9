import type { FastifyInstance } from "fastify";
import { ROLES, type Role } from "../../auth/roles.ts";
import type { User } from "../../auth/users.ts";
import { UnyoError } from "../../core/errors.ts";
import type { Runtime } from "../../runtime.ts";
import { audited, iso, passwordProp, presentUser, usernameProp } from "../route-helpers.ts";

const roleProp = { type: "string", enum: [...ROLES] } as const;
const usernameParams = {
  type: "object",
  required: ["username"],
  properties: { username: usernameProp },
} as const;

const tokenReviewSchema = {
  type: "object",
  properties: {
    id: { type: "integer" },
    name: { type: "string" },
    role: { type: "string" },
    prefix: { type: "string" },
    created_at: { type: "string", format: "date-time" },
    expires_at: { type: ["string", "null"], format: "date-time" },
    last_used_at: { type: ["string", "null"], format: "date-time" },
  },
} as const;

/** User administration (admin only) and the quarterly access review. */
export function userRoutes(app: FastifyInstance, rt: Runtime): void {
  app.get(
    "/api/v1/users",
    {
      config: { auth: "admin" },
      schema: {
        summary: "Every user account",
        tags: ["users"],
        response: {
          200: {
            type: "object",
            properties: { users: { type: "array", items: { $ref: "User#" } } },
          },
        },
      },
    },
    async () => ({ users: (await rt.auth.users.list()).map(presentUser) }),
  );

  app.post<{ Body: { username: string; password: string; role: Role; display_name?: string } }>(
    "/api/v1/users",
    {
      config: { auth: "admin" },
      schema: {
        summary: "Create a user (the password must meet the policy)",
        tags: ["users"],
        body: {
          type: "object",
          additionalProperties: false,
          required: ["username", "password", "role"],
          properties: {
            username: usernameProp,
            password: passwordProp,
            role: roleProp,
            display_name: { type: "string", maxLength: 200 },
          },
        },
        response: { 201: { $ref: "User#" }, 400: { $ref: "Error#" } },
      },
    },
    async (request, reply) => {
      const { username, password, role, display_name } = request.body;
      const user = await audited(
        rt,
        request,
        { action: "user.create", target: username.toLowerCase(), details: { role } },
        () => rt.auth.users.add({ username, password, role, displayName: display_name ?? null }),
      );
      return reply.status(201).send(presentUser(user));
    },
  );

  app.patch<{ Params: { username: string }; Body: { role?: Role; disabled?: boolean } }>(
    "/api/v1/users/:username",
    {
      config: { auth: "admin" },
      schema: {
        summary: "Change a user's role or disable/enable the account; ends their sessions",
        tags: ["users"],
        params: usernameParams,
        body: {
          type: "object",
          additionalProperties: false,
          minProperties: 1,
          properties: { role: roleProp, disabled: { type: "boolean" } },
        },
        response: { 200: { $ref: "User#" }, 404: { $ref: "Error#" }, 409: { $ref: "Error#" } },
      },
    },
    async (request) => {
      const { username } = request.params;
      const { role, disabled } = request.body;
      let user: User | undefined;
      if (role !== undefined) {
        user = await audited(
          rt,
          request,
          { action: "user.role_change", target: username, details: { role } },
          async () => {
            if (role !== "admin") await keepOneAdmin(rt, username);
            return rt.auth.users.setRole(username, role);
          },
        );
      }
      if (disabled !== undefined) {
        const action = disabled ? "user.disable" : "user.enable";
        user = await audited(rt, request, { action, target: username }, async () => {
          if (disabled) {
            await keepOneAdmin(rt, username);
            return rt.auth.users.disable(username);
          }
          return rt.auth.users.enable(username);
        });
      }
      if (!user) throw new UnyoError("UNYO_E_VALIDATION", "Nothing to change.");
      await rt.auth.sessions.revokeAllForUser(user.id);
      return presentUser(user);
    },
  );

  app.put<{ Params: { username: string }; Body: { password: string } }>(
    "/api/v1/users/:username/password",
    {
      config: { auth: "admin" },
      schema: {
        summary: "Set a user's password (admin reset); ends their sessions",
        tags: ["users"],
        params: usernameParams,
        body: {
          type: "object",
          additionalProperties: false,
          required: ["password"],
          properties: { password: passwordProp },
        },
        response: { 200: { $ref: "User#" }, 400: { $ref: "Error#" }, 404: { $ref: "Error#" } },
      },
    },
    async (request) => {
      const { username } = request.params;
      const user = await audited(
        rt,
        request,
        { action: "user.password_change", target: username },
        () => rt.auth.users.setPassword(username, request.body.password),
      );
      await rt.auth.sessions.revokeAllForUser(user.id);
      return presentUser(user);
    },
  );

  app.delete<{ Params: { username: string } }>(
    "/api/v1/users/:username/mfa",
    {
      config: { auth: "admin" },
      schema: {
        summary: "Reset a user's second factor (lost phone); they enrol again at next log-in",
        tags: ["users"],
        params: usernameParams,
        response: { 200: { $ref: "User#" }, 404: { $ref: "Error#" } },
      },
    },
    async (request) => {
      const { username } = request.params;
      const user = await audited(
        rt,
        request,
        { action: "user.mfa_reset", target: username },
        async () => {
          const found = await rt.auth.users.get(username);
          if (!found) throw new UnyoError("UNYO_E_NOT_FOUND", `No user named "${username}".`);
          await rt.auth.mfa.reset(found.id);
          await rt.auth.sessions.revokeAllForUser(found.id);
          return { ...found, mfaEnabled: false };
        },
      );
      return presentUser(user);
    },
  );

  app.get(
    "/api/v1/users/review",
    {
      config: { auth: "admin" },
      schema: {
        summary: "Access review: each user with role, MFA, last log-in, tokens and their last use",
        tags: ["users"],
        response: {
          200: {
            type: "object",
            properties: {
              generated_at: { type: "string", format: "date-time" },
              users: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    username: { type: "string" },
                    display_name: { type: ["string", "null"] },
                    role: { type: "string" },
                    disabled: { type: "boolean" },
                    mfa_enabled: { type: "boolean" },
                    last_login_at: { type: ["string", "null"], format: "date-time" },
                    tokens: { type: "array", items: tokenReviewSchema },
                  },
                },
              },
              service_tokens: { type: "array", items: tokenReviewSchema },
            },
          },
        },
      },
    },
    async () => {
      const review = await rt.auth.users.accessReview();
      const token = (t: (typeof review.serviceTokens)[number]) => ({
        id: t.id,
        name: t.name,
        role: t.role,
        prefix: t.prefix,
        created_at: iso(t.createdAt),
        expires_at: iso(t.expiresAt),
        last_used_at: iso(t.lastUsedAt),
      });
      return {
        generated_at: iso(review.generatedAt),
        users: review.users.map((u) => ({
          username: u.username,
          display_name: u.displayName,
          role: u.role,
          disabled: u.disabled,
          mfa_enabled: u.mfaEnabled,
          last_login_at: iso(u.lastLoginAt),
          tokens: u.tokens.map(token),
        })),
        service_tokens: review.serviceTokens.map(token),
      };
    },
  );
}

/** Refuses to demote or disable the last enabled admin: nobody could administer Unyo. */
async function keepOneAdmin(rt: Runtime, username: string): Promise<void> {
  const admins = (await rt.auth.users.list()).filter((u) => u.role === "admin" && !u.disabled);
  if (admins.length === 1 && admins[0]?.username === username.trim().toLowerCase()) {
    throw new UnyoError("UNYO_E_CONFLICT", "This is the last enabled admin; Unyo needs one.", {
      hint: "Make another user admin first.",
    });
  }
}
