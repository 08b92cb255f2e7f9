import type { FastifyInstance } from "fastify";
import { ROLES, type Role, roleAtLeast } from "../../auth/roles.ts";
import type { TokenRecord } from "../../auth/tokens.ts";
import { UnyoError } from "../../core/errors.ts";
import type { Runtime } from "../../runtime.ts";
import { audited, identityOf, iso } from "../route-helpers.ts";
import { tokenLifetime } from "../token-lifetime.ts";

const tokenSchema = {
  $id: "ApiToken",
  type: "object",
  properties: {
    id: { type: "integer" },
    name: { type: "string" },
    owner: { type: ["string", "null"] },
    role: { type: "string" },
    prefix: { type: "string", description: "The first characters, to recognise it" },
    created_at: { type: "string", format: "date-time" },
    expires_at: { type: ["string", "null"], format: "date-time" },
    last_used_at: { type: ["string", "null"], format: "date-time" },
    revoked_at: { type: ["string", "null"], format: "date-time" },
  },
} as const;

/** API tokens: everyone manages their own; admins see and revoke all, and make service tokens. */
export function tokenRoutes(app: FastifyInstance, rt: Runtime): void {
  app.addSchema(tokenSchema);

  const present = async (records: TokenRecord[]) => {
    const names = new Map((await rt.auth.users.list()).map((u) => [u.id, u.username]));
    return records.map((t) => ({
      id: t.id,
      name: t.name,
      owner: t.userId === null ? null : (names.get(t.userId) ?? null),
      role: t.role,
      prefix: t.prefix,
      created_at: iso(t.createdAt),
      expires_at: iso(t.expiresAt),
      last_used_at: iso(t.lastUsedAt),
      revoked_at: iso(t.revokedAt),
    }));
  };

  app.get(
    "/api/v1/tokens",
    {
      config: { auth: "viewer" },
      schema: {
        summary: "API tokens: yours, or every token for an admin. Never the secrets.",
        tags: ["tokens"],
        response: {
          200: {
            type: "object",
            properties: { tokens: { type: "array", items: { $ref: "ApiToken#" } } },
          },
        },
      },
    },
    async (request) => {
      const identity = identityOf(request);
      const all = await rt.auth.tokens.list();
      const visible =
        identity.role === "admin"
          ? all
          : all.filter((t) => t.userId !== null && t.userId === identity.userId);
      return { tokens: await present(visible) };
    },
  );

  app.post<{ Body: { name: string; role?: Role; expires_in?: string; service?: boolean } }>(
    "/api/v1/tokens",
    {
      config: { auth: "viewer" },
      schema: {
        summary: "Create an API token; the secret is in this answer only",
        description:
          "The role defaults to yours and cannot exceed it. `service: true` (admin only) makes a token that belongs to no user.",
        tags: ["tokens"],
        body: {
          type: "object",
          additionalProperties: false,
          required: ["name"],
          properties: {
            name: { type: "string", minLength: 1, maxLength: 64 },
            role: { type: "string", enum: [...ROLES] },
            expires_in: { type: "string", maxLength: 20, description: "e.g. 90d; none = never" },
            service: { type: "boolean" },
          },
        },
        response: {
          201: {
            type: "object",
            properties: { token: { type: "string" }, record: { $ref: "ApiToken#" } },
          },
          400: { $ref: "Error#" },
          403: { $ref: "Error#" },
        },
      },
    },
    async (request, reply) => {
      const identity = identityOf(request);
      const { name, expires_in, service = false } = request.body;
      const role = request.body.role ?? identity.role;
      const created = await audited(
        rt,
        request,
        {
          action: "token.create",
          target: `token:${name}`,
          details: { role, service, expires_in: expires_in ?? null },
        },
        async () => {
          if (!roleAtLeast(identity.role, role)) {
            throw new UnyoError(
              "UNYO_E_FORBIDDEN",
              `A token cannot have a larger role than yours (${identity.role}).`,
            );
          }
          if (service && identity.role !== "admin") {
            throw new UnyoError("UNYO_E_FORBIDDEN", "Only admins make service tokens.");
          }
          if (!service && identity.userId === null) {
            throw new UnyoError(
              "UNYO_E_VALIDATION",
              "A service token can only make service tokens.",
              {
                hint: "Set service: true.",
              },
            );
          }
          const expiresInMs = tokenLifetime(rt, expires_in);
          return rt.auth.tokens.create({
            name,
            role,
            userId: service ? null : identity.userId,
            ...(expiresInMs === undefined ? {} : { expiresInMs }),
            // A token cannot extend its own life by making a longer-lived one.
            notAfter: identity.tokenExpiresAt ?? null,
          });
        },
      );
      const [record] = await present([created.record]);
      return reply.status(201).send({ token: created.token, record });
    },
  );

  app.delete<{ Params: { id: number } }>(
    "/api/v1/tokens/:id",
    {
      config: { auth: "viewer" },
      schema: {
        summary: "Revoke a token (yours, or any for an admin)",
        tags: ["tokens"],
        params: {
          type: "object",
          required: ["id"],
          properties: { id: { type: "integer", minimum: 1 } },
        },
        response: { 200: { $ref: "ApiToken#" }, 403: { $ref: "Error#" }, 404: { $ref: "Error#" } },
      },
    },
    async (request) => {
      const identity = identityOf(request);
      const { id } = request.params;
      const existing = (await rt.auth.tokens.list()).find((t) => t.id === id);
      const mine =
        existing !== undefined && existing.userId !== null && existing.userId === identity.userId;
      // Someone else's token answers 404 like a missing one: ids must not be probed.
      if (!existing || (identity.role !== "admin" && !mine)) {
        throw new UnyoError("UNYO_E_NOT_FOUND", `No API token with id ${id}.`);
      }
      const revoked = await audited(
        rt,
        request,
        { action: "token.revoke", target: `token:${existing.name}` },
        () => rt.auth.tokens.revoke(id),
      );
      const [record] = await present([revoked]);
      return record;
    },
  );
}
