import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Observation } from "../../src/checks/evaluate.ts";
import { type HttpProbeSpec, type ProbeOutcome, probeHttp } from "../../src/checks/http-probe.ts";

const MiB = 1024 * 1024;

async function listen(server: Server): Promise<string> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  server.close();
  await once(server, "close");
}

function spec(url: string, over: Partial<HttpProbeSpec> = {}): HttpProbeSpec {
  return {
    url,
    method: "GET",
    headers: {},
    followRedirects: true,
    tlsVerify: true,
    timeoutMs: 2000,
    ...over,
  };
}

function probe(s: HttpProbeSpec, signal = new AbortController().signal): Promise<ProbeOutcome> {
  return probeHttp(s, signal);
}

function observed(outcome: ProbeOutcome): Observation {
  if (!outcome.ok) assert.fail(`expected a response, got ${outcome.kind}: ${outcome.message}`);
  return outcome.observation;
}

function failed(outcome: ProbeOutcome): Extract<ProbeOutcome, { ok: false }> {
  if (outcome.ok) assert.fail(`expected a failure, got status ${outcome.observation.status}`);
  return outcome;
}

describe("probeHttp over HTTP", () => {
  let base = "";
  /** A second origin (another port) for cross-origin redirects. */
  let otherBase = "";
  const hits: string[] = [];
  /** Requests the server received but never answers; resolved when one arrives. */
  let onHang: ((req: IncomingMessage) => void) | undefined;
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    route(req, res);
  });

  function route(req: IncomingMessage, res: ServerResponse): void {
    switch (req.url) {
      case "/json":
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ status: "healthy", items: [{ id: 1 }] }));
        return;
      case "/json-no-type":
        res.end('  {"a": [1, 2]}');
        return;
      case "/broken-json":
        res.setHeader("content-type", "application/json");
        res.end("{not json");
        return;
      case "/text":
        res.setHeader("content-type", "text/plain");
        res.setHeader("set-cookie", ["a=1", "b=2"]);
        res.end("hello, world");
        return;
      case "/redirect":
        res.writeHead(302, { location: "/json" });
        res.end();
        return;
      case "/redirect-chain":
        res.writeHead(301, { location: `${base}/redirect` });
        res.end();
        return;
      case "/see-other":
        res.writeHead(303, { location: "/echo" });
        res.end();
        return;
      case "/temporary":
        res.writeHead(307, { location: "/echo" });
        res.end();
        return;
      case "/elsewhere":
        res.writeHead(302, { location: `${otherBase}/echo` });
        res.end();
        return;
      case "/same-origin":
        res.writeHead(302, { location: `${base}/echo` });
        res.end();
        return;
      case "/loop":
        res.writeHead(307, { location: "/loop" });
        res.end("again");
        return;
      case "/status-503":
        res.writeHead(503);
        res.end("busy");
        return;
      case "/echo": {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          res.setHeader("content-type", "application/json");
          res.end(
            JSON.stringify({
              method: req.method,
              agent: req.headers["user-agent"],
              token: req.headers["x-token"],
              authorization: req.headers.authorization,
              body: Buffer.concat(chunks).toString("utf8"),
            }),
          );
        });
        return;
      }
      case "/hang":
        onHang?.(req);
        return; // never answers
      case "/stall":
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("partial"); // headers and some body, then nothing
        return;
      case "/large": {
        const body = Buffer.alloc(3 * MiB, "b");
        res.writeHead(200, { "content-type": "text/plain", "content-length": body.length });
        res.on("error", () => {});
        res.end(body);
        return;
      }
      case "/endless": {
        // Streams for as long as the client reads; the probe must stop at 1 MiB.
        res.writeHead(200, { "content-type": "text/plain" });
        const chunk = Buffer.alloc(64 * 1024 + 7, "a");
        const pump = () => {
          while (!res.destroyed) {
            if (!res.write(chunk)) {
              res.once("drain", pump);
              return;
            }
          }
        };
        res.on("error", () => {});
        pump();
        return;
      }
      default:
        res.writeHead(404);
        res.end();
    }
  }

  const other = createServer((req, res) => route(req, res));

  before(async () => {
    base = await listen(server);
    otherBase = await listen(other);
  });
  after(async () => {
    await close(server);
    await close(other);
  });

  test("parses a JSON body and flattens headers", async () => {
    const obs = observed(await probe(spec(`${base}/json`)));
    assert.equal(obs.status, 200);
    assert.deepEqual(obs.body, { status: "healthy", items: [{ id: 1 }] });
    assert.equal(obs.headers?.["content-type"], "application/json");
    assert.ok(obs.responseTimeMs >= 0 && obs.responseTimeMs < 2000);
  });

  test("treats a body that looks like JSON as JSON, and keeps broken JSON as text", async () => {
    assert.deepEqual(observed(await probe(spec(`${base}/json-no-type`))).body, { a: [1, 2] });
    assert.equal(observed(await probe(spec(`${base}/broken-json`))).body, "{not json");
  });

  test("keeps a text body as a string; repeated headers are joined", async () => {
    const obs = observed(await probe(spec(`${base}/text`)));
    assert.equal(obs.body, "hello, world");
    assert.equal(obs.headers?.["set-cookie"], "a=1, b=2");
  });

  test("an HTTP error status is a response, not a probe failure", async () => {
    const obs = observed(await probe(spec(`${base}/status-503`)));
    assert.equal(obs.status, 503);
    assert.equal(obs.body, "busy");
  });

  test("sends method, headers and body, with Unyo's user agent", async () => {
    const obs = observed(
      await probe(
        spec(`${base}/echo`, { method: "POST", headers: { "x-token": "t1" }, body: "ping" }),
      ),
    );
    assert.deepEqual(obs.body, {
      method: "POST",
      agent: "Unyo-Check/0.1",
      token: "t1",
      body: "ping",
    });
  });

  test("follows relative and absolute redirects", async () => {
    hits.length = 0;
    const obs = observed(await probe(spec(`${base}/redirect-chain`)));
    assert.equal(obs.status, 200);
    assert.deepEqual(obs.body, { status: "healthy", items: [{ id: 1 }] });
    assert.deepEqual(hits, ["GET /redirect-chain", "GET /redirect", "GET /json"]);
  });

  test("does not follow redirects when told not to", async () => {
    hits.length = 0;
    const obs = observed(await probe(spec(`${base}/redirect`, { followRedirects: false })));
    assert.equal(obs.status, 302);
    assert.equal(obs.headers?.location, "/json");
    assert.deepEqual(hits, ["GET /redirect"]);
  });

  test("a 303 after a POST fetches the target with GET and no body", async () => {
    const obs = observed(
      await probe(
        spec(`${base}/see-other`, {
          method: "POST",
          body: "form",
          headers: { "content-type": "text/plain" },
        }),
      ),
    );
    assert.deepEqual(obs.body, { method: "GET", agent: "Unyo-Check/0.1", body: "" });
  });

  test("a 307 repeats the request with its method and body", async () => {
    const obs = observed(await probe(spec(`${base}/temporary`, { method: "PUT", body: "data" })));
    assert.deepEqual(obs.body, { method: "PUT", agent: "Unyo-Check/0.1", body: "data" });
  });

  test("credentials are not sent to another origin on redirect", async () => {
    const headers = { authorization: "Bearer secret", "x-token": "t2" };
    const across = observed(await probe(spec(`${base}/elsewhere`, { headers })));
    assert.deepEqual(across.body, {
      method: "GET",
      agent: "Unyo-Check/0.1",
      token: "t2",
      body: "",
    });
    const same = observed(await probe(spec(`${base}/same-origin`, { headers })));
    assert.deepEqual(same.body, {
      method: "GET",
      agent: "Unyo-Check/0.1",
      token: "t2",
      authorization: "Bearer secret",
      body: "",
    });
  });

  test("gives up on a redirect loop after 10 hops and reports the redirect", async () => {
    hits.length = 0;
    const obs = observed(await probe(spec(`${base}/loop`)));
    assert.equal(obs.status, 307);
    assert.equal(obs.body, "again");
    assert.equal(hits.length, 11);
  });

  test("a server that never answers is a timeout", async () => {
    const outcome = failed(await probe(spec(`${base}/hang`, { timeoutMs: 200 })));
    assert.equal(outcome.kind, "timeout");
    assert.equal(outcome.message, "no complete response within 200 ms");
    assert.ok(outcome.responseTimeMs >= 150, `took ${outcome.responseTimeMs} ms`);
    assert.ok(outcome.responseTimeMs < 1500, `took ${outcome.responseTimeMs} ms`);
  });

  test("a body that stops half way is a timeout too", async () => {
    const outcome = failed(await probe(spec(`${base}/stall`, { timeoutMs: 200 })));
    assert.equal(outcome.kind, "timeout");
  });

  test("the caller's abort signal makes it interrupted", async () => {
    const controller = new AbortController();
    const arrived = new Promise<void>((resolve) => {
      onHang = () => resolve();
    });
    const pending = probe(spec(`${base}/hang`, { timeoutMs: 5000 }), controller.signal);
    await arrived;
    onHang = undefined;
    controller.abort(new Error("shutting down"));
    const outcome = failed(await pending);
    assert.equal(outcome.kind, "interrupted");
    assert.equal(outcome.message, "interrupted by shutdown");
    assert.ok(outcome.responseTimeMs < 4000);
  });

  test("an already aborted signal is interrupted without waiting", async () => {
    const outcome = failed(await probe(spec(`${base}/json`), AbortSignal.abort()));
    assert.equal(outcome.kind, "interrupted");
  });

  test("a body over 1 MiB is cut at 1 MiB without reading it all", async () => {
    const started = performance.now();
    const obs = observed(await probe(spec(`${base}/endless`, { timeoutMs: 5000 })));
    assert.ok(performance.now() - started < 4000);
    assert.equal(obs.status, 200);
    assert.equal(typeof obs.body, "string");
    assert.equal((obs.body as string).length, MiB);
    assert.match(obs.body as string, /^a+$/);
  });

  test("a large body with a length is cut at exactly 1 MiB", async () => {
    const obs = observed(await probe(spec(`${base}/large`, { timeoutMs: 5000 })));
    assert.equal((obs.body as string).length, MiB);
    assert.match(obs.body as string, /^b+$/);
  });
});

describe("probeHttp failures before a response", () => {
  test("connection refused is connect", async () => {
    const server = createServer();
    const base = await listen(server);
    await close(server);
    const outcome = failed(await probe(spec(`${base}/`)));
    assert.equal(outcome.kind, "connect");
    assert.match(outcome.message, /ECONNREFUSED/);
  });

  test("an unresolvable host is dns", async () => {
    const outcome = failed(await probe(spec("http://unyo-no-such-host.invalid/")));
    assert.equal(outcome.kind, "dns");
    assert.match(outcome.message, /unyo-no-such-host\.invalid/);
  });
});

describe("probeHttp over HTTPS with a self-signed certificate", () => {
  let dir = "";
  let base = "";
  let server: Server | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "unyo-tls-"));
    const key = join(dir, "key.pem");
    const cert = join(dir, "cert.pem");
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost"],
        ...["-days", "1", "-keyout", key, "-out", cert],
      ],
      { stdio: "ignore" },
    );
    server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_, res) => {
      res.setHeader("content-type", "application/json");
      res.end('{"secure":true}');
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    if (server) await close(server);
    rmSync(dir, { recursive: true, force: true });
  });

  test("fails as tls when the certificate is verified", async () => {
    const outcome = failed(await probe(spec(`${base}/`, { tlsVerify: true })));
    assert.equal(outcome.kind, "tls");
    assert.match(outcome.message, /self[- ]signed/i);
  });

  test("succeeds when verification is off", async () => {
    const obs = observed(await probe(spec(`${base}/`, { tlsVerify: false })));
    assert.equal(obs.status, 200);
    assert.deepEqual(obs.body, { secure: true });
  });
});
