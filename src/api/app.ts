import { randomBytes } from "node:crypto";
import swagger from "@fastify/swagger";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  LogController,
} from "fastify";
import type { Runtime } from "../runtime.ts";
import { installAuth } from "./auth-plugin.ts";
import { errorBodySchema, installErrorHandling } from "./errors.ts";
import { userSchema } from "./route-helpers.ts";
import { auditRoutes } from "./routes/audit.ts";
import { authRoutes } from "./routes/auth.ts";
import { checkActionRoutes } from "./routes/check-actions.ts";
import { checkRoutes } from "./routes/checks.ts";
import { metricRoutes } from "./routes/metrics.ts";
import { pingRoutes } from "./routes/ping.ts";
import { ruleRoutes } from "./routes/rules.ts";
import { setupRoutes } from "./routes/setup.ts";
import { systemRoutes } from "./routes/system.ts";
import { tokenRoutes } from "./routes/tokens.ts";
import { userRoutes } from "./routes/users.ts";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

const configProblemSchema = {
  $id: "ConfigProblem",
  type: "object",
  properties: {
    file: { type: "string" },
    line: { type: "integer" },
    column: { type: "integer" },
    path: { type: "string" },
    message: { type: "string" },
  },
} as const;

/** Every route the app registered, so tests can walk them all (OpenAPI coverage, auth). */
const registeredRoutes = new WeakMap<FastifyInstance, { method: string; url: string }[]>();

export function routesOf(app: FastifyInstance): { method: string; url: string }[] {
  return registeredRoutes.get(app) ?? [];
}

export interface BuildAppOptions {
  bodyLimit: number;
  /** Fastify's trustProxy: which reverse proxies' X-Forwarded-* headers to believe. */
  trustProxy?: boolean | string[];
}

/**
 * Builds the HTTP app without listening (tests drive it with inject; only `unyo up`
 * listens). Every route is described in the OpenAPI document at /api/v1/openapi.json.
 */
export async function buildApp(rt: Runtime, options: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: rt.log as FastifyBaseLogger,
    logController: new LogController({
      disableRequestLogging: true,
      requestIdLogLabel: "requestId",
    }),
    bodyLimit: options.bodyLimit,
    trustProxy: options.trustProxy ?? false,
    // Keep a caller's request id when it is a sane token, so logs join up across services.
    genReqId: (req) => {
      const incoming = req.headers["x-request-id"];
      return typeof incoming === "string" && REQUEST_ID.test(incoming)
        ? incoming
        : `req-${randomBytes(6).toString("hex")}`;
    },
    return503OnClosing: true,
    // Reject unknown query and body fields instead of silently dropping them.
    ajv: { customOptions: { removeAdditional: false } },
  });

  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "Unyo API",
        version: rt.version,
        description:
          "Unyo (運用): the operations manual, executable. Errors share one body shape with a stable code.",
      },
      tags: [
        { name: "system", description: "Health, status, metrics" },
        { name: "checks", description: "Health checks" },
        {
          name: "heartbeats",
          description:
            "Ping URLs jobs call to report in (public: the key in the URL is the secret)",
        },
        {
          name: "auth",
          description: "Log-in, sessions, two-factor authentication, first-admin setup",
        },
        { name: "users", description: "User accounts and the access review (admin)" },
        { name: "tokens", description: "API tokens" },
        { name: "audit", description: "The tamper-evident audit log (admin)" },
        { name: "metrics", description: "Metric series: queries, push, scrape targets" },
        { name: "rules", description: "Threshold rules and their alerts" },
      ],
      components: {
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer", description: "An API token: unyo_…" },
          session: { type: "apiKey", in: "cookie", name: "unyo_session" },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
  });

  const routes: { method: string; url: string }[] = [];
  registeredRoutes.set(app, routes);
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });

  app.addSchema(errorBodySchema);
  app.addSchema(configProblemSchema);
  app.addSchema(userSchema);
  installErrorHandling(app);
  const secure = (request: FastifyRequest) => secureCookies(rt, request);
  await installAuth(app, { auth: rt.auth, secureCookies: secure });

  app.addHook("onSend", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    const seconds = reply.elapsedTime / 1000;
    rt.metrics.httpRequests.inc({ method: request.method, route, status: reply.statusCode });
    rt.metrics.httpDuration.observe({ method: request.method, route }, seconds);
    // One access-log line per request (seed 001 アクセスログ); the query string may hold secrets.
    request.log.info(
      {
        method: request.method,
        // Ping URLs carry their secret in the path: never log it.
        path: (request.url.split("?")[0] ?? "").replace(/^\/ping\/[^/]+/, "/ping/[REDACTED]"),
        statusCode: reply.statusCode,
        responseTimeMs: Math.round(reply.elapsedTime * 10) / 10,
        ip: request.ip,
      },
      "request completed",
    );
  });

  // OpenMetrics pushes arrive as text, like text/plain (which Fastify parses already).
  app.addContentTypeParser(
    "application/openmetrics-text",
    { parseAs: "string" },
    (_request, body, done) => done(null, body),
  );
  systemRoutes(app, rt);
  checkRoutes(app, rt);
  checkActionRoutes(app, rt);
  pingRoutes(app, rt.heartbeats);
  authRoutes(app, rt, secure);
  setupRoutes(app, rt, secure);
  userRoutes(app, rt);
  tokenRoutes(app, rt);
  auditRoutes(app, rt);
  metricRoutes(app, rt);
  ruleRoutes(app, rt);

  app.get(
    "/api/v1/openapi.json",
    {
      config: { auth: "viewer" },
      schema: {
        summary: "This OpenAPI document",
        tags: ["system"],
        response: { 200: { type: "object", additionalProperties: true } },
      },
    },
    async () => app.swagger(),
  );

  return app;
}

/** Secure cookies per security.session.cookie_secure; "auto" follows the request and public_url. */
function secureCookies(rt: Runtime, request: FastifyRequest): boolean {
  const { config } = rt.config.current;
  const mode = config.security.session.cookie_secure;
  if (mode !== "auto") return mode === "always";
  return request.protocol === "https" || (config.server.public_url ?? "").startsWith("https:");
}
