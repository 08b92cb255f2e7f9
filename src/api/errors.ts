import type { FastifyError, FastifyInstance } from "fastify";
import { DurationError } from "../core/duration.ts";
import { ERROR_CATALOGUE, type ErrorCode, isUnyoError, UnyoError } from "../core/errors.ts";

/** The JSON schema of every error body, shared by all routes in the OpenAPI document. */
export const errorBodySchema = {
  $id: "Error",
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", enum: Object.keys(ERROR_CATALOGUE) },
        message: { type: "string" },
        hint: { type: "string" },
        requestId: { type: "string" },
        details: {},
      },
    },
  },
} as const;

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "UNYO_E_PAYLOAD_TOO_LARGE",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "UNYO_E_UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_EMPTY_JSON_BODY: "UNYO_E_VALIDATION",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "UNYO_E_VALIDATION",
  FST_ERR_VALIDATION: "UNYO_E_VALIDATION",
};

/**
 * Maps every error to one JSON shape with a stable code. Internal errors are logged in full
 * and answered with a generic message and the request id, never with internals.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((raw: FastifyError, request, reply) => {
    let error: UnyoError;
    if (isUnyoError(raw)) error = raw;
    else if (raw instanceof DurationError) error = new UnyoError("UNYO_E_VALIDATION", raw.message);
    else if (raw.validation) {
      error = new UnyoError("UNYO_E_VALIDATION", raw.message, { details: raw.validation });
    } else if (raw.code && FASTIFY_CODES[raw.code]) {
      error = new UnyoError(FASTIFY_CODES[raw.code] as ErrorCode, raw.message);
    } else if (raw instanceof SyntaxError || raw.statusCode === 400) {
      error = new UnyoError("UNYO_E_VALIDATION", "The request body is not valid JSON.");
    } else {
      request.log.error({ error: raw }, "unhandled error");
      error = new UnyoError(
        "UNYO_E_INTERNAL",
        "Something went wrong inside Unyo; the log has details.",
        {
          hint: `Quote request id ${request.id} when reporting this.`,
        },
      );
    }
    const body = error.toJSON();
    void reply.status(error.httpStatus).send({ error: { ...body.error, requestId: request.id } });
  });

  app.setNotFoundHandler((request, reply) => {
    const error = new UnyoError(
      "UNYO_E_ROUTE_NOT_FOUND",
      `No route for ${request.method} ${request.url.split("?")[0]}.`,
      {
        hint: "See /api/v1/openapi.json for the routes this server has.",
      },
    );
    void reply.status(404).send({ error: { ...error.toJSON().error, requestId: request.id } });
  });
}
