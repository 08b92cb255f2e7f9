/**
 * The CLI as a client of a running Unyo: calls with the token saved by `unyo login` (or
 * UNYO_TOKEN), API errors turned into the same UnyoError codes and exit codes.
 */
import { type ErrorCode, UnyoError } from "../core/errors.ts";
import type { CliIO } from "./command.ts";
import { loadLogin, serverUrl } from "./credentials.ts";

export interface ApiAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: API bodies are read field by field.
  body: any;
}

export async function call(url: string, path: string, init: RequestInit = {}): Promise<ApiAnswer> {
  let response: Response;
  try {
    response = await fetch(`${url}${path}`, {
      ...init,
      // Only with a body: Fastify refuses an empty body declared as JSON.
      headers: { ...(init.body ? { "content-type": "application/json" } : {}), ...init.headers },
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    throw new UnyoError(
      "UNYO_E_STORE_UNAVAILABLE",
      `Cannot reach Unyo at ${url}: ${(error as Error).message}.`,
      {
        hint: "Check --url (or UNYO_URL) and that `unyo up` is running there.",
      },
    );
  }
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  return { status: response.status, body };
}

export function apiError(answer: ApiAnswer): UnyoError {
  const error = answer.body?.error;
  const code = (typeof error?.code === "string" ? error.code : "UNYO_E_INTERNAL") as ErrorCode;
  return new UnyoError(code, error?.message ?? `The server answered HTTP ${answer.status}.`, {
    ...(error?.hint ? { hint: error.hint } : {}),
  });
}

/** A client for the server at --url / UNYO_URL with the saved log-in or UNYO_TOKEN. */
export function apiClient(io: CliIO, urlFlag: string | undefined) {
  const url = serverUrl(urlFlag, io.env);
  const token = io.env.UNYO_TOKEN || loadLogin(io.env, url)?.token;
  if (!token) {
    throw new UnyoError("UNYO_E_UNAUTHENTICATED", `Not logged in to ${url}.`, {
      hint: `Run unyo login --user NAME --url ${url}, or set UNYO_TOKEN to an API token.`,
    });
  }
  const headers = { authorization: `Bearer ${token}` };
  const request = async (method: string, path: string) => {
    const answer = await call(url, path, { method, headers });
    if (answer.status >= 400) throw apiError(answer);
    return answer.body;
  };
  return {
    url,
    get: (path: string) => request("GET", path),
    post: (path: string) => request("POST", path),
  };
}
