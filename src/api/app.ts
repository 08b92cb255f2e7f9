import { randomBytes } from "node:crypto";
import swagger from "@fastify/swagger";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Runtime } from "../runtime.ts";
import { errorBodySchema, installErrorHandling } from "./errors.ts";
import { checkRoutes } from "./routes/checks.ts";
import { systemRoutes } from "./routes/system.ts";

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
      ],
    },
  });

  const routes: { method: string; url: string }[] = [];
  registeredRoutes.set(app, routes);
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });

  app.addSchema(errorBodySchema);
  app.addSchema(configProblemSchema);
  installErrorHandling(app);

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
        path: request.url.split("?")[0],
        statusCode: reply.statusCode,
        responseTimeMs: Math.round(reply.elapsedTime * 10) / 10,
        ip: request.ip,
      },
      "request completed",
    );
  });

  systemRoutes(app, rt);
  checkRoutes(app, rt);

  app.get(
    "/api/v1/openapi.json",
    {
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
