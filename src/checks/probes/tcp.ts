/**
 * The tcp probe: can a TCP connection to host:port be opened within the deadline — and,
 * optionally, does the service greet us (SMTP, FTP, SSH and friends send a banner line).
 */
import { isIPv6, connect as netConnect } from "node:net";
import { z } from "zod";
import {
  abortedOutcome,
  attemptSignal,
  type ErrorKind,
  type Probe,
  type ProbeOutcome,
} from "./types.ts";

const BANNER_MAX_BYTES = 4096;

const PORT_EXPECTED = "expected a port number from 1 to 65535, e.g. 5432";

export const portSchema = z
  .int({ error: PORT_EXPECTED })
  .min(1, { error: PORT_EXPECTED })
  .max(65535, { error: PORT_EXPECTED });

export const hostSchema = z
  .string({ error: "expected a host name or IP address, e.g. db.internal or 10.0.0.5" })
  .trim()
  .min(1, { error: "expected a host name or IP address, e.g. db.internal or 10.0.0.5" });

export const tcpProbeSchema = z.strictObject({
  host: hostSchema.meta({ description: "Host name or IP address to connect to" }),
  port: portSchema.meta({ description: "TCP port to connect to" }),
  send: z
    .string({ error: 'expected the text to send after connecting, e.g. "PING\\r\\n"' })
    .optional()
    .meta({ description: "Text written once the connection is open" }),
  read_banner: z.boolean({ error: "expected true or false" }).default(false).meta({
    description:
      "Wait for the service's greeting: read up to the first newline (at most 4 KiB) into body",
  }),
});

export type TcpProbeConfig = z.output<typeof tcpProbeSchema>;

/**
 * Connects to host:port. Without `read_banner` the answer is the connect time and an empty
 * body; with it, the first line the server sends (without its line ending) and the time
 * until it arrived. A server that closes the connection early yields what it sent so far.
 */
export const probeTcp: Probe<TcpProbeConfig> = (spec, ctx) => {
  const startedAt = performance.now();
  const signal = attemptSignal(ctx);
  if (signal.aborted) return Promise.resolve(abortedOutcome(ctx, startedAt));
  const target = formatTarget(spec.host, spec.port);
  const elapsed = () => Math.round(performance.now() - startedAt);

  return new Promise<ProbeOutcome>((resolve) => {
    const socket = netConnect({ host: spec.host, port: spec.port });
    const chunks: Buffer[] = [];
    let received = 0;
    let connected = false;
    let done = false;

    const finish = (outcome: ProbeOutcome) => {
      if (done) return;
      done = true;
      signal.removeEventListener("abort", onAbort);
      socket.destroy();
      resolve(outcome);
    };
    const ok = (body: string) =>
      finish({ ok: true, observation: { responseTimeMs: elapsed(), body } });
    const onAbort = () =>
      finish(abortedOutcome(ctx, startedAt, connected ? "no banner" : "no connection"));
    signal.addEventListener("abort", onAbort, { once: true });

    socket.on("connect", () => {
      connected = true;
      if (spec.read_banner) {
        if (spec.send !== undefined) socket.write(spec.send);
        return;
      }
      const responseTimeMs = elapsed();
      const opened = () => finish({ ok: true, observation: { responseTimeMs, body: "" } });
      if (spec.send === undefined) opened();
      else socket.end(spec.send, opened);
    });

    if (spec.read_banner) {
      socket.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        const all = Buffer.concat(chunks, received);
        const newline = all.indexOf(0x0a);
        if (newline >= 0 && newline < BANNER_MAX_BYTES) ok(firstLine(all.subarray(0, newline)));
        else if (received >= BANNER_MAX_BYTES) ok(all.subarray(0, BANNER_MAX_BYTES).toString());
      });
    }

    // Without read_banner the socket is never read, so "end" only matters for a banner.
    socket.on("end", () => {
      if (received > 0) ok(firstLine(Buffer.concat(chunks, received)));
      else {
        finish({
          ok: false,
          kind: "connect",
          message: `${target} closed the connection without sending a banner`,
          responseTimeMs: elapsed(),
        });
      }
    });

    socket.on("error", (error) => {
      finish({
        ok: false,
        ...classifySocketError(error, spec.host, target),
        responseTimeMs: elapsed(),
      });
    });
  });
};

function firstLine(bytes: Buffer): string {
  return bytes.toString("utf8").replace(/\r?\n?$/, "");
}

/** `host:port`, with IPv6 addresses in brackets. */
export function formatTarget(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The error kind and a message for a failed TCP (or TLS) connection. Node reports happy
 * eyeballs failures as an AggregateError; its first error says what went wrong.
 */
export function classifySocketError(
  error: unknown,
  host: string,
  target: string,
): { kind: ErrorKind; message: string } {
  const first =
    error instanceof AggregateError && error.errors.length > 0 ? error.errors[0] : error;
  const e = first as NodeJS.ErrnoException;
  const code = e.code ?? (error as NodeJS.ErrnoException).code ?? "";
  switch (code) {
    case "ENOTFOUND":
      return { kind: "dns", message: `cannot resolve host ${host} (ENOTFOUND)` };
    case "EAI_AGAIN":
      return { kind: "dns", message: `cannot resolve host ${host} right now (EAI_AGAIN)` };
    case "ECONNREFUSED":
      return { kind: "connect", message: `connection refused by ${target}` };
    case "ECONNRESET":
    case "EPIPE":
      return { kind: "connect", message: `connection reset by ${target} (${code})` };
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "EHOSTDOWN":
    case "ENETDOWN":
    case "EADDRNOTAVAIL":
      return { kind: "connect", message: `${target} is unreachable (${code})` };
    case "ETIMEDOUT":
      return { kind: "connect", message: `connecting to ${target} timed out (ETIMEDOUT)` };
    default: {
      const text = e.message || String(error);
      return { kind: "connect", message: `cannot connect to ${target}: ${text}` };
    }
  }
}
