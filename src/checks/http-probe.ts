import type { IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { TLSSocket } from "node:tls";

import type { ErrorKind, ProbeOutcome } from "./probes/types.ts";

// Not `import … from "node:http"`: an ES module namespace of node:http reads all its exports,
// among them Node 24's lazy WebSocket getters, which load undici (~3 MB resident) for nothing.
const { request: httpRequest } = process.getBuiltinModule("node:http");

export type { ErrorKind, ProbeOutcome };

export interface HttpProbeSpec {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string | undefined;
  followRedirects: boolean;
  tlsVerify: boolean;
  timeoutMs: number;
}

const MAX_BODY_BYTES = 1024 * 1024;
const MAX_REDIRECTS = 10;

/**
 * One HTTP(S) request with a hard deadline, built on node:http so TLS verification can be
 * switched per check and failures can be told apart (dns / connect / tls / timeout / http).
 */
export async function probeHttp(
  spec: HttpProbeSpec,
  signal: AbortSignal,
  /** The attempt's deadline when the caller made one (see ProbeContext.deadline). */
  given?: AbortSignal,
): Promise<ProbeOutcome> {
  const started = performance.now();
  const deadline = given ?? AbortSignal.any([signal, AbortSignal.timeout(spec.timeoutMs)]);
  let url = new URL(spec.url);
  let request = spec;
  try {
    for (let hop = 0; ; hop++) {
      const { response, certExpiresInMs } = await send(url, request, deadline);
      const location = response.headers.location;
      if (
        spec.followRedirects &&
        location &&
        isRedirect(response.statusCode) &&
        hop < MAX_REDIRECTS
      ) {
        response.resume();
        const next = new URL(location, url);
        request = redirected(request, response.statusCode ?? 0, url, next);
        url = next;
        continue;
      }
      const text = await readBody(response, deadline);
      const responseTimeMs = Math.round(performance.now() - started);
      return {
        ok: true,
        observation: {
          status: response.statusCode ?? 0,
          responseTimeMs,
          headers: flattenHeaders(response),
          body: parseBody(text, response.headers["content-type"]),
          ...(certExpiresInMs === undefined ? {} : { certExpiresInMs }),
        },
      };
    }
  } catch (error) {
    const responseTimeMs = Math.round(performance.now() - started);
    if (signal.aborted) {
      return { ok: false, kind: "interrupted", message: "interrupted by shutdown", responseTimeMs };
    }
    if (deadline.aborted) {
      return {
        ok: false,
        kind: "timeout",
        message: `no complete response within ${spec.timeoutMs} ms`,
        responseTimeMs,
      };
    }
    return { ok: false, ...classify(error), responseTimeMs };
  }
}

interface Sent {
  response: IncomingMessage;
  /** Until the server's certificate expires, for https (negative when expired). */
  certExpiresInMs: number | undefined;
}

function send(url: URL, spec: HttpProbeSpec, signal: AbortSignal): Promise<Sent> {
  return new Promise((resolve, reject) => {
    // Read the certificate as the response arrives, while the socket is surely still open.
    const onResponse = (response: IncomingMessage) =>
      resolve({ response, certExpiresInMs: peerCertExpiresInMs(response) });
    const options = {
      method: spec.method,
      headers: { "user-agent": "Unyo-Check/0.1", ...spec.headers },
      signal,
      rejectUnauthorized: spec.tlsVerify,
      agent: false as const,
    };
    const req =
      url.protocol === "https:"
        ? httpsRequest(url, options, onResponse)
        : httpRequest(url, options, onResponse);
    req.on("error", reject);
    req.end(spec.body);
  });
}

function peerCertExpiresInMs(response: IncomingMessage): number | undefined {
  const socket = response.socket;
  if (!(socket instanceof TLSSocket)) return undefined;
  const validTo = Date.parse(socket.getPeerCertificate()?.valid_to ?? "");
  return Number.isNaN(validTo) ? undefined : validTo - Date.now();
}

async function readBody(response: IncomingMessage, signal: AbortSignal): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    if (signal.aborted) throw signal.reason;
    const buffer = chunk as Buffer;
    if (size + buffer.length > MAX_BODY_BYTES) {
      // Keep the first MiB exactly: dropping the whole overflowing chunk could lose text an
      // assertion looks for.
      chunks.push(buffer.subarray(0, MAX_BODY_BYTES - size));
      response.destroy();
      break;
    }
    size += buffer.length;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseBody(text: string, contentType: string | undefined): unknown {
  const looksJson = /json/i.test(contentType ?? "") || /^\s*[[{]/.test(text);
  if (!looksJson) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function flattenHeaders(response: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/**
 * The request to send to a redirect's target, as browsers and fetch do: 303 (and 301/302
 * after a POST) becomes a GET without body, and credentials are not sent to another origin.
 */
function redirected(spec: HttpProbeSpec, status: number, from: URL, to: URL): HttpProbeSpec {
  let next = spec;
  if (
    (status === 303 && spec.method !== "GET" && spec.method !== "HEAD") ||
    ((status === 301 || status === 302) && spec.method === "POST")
  ) {
    const headers = Object.fromEntries(
      Object.entries(spec.headers).filter(([name]) => !/^content-/i.test(name)),
    );
    next = { ...next, method: "GET", body: undefined, headers };
  }
  if (from.origin !== to.origin) {
    const headers = Object.fromEntries(
      Object.entries(next.headers).filter(
        ([name]) => !/^(authorization|cookie|proxy-authorization)$/i.test(name),
      ),
    );
    next = { ...next, headers };
  }
  return next;
}

function isRedirect(status: number | undefined): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

function classify(error: unknown): { kind: ErrorKind; message: string } {
  const e = error as NodeJS.ErrnoException;
  const code = e.code ?? "";
  const message = e.message || String(error);
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return { kind: "dns", message };
  if (/CERT|SSL|TLS|SELF_SIGNED|HOSTNAME|^EPROTO$/.test(code) || /certificate/i.test(message)) {
    return { kind: "tls", message };
  }
  // ETIMEDOUT is the operating system giving up on the connection, as the tcp probe reports it.
  if (/^E(CONNREFUSED|CONNRESET|HOSTUNREACH|NETUNREACH|PIPE|ADDRNOTAVAIL|TIMEDOUT)$/.test(code)) {
    return { kind: "connect", message };
  }
  return { kind: "http", message };
}
