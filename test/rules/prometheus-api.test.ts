/**
 * The remote PromQL client, against a real Prometheus scraping a real node_exporter
 * (test/helpers/prometheus.ts) and against small local HTTP servers that misbehave on purpose
 * (hang, refuse credentials, answer HTML, echo headers, answer NaN/Inf, answer too much).
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { loadConfigText } from "../../src/config/load.ts";
import type { RemoteConfig } from "../../src/config/metrics-schema.ts";
import { systemClock } from "../../src/core/clock.ts";
import { EventBus } from "../../src/core/events.ts";
import { createLogger } from "../../src/log/logger.ts";
import type { InstantValue } from "../../src/metrics/series.ts";
import { MemorySeriesReader } from "../../src/rules/expr/memory-reader.ts";
import {
  PrometheusApi,
  type PrometheusApiOptions,
  RemoteQueryError,
  type RemoteQueryErrorKind,
  type RemoteWarnings,
} from "../../src/rules/remote/prometheus-api.ts";
import { RuleRepository } from "../../src/rules/rule-repository.ts";
import { RuleService } from "../../src/rules/rule-service.ts";
import { openStore } from "../../src/store/store.ts";
import { VERSION } from "../../src/version.ts";
import {
  type PrometheusFixture,
  prometheusSkipReason,
  startPrometheus,
} from "../helpers/prometheus.ts";

function remote(overrides: Partial<RemoteConfig> = {}): RemoteConfig {
  return { id: "prom", url: "http://127.0.0.1:9", timeout: 5000, headers: {}, ...overrides };
}

function vector(value: InstantValue) {
  assert.equal(value.kind, "vector");
  return value.samples;
}

/** Runs `fn`, which must fail with a RemoteQueryError of `kind`; returns the error. */
async function failure(
  fn: () => Promise<unknown>,
  kind: RemoteQueryErrorKind,
): Promise<RemoteQueryError> {
  try {
    await fn();
  } catch (error) {
    assert.ok(error instanceof RemoteQueryError, `expected a RemoteQueryError, got ${error}`);
    assert.equal(error.kind, kind, `expected kind ${kind}: ${error.message}`);
    assert.equal(error.remote, "prom");
    return error;
  }
  assert.fail(`expected a ${kind} failure, but it succeeded`);
}

describe("PrometheusApi against a real Prometheus and node_exporter", {
  skip: prometheusSkipReason(),
}, () => {
  let prom: PrometheusFixture;
  let api: PrometheusApi;

  before(async () => {
    prom = await startPrometheus();
    api = new PrometheusApi(remote({ url: prom.url }));
    // Three scrapes of node_exporter (1 s apart): rates have two samples, and a range of the
    // last 1.5 s has data at every step.
    await prom.waitFor('count_over_time(up{job="node"}[1m]) >= 3');
  });
  after(() => prom?.stop());

  test('up{job="node"} is a vector of one sample with all its labels', async () => {
    const samples = vector(await api.query('up{job="node"}', Date.now()));
    assert.deepEqual(samples, [
      {
        labels: { __name__: "up", instance: prom.nodeExporterInstance, job: "node" },
        value: 1,
      },
    ]);
  });

  test("a rate of node_cpu_seconds_total has one series per CPU and mode, without a name", async () => {
    const samples = vector(await api.query("rate(node_cpu_seconds_total[5s])", Date.now()));
    assert.ok(samples.length >= 1);
    const modes = new Set(samples.map((s) => s.labels.mode));
    assert.ok(modes.has("idle"), `modes: ${[...modes]}`);
    for (const sample of samples) {
      assert.equal(sample.labels.__name__, undefined);
      assert.equal(sample.labels.job, "node");
      assert.ok(sample.labels.cpu !== undefined);
      assert.ok(sample.value >= 0 && Number.isFinite(sample.value), String(sample.value));
    }
  });

  test("CPU busy percentage is one label-less sample between 0 and 100", async () => {
    const samples = vector(
      await api.query(
        '100 * (1 - avg(rate(node_cpu_seconds_total{mode="idle"}[30s])))',
        Date.now(),
      ),
    );
    assert.equal(samples.length, 1);
    assert.deepEqual(samples[0]?.labels, {});
    const busy = samples[0]?.value ?? Number.NaN;
    assert.ok(busy >= 0 && busy <= 100, `busy ${busy}`);
  });

  test("a scalar query; `time` is sent in seconds with millisecond precision", async () => {
    assert.deepEqual(await api.query('scalar(up{job="node"})', Date.now()), {
      kind: "scalar",
      value: 1,
    });
    const at = Date.now() - 1234;
    assert.deepEqual(await api.query("time()", at), { kind: "scalar", value: at / 1000 });
  });

  test("queryRange gives one point per step, at exactly start + i * step", async () => {
    const endMs = Date.now() - 7; // deliberately not a whole second
    const startMs = endMs - 1500;
    const stepMs = 250;
    const series = await api.queryRange('up{job="node"}', { startMs, endMs, stepMs });
    assert.equal(series.length, 1);
    assert.deepEqual(series[0]?.labels, {
      __name__: "up",
      instance: prom.nodeExporterInstance,
      job: "node",
    });
    const points = series[0]?.points ?? [];
    assert.equal(points.length, 7);
    points.forEach(([t, v], i) => {
      assert.equal(t, startMs + i * stepMs);
      assert.equal(v, 1);
    });
  });

  test("a PromQL syntax error is bad_data with Prometheus' message and position", async () => {
    const error = await failure(() => api.query('up{job="node"', Date.now()), "bad_data");
    assert.equal(error.status, 400);
    assert.equal(error.errorType, "bad_data");
    assert.equal(error.queryFault, true);
    assert.match(error.message, /1:\d+: parse error/);
    assert.match(error.message, /metrics\.remote "prom"/);
    assert.match(error.message, /up\{job="node"/); // the query, to find it
  });

  test("an execution error is execution with Prometheus' message", async () => {
    // Every mode of cpu 0 relabelled to the same mode: duplicate series, whatever the data.
    const error = await failure(
      () =>
        api.query(
          'label_replace(node_cpu_seconds_total{cpu="0"}, "mode", "x", "", "")',
          Date.now(),
        ),
      "execution",
    );
    assert.equal(error.status, 422);
    assert.equal(error.queryFault, true);
    assert.match(error.message, /vector cannot contain metrics with the same labelset/);
  });

  test("a string result or a range vector cannot be used by a rule: bad_data", async () => {
    const text = await failure(() => api.query('"hello"', Date.now()), "bad_data");
    assert.match(text.message, /returns a string/);
    const matrix = await failure(() => api.query("up[10s]", Date.now()), "bad_data");
    assert.match(matrix.message, /range vector/);
  });

  test("check() reports the version from buildinfo", async () => {
    const result = await api.check();
    assert.equal(result.ok, true, result.message);
    assert.match(result.version ?? "", /^\d+\.\d+\.\d+/);
  });

  test("rules with source: the one alerting brain runs PromQL on Prometheus", async () => {
    const dir = mkdtempSync(join(tmpdir(), "unyo-remote-rules-"));
    const store = await openStore({ kind: "sqlite", path: join(dir, "unyo.db") });
    try {
      const loaded = loadConfigText(
        `metrics: { remote: [ { id: prom, url: "${prom.url}" } ] }
rules:
  - id: node-cpu
    source: prom
    expr: 100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[30s])))
    warning: ">= 0"
    annotations: { summary: '{{ $labels.instance }} CPU {{ $value | printf "%.1f" }}%' }
  - id: node-up
    source: prom
    expr: up{job="node"} == 1
    severity: critical
  - id: broken
    source: prom
    expr: sum(rate(node_cpu_seconds_total[30s]) by
`,
        { file: "unyo.yaml", env: {} },
      );
      assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.problems));
      const bus = new EventBus();
      const fired: string[] = [];
      bus.on("alert.transition", (e) =>
        fired.push(`${e.ruleId} ${e.to.state}/${e.to.level} ${e.labels.instance}`),
      );
      const rules = new RuleService({
        repository: new RuleRepository(store.db),
        reader: new MemorySeriesReader([]),
        remote: (id) => (id === "prom" ? api : undefined),
        clock: systemClock,
        log: createLogger({ level: "error", destination: { write: () => {} } }),
        bus,
      });
      await rules.apply(loaded.value.config.rules);
      const now = Date.now();
      assert.equal((await rules.evaluate("node-cpu", now)).health, "ok");
      assert.equal((await rules.evaluate("node-up", now)).health, "ok");
      const broken = await rules.evaluate("broken", now);
      assert.equal(broken.health, "error");
      assert.match(broken.lastError ?? "", /parse error/);
      assert.deepEqual(fired.sort(), [
        `node-cpu firing/warning ${prom.nodeExporterInstance}`,
        `node-up firing/critical ${prom.nodeExporterInstance}`,
      ]);
      const cpu = rules.get("node-cpu")?.alerts[0];
      assert.ok(cpu && cpu.value >= 0 && cpu.value <= 100, `cpu ${cpu?.value}`);
      assert.match(cpu.annotations.summary ?? "", /^127\.0\.0\.1:\d+ CPU \d+\.\d%$/);
      await rules.flush();
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------------------
// Local HTTP servers

interface Stub {
  url: string;
  requests: { method: string; url: string; headers: IncomingMessage["headers"]; body: string }[];
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void | Promise<void>;

const stubs: Stub[] = [];
after(async () => {
  await Promise.all(stubs.map((s) => s.close()));
});

async function stub(handler: Handler): Promise<Stub> {
  const requests: Stub["requests"] = [];
  const server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
    await handler(req, res, body);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const s: Stub = {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, "close").catch(() => {});
    },
  };
  stubs.push(s);
  return s;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

const success = (data: unknown, extra: object = {}) => ({ status: "success", data, ...extra });

async function api(
  handler: Handler,
  overrides: Partial<RemoteConfig> = {},
  options: PrometheusApiOptions = {},
): Promise<{ api: PrometheusApi; stub: Stub }> {
  const s = await stub(handler);
  return { api: new PrometheusApi(remote({ url: s.url, ...overrides }), options), stub: s };
}

describe("PrometheusApi requests", () => {
  test("POSTs a form with query and time; sends User-Agent, bearer token and custom headers", async () => {
    const { api: client, stub: s } = await api(
      (_req, res) => json(res, 200, success({ resultType: "vector", result: [] })),
      { bearer_token: "s3cr3t-bearer-token", headers: { "X-Scope-OrgID": "team-a" } },
    );
    await client.query('sum(rate(x{a="b"}[5m]))', 1_700_000_000_123);
    const [request] = s.requests;
    assert.equal(request?.method, "POST");
    assert.equal(request?.url, "/api/v1/query");
    assert.equal(request?.headers["content-type"], "application/x-www-form-urlencoded");
    assert.equal(request?.headers["user-agent"], `unyo/${VERSION}`);
    assert.equal(request?.headers.authorization, "Bearer s3cr3t-bearer-token");
    assert.equal(request?.headers["x-scope-orgid"], "team-a");
    const form = new URLSearchParams(request?.body);
    assert.equal(form.get("query"), 'sum(rate(x{a="b"}[5m]))');
    assert.equal(form.get("time"), "1700000000.123");
  });

  test("query_range sends start, end and step in seconds", async () => {
    const { api: client, stub: s } = await api((_req, res) =>
      json(res, 200, success({ resultType: "matrix", result: [] })),
    );
    const series = await client.queryRange("up", {
      startMs: 1_700_000_000_000,
      endMs: 1_700_000_060_500,
      stepMs: 15_000,
    });
    assert.deepEqual(series, []);
    const form = new URLSearchParams(s.requests[0]?.body);
    assert.equal(s.requests[0]?.url, "/api/v1/query_range");
    assert.deepEqual(Object.fromEntries(form), {
      query: "up",
      start: "1700000000",
      end: "1700000060.5",
      step: "15",
    });
  });

  test("sends basic auth, also when given in the URL, and keeps a base path", async () => {
    const { api: client, stub: s } = await api(
      (_req, res) => json(res, 200, success({ resultType: "scalar", result: [1, "2"] })),
      { basic_auth: { username: "alice", password: "pa55-word-xyz" } },
    );
    await client.query("2", 1000);
    assert.equal(
      s.requests[0]?.headers.authorization,
      `Basic ${Buffer.from("alice:pa55-word-xyz").toString("base64")}`,
    );

    const fromUrl = new PrometheusApi(
      remote({ url: `${s.url.replace("http://", "http://bob:in-url-secret@")}/prometheus/` }),
    );
    assert.equal(fromUrl.baseUrl, `${s.url}/prometheus`);
    await fromUrl.query("2", 1000);
    assert.equal(s.requests[1]?.url, "/prometheus/api/v1/query");
    assert.equal(
      s.requests[1]?.headers.authorization,
      `Basic ${Buffer.from("bob:in-url-secret").toString("base64")}`,
    );
  });

  test("falls back to GET after a 405, and keeps using GET", async () => {
    const { api: client, stub: s } = await api((req, res) => {
      if (req.method === "POST") {
        res.writeHead(405, { allow: "GET" });
        res.end("method not allowed");
      } else json(res, 200, success({ resultType: "scalar", result: [1, "7"] }));
    });
    assert.deepEqual(await client.query("7", 2500), { kind: "scalar", value: 7 });
    assert.deepEqual(await client.query("7", 2500), { kind: "scalar", value: 7 });
    assert.deepEqual(
      s.requests.map((r) => r.method),
      ["POST", "GET", "GET"],
    );
    assert.equal(s.requests[1]?.url, "/api/v1/query?query=7&time=2.5");
  });

  test("errors never contain the bearer token, the password or credential headers", async () => {
    // A server that echoes every request header back in its error bodies.
    const echo: Handler = (req, res) => {
      const headers = JSON.stringify(req.headers);
      if (req.url?.includes("query_range")) {
        res.writeHead(502, { "content-type": "text/html" });
        res.end(`<html><body><h1>502</h1><p>${headers}</p></body></html>`);
      } else if (req.headers["x-mode"] === "auth") {
        res.writeHead(401, { "content-type": "text/plain" });
        res.end(`denied: ${headers}`);
      } else {
        json(res, 400, { status: "error", errorType: "bad_data", error: `bad: ${headers}` });
      }
    };
    const secrets = [
      "s3cr3t-bearer-token",
      "pa55-word-xyz",
      Buffer.from("alice:pa55-word-xyz").toString("base64"),
      "api-key-0123456789",
    ];
    const configs: Partial<RemoteConfig>[] = [
      { bearer_token: "s3cr3t-bearer-token", headers: { "X-Api-Key": "api-key-0123456789" } },
      { basic_auth: { username: "alice", password: "pa55-word-xyz" } },
      { bearer_token: "s3cr3t-bearer-token", headers: { "X-Mode": "auth" } },
    ];
    const s = await stub(echo);
    const kinds: string[] = [];
    for (const config of configs) {
      const client = new PrometheusApi(remote({ url: s.url, ...config }));
      for (const call of [
        () => client.query("up", 1000),
        () => client.queryRange("up", { startMs: 0, endMs: 1000, stepMs: 1000 }),
      ]) {
        try {
          await call();
          assert.fail("expected an error");
        } catch (error) {
          assert.ok(error instanceof RemoteQueryError, String(error));
          kinds.push(error.kind);
          const text = `${error.message} ${JSON.stringify(error)} ${error.stack}`;
          for (const secret of secrets) assert.ok(!text.includes(secret), `leaked: ${text}`);
          // The echoed body is still there, with the secret blanked out.
          assert.match(error.message, /<redacted>|user-agent/);
        }
      }
    }
    assert.deepEqual(kinds, ["bad_data", "http", "bad_data", "http", "auth", "http"]);
  });
});

describe("PrometheusApi failures", () => {
  test("an unreachable port is connect", async () => {
    const s = await stub(() => {});
    await s.close();
    const client = new PrometheusApi(remote({ url: s.url }));
    const error = await failure(() => client.query("up", Date.now()), "connect");
    assert.match(error.message, /ECONNREFUSED/);
    assert.equal(error.queryFault, false);
    assert.match(error.message, new RegExp(`${s.url}/api/v1/query`));
  });

  test("a server that hangs is timeout, within the timeout and a margin", async () => {
    const { api: client } = await api(() => new Promise(() => {}), { timeout: 300 });
    const started = performance.now();
    const error = await failure(() => client.query("up", Date.now()), "timeout");
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 290 && elapsed < 1300, `took ${elapsed} ms`);
    assert.match(error.message, /within 300 ms/);
  });

  test("a server that stops sending half-way through the body is timeout", async () => {
    const { api: client } = await api(
      (_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"status":"success","data":{"resultType":"vector","result":[');
      },
      { timeout: 300 },
    );
    await failure(() => client.query("up", Date.now()), "timeout");
  });

  test("the caller's abort rejects with its reason, not a RemoteQueryError", async () => {
    const { api: client } = await api(() => new Promise(() => {}));
    const controller = new AbortController();
    const pending = client.query("up", Date.now(), controller.signal);
    setTimeout(() => controller.abort(new Error("shutting down")), 50);
    await assert.rejects(pending, /shutting down/);
  });

  test("401 is auth, with the status and what to check", async () => {
    const { api: client } = await api((_req, res) => {
      res.writeHead(401, { "www-authenticate": "Bearer" });
      res.end("Unauthorized");
    });
    const error = await failure(() => client.query("up", Date.now()), "auth");
    assert.equal(error.status, 401);
    assert.match(error.message, /HTTP 401/);
    assert.match(error.message, /bearer_token, basic_auth or headers/);
  });

  test("an HTML 502 from a proxy is http, with the status and the page's text", async () => {
    const { api: client } = await api((_req, res) => {
      res.writeHead(502, { "content-type": "text/html" });
      res.end(
        "<html><head><title>502 Bad Gateway</title><style>h1{}</style></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>",
      );
    });
    const error = await failure(() => client.query("up", Date.now()), "http");
    assert.equal(error.status, 502);
    assert.match(error.message, /HTTP 502 Bad Gateway/);
    assert.match(error.message, /502 Bad Gateway 502 Bad Gateway nginx/);
    assert.doesNotMatch(error.message, /<html>|h1\{\}/);
  });

  test("a 404 is http, pointing at the base URL (Mimir's /prometheus prefix)", async () => {
    const { api: client } = await api((_req, res) => {
      res.writeHead(404);
      res.end("404 page not found");
    });
    const error = await failure(() => client.query("up", Date.now()), "http");
    assert.equal(error.status, 404);
    assert.match(error.message, /\/prometheus prefix/);
  });

  test("Prometheus' own query timeout (errorType timeout) is timeout", async () => {
    const { api: client } = await api((_req, res) =>
      json(res, 503, {
        status: "error",
        errorType: "timeout",
        error: "query timed out in expression evaluation",
      }),
    );
    const error = await failure(() => client.query("up", Date.now()), "timeout");
    assert.equal(error.errorType, "timeout");
    assert.match(error.message, /query timed out in expression evaluation/);
  });

  test("a 200 that is not JSON, or not a Prometheus answer, is response", async () => {
    const { api: html } = await api((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html><body>Grafana</body></html>");
    });
    const error = await failure(() => html.query("up", Date.now()), "response");
    assert.match(error.message, /not JSON: Grafana/);

    const { api: shape } = await api((_req, res) =>
      json(res, 200, success({ resultType: "vector", result: [{ metric: {}, value: "x" }] })),
    );
    await failure(() => shape.query("up", Date.now()), "response");

    const { api: word } = await api((_req, res) =>
      json(res, 200, success({ resultType: "scalar", result: [1, "twelve"] })),
    );
    const bad = await failure(() => word.query("up", Date.now()), "response");
    assert.match(bad.message, /"twelve" is not a number/);
  });

  test("a response larger than the limit is response, with or without Content-Length", async () => {
    const big = JSON.stringify(
      success({
        resultType: "vector",
        result: Array.from({ length: 3000 }, (_, i) => ({
          metric: { __name__: "x", i: String(i), pad: "p".repeat(300) },
          value: [1, "1"],
        })),
      }),
    );
    assert.ok(big.length > 1024 * 1024);
    const { api: sized } = await api(
      (_req, res) => {
        res.writeHead(200, { "content-type": "application/json", "content-length": big.length });
        res.end(big);
      },
      {},
      { maxResponseBytes: 1024 * 1024 },
    );
    const declared = await failure(() => sized.query("x", Date.now()), "response");
    assert.match(declared.message, /larger than 1 MiB/);
    assert.match(declared.message, /aggregate/);

    const { api: streamed } = await api(
      async (_req, res) => {
        res.writeHead(200, { "content-type": "application/json" }); // chunked
        for (let i = 0; i < big.length; i += 64 * 1024) res.write(big.slice(i, i + 64 * 1024));
        res.end();
      },
      {},
      { maxResponseBytes: 1024 * 1024 },
    );
    await failure(() => streamed.query("x", Date.now()), "response");
  });

  test("more series than the limit is response", async () => {
    const { api: client } = await api(
      (_req, res) =>
        json(
          res,
          200,
          success({
            resultType: "vector",
            result: Array.from({ length: 6 }, (_, i) => ({
              metric: { i: String(i) },
              value: [1, "1"],
            })),
          }),
        ),
      {},
      { maxSeries: 5 },
    );
    const error = await failure(() => client.query("x", Date.now()), "response");
    assert.match(error.message, /6 series, more than the limit of 5/);
  });
});

describe("PrometheusApi decoding", () => {
  test("NaN, +Inf and -Inf in vectors, scalars and matrices", async () => {
    const { api: client } = await api((req, res, body) => {
      const form = new URLSearchParams(body);
      if (req.url?.includes("query_range")) {
        json(
          res,
          200,
          success({
            resultType: "matrix",
            result: [
              {
                metric: { __name__: "m", a: "1" },
                values: [
                  [1.5, "NaN"],
                  [2, "+Inf"],
                  [2.5, "-Inf"],
                  [3, "1e+21"],
                ],
              },
            ],
          }),
        );
      } else if (form.get("query") === "s") {
        json(res, 200, success({ resultType: "scalar", result: [1.001, "-Inf"] }));
      } else {
        json(
          res,
          200,
          success({
            resultType: "vector",
            result: [
              { metric: { __name__: "v", k: "nan" }, value: [1, "NaN"] },
              { metric: { k: "pos" }, value: [1, "+Inf"] },
              { metric: { k: "neg" }, value: [1, "-Inf"] },
              { metric: { k: "num" }, value: [1, "-0.25"] },
            ],
          }),
        );
      }
    });
    const samples = vector(await client.query("v", 1000));
    assert.deepEqual(samples, [
      { labels: { __name__: "v", k: "nan" }, value: Number.NaN },
      { labels: { k: "pos" }, value: Number.POSITIVE_INFINITY },
      { labels: { k: "neg" }, value: Number.NEGATIVE_INFINITY },
      { labels: { k: "num" }, value: -0.25 },
    ]);
    assert.deepEqual(await client.query("s", 1000), {
      kind: "scalar",
      value: Number.NEGATIVE_INFINITY,
    });
    assert.deepEqual(await client.queryRange("m", { startMs: 1500, endMs: 3000, stepMs: 500 }), [
      {
        labels: { __name__: "m", a: "1" },
        points: [
          [1500, Number.NaN],
          [2000, Number.POSITIVE_INFINITY],
          [2500, Number.NEGATIVE_INFINITY],
          [3000, 1e21],
        ],
      },
    ]);
  });

  test("warnings and infos go to onWarnings; the result is still returned", async () => {
    const notes: RemoteWarnings[] = [];
    const { api: client } = await api(
      (_req, res) =>
        json(
          res,
          200,
          success(
            { resultType: "scalar", result: [1, "3"] },
            {
              warnings: ["store gateway unavailable: partial response"],
              infos: ["metric might not be a counter"],
            },
          ),
        ),
      {},
      { onWarnings: (n) => notes.push(n) },
    );
    assert.deepEqual(await client.query("3", 1000), { kind: "scalar", value: 3 });
    assert.deepEqual(notes, [
      {
        remote: "prom",
        promql: "3",
        warnings: ["store gateway unavailable: partial response"],
        infos: ["metric might not be a counter"],
      },
    ]);
  });
});

describe("PrometheusApi.check", () => {
  test("without buildinfo (VictoriaMetrics, Thanos) it falls back to a query of 1", async () => {
    const { api: client, stub: s } = await api((req, res) => {
      if (req.url?.startsWith("/api/v1/status/buildinfo")) {
        res.writeHead(404);
        res.end("404 page not found");
      } else json(res, 200, success({ resultType: "scalar", result: [1, "1"] }));
    });
    const result = await client.check();
    assert.equal(result.ok, true, result.message);
    assert.equal(result.version, undefined);
    assert.equal(new URLSearchParams(s.requests[1]?.body).get("query"), "1");
  });

  test("an unreachable or refusing server is not ok, with the reason; it never throws", async () => {
    const s = await stub(() => {});
    await s.close();
    const down = await new PrometheusApi(remote({ url: s.url })).check();
    assert.equal(down.ok, false);
    assert.match(down.message ?? "", /ECONNREFUSED/);

    const { api: client } = await api(
      (_req, res) => {
        res.writeHead(403);
        res.end("forbidden");
      },
      { bearer_token: "tok-tok-tok-tok" },
    );
    const refused = await client.check();
    assert.equal(refused.ok, false);
    assert.match(refused.message ?? "", /HTTP 403/);
  });
});
