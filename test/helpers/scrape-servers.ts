/** Local HTTP servers for the scrape tests: metric endpoints to scrape and scrape targets. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after } from "node:test";
import type { ScrapeTarget } from "../../src/metrics/scrape/scraper.ts";

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const servers: Server[] = [];
after(() => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

/** Listens on 127.0.0.1 with a random port; closed (connections included) after the file. */
export async function listenLocal(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return (server.address() as AddressInfo).port;
}

/** A server answering with `handler` at http://127.0.0.1:PORT/metrics; keeps every request. */
export async function serve(
  handler: Handler,
): Promise<{ url: string; requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  const port = await listenLocal(server);
  return { url: `http://127.0.0.1:${port}/metrics`, requests };
}

/** Answers 200 with `body` as the Prometheus text format (or another content type). */
export const text = (body: string, type = "text/plain; version=0.0.4"): Handler => {
  return (_req, res) => {
    res.writeHead(200, { "content-type": type });
    res.end(body);
  };
};

/** A scrape target "web" at `url` with a 2 s timeout and generous limits. */
export function target(url: string, extra: Partial<ScrapeTarget> = {}): ScrapeTarget {
  return {
    id: "web",
    url,
    timeout: 2000,
    labels: {},
    headers: {},
    max_samples: 1000,
    max_bytes: 1024 * 1024,
    ...extra,
  };
}
