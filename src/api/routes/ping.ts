/**
 * The ping URLs of heartbeat checks (Healthchecks.io style), for jobs to call with curl:
 *
 *   GET|POST /ping/<key>          success
 *   GET|POST /ping/<key>/start    a run began
 *   GET|POST /ping/<key>/fail     the run failed
 *   GET|POST /ping/<key>/<0-255>  the run ended with this exit code (0 is success)
 *
 * `?rid=<run id>` pairs a start with its finish. A POST body of any content type (the job's
 * output, say) is kept as text, up to the check's max_body. HEAD works like GET.
 * Public: the key in the URL is the secret. The key never reaches the logs from here — but
 * it is part of the path, so the access log must redact `/ping/<key>` paths.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { HeartbeatMonitor, PingInput } from "../../checks/heartbeat/monitor.ts";
import { PING_BODY_LIMIT } from "../../checks/heartbeat/schema.ts";
import { UnyoError } from "../../core/errors.ts";

interface PingRequest {
  Params: { key: string; code?: number };
  Querystring: { rid?: string };
  Body: string | undefined;
}

const keyParam = {
  type: "string",
  description: "The check's ping key (shown by `unyo checks list`)",
} as const;

const querystring = {
  type: "object",
  properties: {
    rid: {
      type: "string",
      minLength: 1,
      maxLength: 64,
      description: "Run id: pairs a start ping with its finish to measure the run's duration",
    },
  },
} as const;

const response = {
  200: {
    description: "The ping was recorded",
    content: { "text/plain": { schema: { type: "string" } } },
  },
  404: { description: "No check has this ping key", $ref: "Error#" },
  413: { description: "The body is over 100KiB", $ref: "Error#" },
} as const;

const VARIANTS = [
  {
    suffix: "",
    kind: "success",
    summary: "Heartbeat: the job succeeded",
    params: { key: keyParam },
  },
  {
    suffix: "/start",
    kind: "start",
    summary: "Heartbeat: the job started (a finish is then expected within grace)",
    params: { key: keyParam },
  },
  {
    suffix: "/fail",
    kind: "fail",
    summary: "Heartbeat: the job failed (the check is down)",
    params: { key: keyParam },
  },
  {
    suffix: "/:code",
    kind: "exit",
    summary: "Heartbeat: the job ended with this exit code (0 is success, anything else a failure)",
    params: {
      key: keyParam,
      code: { type: "integer", minimum: 0, maximum: 255, description: "Exit code, 0 to 255" },
    },
  },
] as const;

export function pingRoutes(app: FastifyInstance, monitor: HeartbeatMonitor): void {
  // Encapsulated, so the text-for-every-content-type parser applies to these routes only.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "string" }, (_request, body, done) => {
      done(null, body);
    });

    for (const variant of VARIANTS) {
      const handler = async (request: FastifyRequest<PingRequest>, reply: FastifyReply) => {
        const input: PingInput = {
          key: request.params.key,
          kind: variant.kind,
          sourceIp: request.ip,
        };
        if (variant.kind === "exit") input.exitCode = request.params.code;
        if (request.query.rid !== undefined) input.runId = request.query.rid;
        if (typeof request.body === "string" && request.body !== "") input.body = request.body;
        const pinged = await monitor.ping(input);
        if (!pinged) throw new UnyoError("UNYO_E_NOT_FOUND", "No check has this ping key.");
        return reply.type("text/plain; charset=utf-8").send("OK\n");
      };
      const schema = {
        summary: variant.summary,
        tags: ["heartbeats"],
        params: {
          type: "object",
          required: Object.keys(variant.params),
          properties: variant.params,
        },
        querystring,
        response,
      };
      const url = `/ping/:key${variant.suffix}`;
      const config = { auth: "public" } as const;
      scope.get<PingRequest>(url, { config, schema }, handler);
      scope.post<PingRequest>(url, { config, schema, bodyLimit: PING_BODY_LIMIT }, handler);
    }
  });
}
