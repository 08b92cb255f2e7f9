import type { FastifyInstance, FastifyRequest } from "fastify";
import { completeSetup } from "../../auth/first-admin.ts";
import type { Runtime } from "../../runtime.ts";
import { setSessionCookies } from "../auth-plugin.ts";
import { SETUP_PAGE, SETUP_PAGE_CSP } from "../pages/setup-page.ts";
import { iso, passwordProp, presentUser, usernameProp } from "../route-helpers.ts";

/** The one-time first-admin setup: a page and the call it makes. Both public by design. */
export function setupRoutes(
  app: FastifyInstance,
  rt: Runtime,
  secure: (r: FastifyRequest) => boolean,
): void {
  app.get(
    "/setup",
    {
      config: { auth: "public" },
      schema: {
        summary: "The first-admin setup page (HTML)",
        tags: ["auth"],
        produces: ["text/html"],
      },
    },
    async (_request, reply) =>
      reply
        .type("text/html; charset=utf-8")
        .header("content-security-policy", SETUP_PAGE_CSP)
        .header("x-frame-options", "DENY")
        .header("cache-control", "no-store")
        .send(SETUP_PAGE),
  );

  app.post<{ Body: { token: string; username: string; password: string } }>(
    "/api/v1/setup",
    {
      config: { auth: "public" },
      schema: {
        summary: "Create the first admin with the one-time setup token; logs them in",
        tags: ["auth"],
        body: {
          type: "object",
          additionalProperties: false,
          required: ["token", "username", "password"],
          properties: {
            token: { type: "string", minLength: 1, maxLength: 100 },
            username: usernameProp,
            password: passwordProp,
          },
        },
        response: {
          201: {
            type: "object",
            properties: {
              user: { $ref: "User#" },
              restriction: { type: ["string", "null"] },
              csrf_token: { type: "string" },
              expires_at: { type: "string" },
            },
          },
          400: { $ref: "Error#" },
          403: { $ref: "Error#" },
        },
      },
    },
    async (request, reply) => {
      const deps = { store: rt.store, users: rt.auth.users, audit: rt.auth.audit, clock: rt.clock };
      const user = await completeSetup(deps, { ...request.body, sourceIp: request.ip });
      const created = await rt.auth.sessions.create(user.id, {
        sourceIp: request.ip,
        userAgent: request.headers["user-agent"] ?? null,
      });
      setSessionCookies(reply, created, secure(request));
      return reply.status(201).send({
        user: presentUser(user),
        restriction: rt.auth.restrictionOf(user),
        csrf_token: created.csrfToken,
        expires_at: iso(created.session.expiresAt),
      });
    },
  );
}
