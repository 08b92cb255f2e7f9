/**
 * A real Prometheus scraping a real node_exporter (and itself), for tests of the remote
 * PromQL back-end. Both run as child processes on random free ports of 127.0.0.1, with a
 * generated prometheus.yml (scrape_interval 1s) and a temp dir for the TSDB:
 *
 *   const skip = prometheusSkipReason();
 *   describe("against Prometheus", { skip }, () => {
 *     let prom: PrometheusFixture;
 *     before(async () => { prom = await startPrometheus(); });
 *     after(() => prom?.stop());
 *     test("up", async () => { ... prom.url ... });
 *   });
 *
 * The binaries come from Debian's `prometheus` and `prometheus-node-exporter` packages
 * (.ci/run installs them): /usr/bin/prometheus and /usr/bin/prometheus-node-exporter, or
 * `prometheus` / `node_exporter` on PATH, or UNYO_TEST_PROMETHEUS_BIN /
 * UNYO_TEST_NODE_EXPORTER_BIN. Without them the suite is skipped with a message — except
 * under CI (process.env.CI set), where it runs and fails loudly.
 *
 * Start-up takes about 6 s: Prometheus hands new targets to its scrapers only every 5 s.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

export interface PrometheusFixture {
  /** Prometheus' base URL, e.g. http://127.0.0.1:41234 (as `metrics.remote[].url`). */
  readonly url: string;
  /** node_exporter's base URL; its metrics are at `${nodeExporterUrl}/metrics`. */
  readonly nodeExporterUrl: string;
  /** node_exporter's "host:port", the `instance` label of its series. */
  readonly nodeExporterInstance: string;
  /**
   * Waits until the instant query `promql` (at the current time) returns a non-empty vector
   * or a scalar, for expressions that need more than one scrape (rate, count_over_time).
   */
  waitFor(promql: string, timeoutMs?: number): Promise<void>;
  /** Stops both processes and removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

/** The binaries, or undefined when one is missing. */
export function findPrometheusBinaries(): { prometheus: string; nodeExporter: string } | undefined {
  const prometheus = findBinary(process.env.UNYO_TEST_PROMETHEUS_BIN, ["prometheus"]);
  const nodeExporter = findBinary(process.env.UNYO_TEST_NODE_EXPORTER_BIN, [
    "prometheus-node-exporter",
    "node_exporter",
  ]);
  return prometheus && nodeExporter ? { prometheus, nodeExporter } : undefined;
}

/**
 * A reason to skip the suite (binaries missing, not under CI), or undefined to run it. Under
 * CI it is always undefined, so a missing binary fails the run instead of hiding tests.
 */
export function prometheusSkipReason(): string | undefined {
  if (findPrometheusBinaries() || process.env.CI) return undefined;
  return (
    "prometheus and prometheus-node-exporter are not installed " +
    "(apt-get install prometheus prometheus-node-exporter, or set UNYO_TEST_PROMETHEUS_BIN and " +
    "UNYO_TEST_NODE_EXPORTER_BIN)"
  );
}

const START_TIMEOUT_MS = 30_000;

/** Starts node_exporter and Prometheus; resolves once `up{job="node"} == 1` is queryable. */
export async function startPrometheus(): Promise<PrometheusFixture> {
  const bins = findPrometheusBinaries();
  if (!bins) {
    throw new Error(
      "cannot start the Prometheus test pair: prometheus and prometheus-node-exporter are not " +
        "installed (apt-get install prometheus prometheus-node-exporter)",
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "unyo-prometheus-"));
  const children: Managed[] = [];
  const killAll = () => {
    for (const child of children) child.process.kill("SIGKILL");
  };
  // Never leave processes behind, even when the test run itself dies.
  process.once("exit", killAll);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener("exit", killAll);
    await Promise.all(children.map((child) => terminate(child)));
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const exporter = await startWithFreePort(children, async (port) => ({
      name: "node_exporter",
      command: bins.nodeExporter,
      args: [
        `--web.listen-address=127.0.0.1:${port}`,
        // Only a few light collectors: enough for CPU, memory and load queries.
        "--collector.disable-defaults",
        "--collector.cpu",
        "--collector.loadavg",
        "--collector.meminfo",
        "--log.level=warn",
      ],
      readyUrl: `http://127.0.0.1:${port}/metrics`,
    }));
    const nodeExporterInstance = `127.0.0.1:${exporter.port}`;

    const prometheus = await startWithFreePort(children, async (port) => {
      const config = join(dir, "prometheus.yml");
      writeFileSync(
        config,
        [
          "global:",
          "  scrape_interval: 1s",
          "  scrape_timeout: 1s",
          "  evaluation_interval: 1s",
          "scrape_configs:",
          "  - job_name: node",
          "    static_configs:",
          `      - targets: ["${nodeExporterInstance}"]`,
          "  - job_name: prometheus",
          "    static_configs:",
          `      - targets: ["127.0.0.1:${port}"]`,
          "",
        ].join("\n"),
      );
      return {
        name: "prometheus",
        command: bins.prometheus,
        args: [
          `--config.file=${config}`,
          `--storage.tsdb.path=${join(dir, "data")}`,
          `--web.listen-address=127.0.0.1:${port}`,
          "--log.level=warn",
        ],
        readyUrl: `http://127.0.0.1:${port}/-/ready`,
      };
    });

    const url = `http://127.0.0.1:${prometheus.port}`;
    const waitFor = (promql: string, timeoutMs = START_TIMEOUT_MS) =>
      waitForResult(url, promql, timeoutMs, prometheus);
    await waitFor('up{job="node"} == 1');
    return {
      url,
      nodeExporterUrl: `http://${nodeExporterInstance}`,
      nodeExporterInstance,
      waitFor,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface Spec {
  name: string;
  command: string;
  args: string[];
  readyUrl: string;
}

interface Managed {
  name: string;
  port: number;
  process: ChildProcess;
  /** The last few KiB of its output, for error messages. */
  output(): string;
  exited: Promise<number | null>;
}

/** Starts a server on a free port; retries with another port if it exits at once (a race). */
async function startWithFreePort(
  children: Managed[],
  make: (port: number) => Promise<Spec>,
): Promise<Managed> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const spec = await make(port);
    const child = launch(spec, port);
    children.push(child);
    try {
      await waitReady(spec, child);
      return child;
    } catch (error) {
      lastError = error;
      await terminate(child);
      children.splice(children.indexOf(child), 1);
    }
  }
  throw lastError;
}

function launch(spec: Spec, port: number): Managed {
  const child = spawn(spec.command, spec.args, { stdio: ["ignore", "pipe", "pipe"] });
  let tail = "";
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString("utf8")).slice(-8192);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.once("error", (error) => {
      keep(Buffer.from(`cannot run ${spec.command}: ${error.message}\n`));
      resolve(null);
    });
  });
  return { name: spec.name, port, process: child, output: () => tail, exited };
}

async function waitReady(spec: Spec, child: Managed): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(`${spec.name} exited during start-up:\n${child.output()}`);
    }
    try {
      const response = await fetch(spec.readyUrl, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(
    `${spec.name} did not answer ${spec.readyUrl} within ${START_TIMEOUT_MS} ms:\n${child.output()}`,
  );
}

async function waitForResult(
  url: string,
  promql: string,
  timeoutMs: number,
  prometheus: Managed,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/api/v1/query`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ query: promql }).toString(),
        signal: AbortSignal.timeout(2000),
      });
      last = await response.text();
      const body = JSON.parse(last) as {
        data?: { resultType?: string; result?: unknown[] };
      };
      if (body.data?.resultType === "scalar") return;
      if (body.data?.result?.length) return;
    } catch (error) {
      last = String(error);
    }
    await sleep(200);
  }
  throw new Error(
    `Prometheus at ${url} had no result for ${promql} within ${timeoutMs} ms; last answer: ${last}\n` +
      `Prometheus output:\n${prometheus.output()}`,
  );
}

async function terminate(child: Managed): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill("SIGTERM");
  const timer = setTimeout(() => child.process.kill("SIGKILL"), 5000);
  await child.exited;
  clearTimeout(timer);
}

/** A port that was free a moment ago (the kernel's choice for port 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function findBinary(override: string | undefined, names: string[]): string | undefined {
  if (override) return isExecutable(override) ? override : undefined;
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), "/usr/bin"];
  for (const name of names) {
    for (const dir of dirs) {
      const path = join(dir, name);
      if (isExecutable(path)) return path;
    }
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
