/**
 * Shared pieces of the notification tests: a sample message, and a real local HTTP receiver
 * that records every request (headers and the exact body bytes) and answers as told.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after } from "node:test";
import type { NotificationMessage } from "../../src/notify/render.ts";

export function sampleMessage(over: Partial<NotificationMessage> = {}): NotificationMessage {
  return {
    title: "API health check is down",
    text: "GET https://example.com/api/health answered 503 three times in a row.",
    severity: "critical",
    status: "firing",
    labels: { service: "api", environment: "production", source: "check" },
    annotations: { runbook: "Restart the API pods, then check the database." },
    links: [{ title: "Open in Unyo", url: "https://unyo.example.com/checks/api-health" }],
    lang: "en",
    ...over,
  };
}

export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How to answer request number `n` (0-based); default 200 "ok". */
export type Respond = (req: Received, n: number, res: ServerResponse) => void;

export interface Receiver {
  url: string;
  received: Received[];
  /** Resolves once `count` requests have arrived. */
  waitFor(count: number): Promise<void>;
  close(): Promise<void>;
}

const open: Receiver[] = [];
after(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});

export async function receiver(respond?: Respond): Promise<Receiver> {
  const received: Received[] = [];
  let waiters: Array<{ count: number; resolve: () => void }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const entry: Received = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      const n = received.push(entry) - 1;
      waiters = waiters.filter((w) => {
        if (received.length < w.count) return true;
        w.resolve();
        return false;
      });
      if (respond) respond(entry, n, res);
      else res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  const self: Receiver = {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    waitFor(count) {
      if (received.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closed;
    },
  };
  open.push(self);
  return self;
}
