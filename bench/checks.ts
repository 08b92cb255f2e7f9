/**
 * Check-engine benchmark (npm run bench:checks): Unyo running N HTTP checks every 20 s
 * against a local target, measured from outside like the Uptime Kuma figures in issue #4:
 * CPU (% of one core), RSS, disk writes (/proc/<pid>/io write_bytes), store growth (database
 * files), and how late runs start against their slot (unyo_check_start_lag_seconds).
 *
 *   npm run bench:checks -- [--loads 2000,10000] [--every 20s] [--warmup 60] [--window 120] [--json]
 *
 * The target runs in its own process so its CPU is not counted; it closes each connection
 * first (Connection: close) so TIME_WAIT sockets stay on its side.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const { values } = parseArgs({
  options: {
    loads: { type: "string", default: "2000,10000" },
    every: { type: "string", default: "20s" },
    warmup: { type: "string", default: "60" },
    window: { type: "string", default: "120" },
    json: { type: "boolean", default: false },
  },
});
const TICKS = 100; // USER_HZ on Linux
const PAGE = 4096;

const TARGET = `
const http = require("node:http");
const body = JSON.stringify({ status: "healthy", database: "connected" });
const server = http.createServer((req, res) => {
  res.writeHead(200, { "content-type": "application/json", connection: "close" });
  res.end(body);
});
server.listen(0, "127.0.0.1", () => process.stdout.write(server.address().port + "\\n"));
`;

function say(text: string): void {
  if (!values.json) process.stderr.write(text);
}

function waitForLine(
  child: ChildProcess,
  stream: "stdout" | "stderr",
  pattern: RegExp,
  ms = 60_000,
): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${pattern}: ${text.slice(-500)}`)),
      ms,
    );
    child[stream]?.on("data", (d: Buffer) => {
      text += d.toString();
      const m = pattern.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
  });
}

function procStat(pid: number) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const io = Object.fromEntries(
    readFileSync(`/proc/${pid}/io`, "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split(": ") as [string, string]),
  );
  return {
    cpuTicks: Number(fields[11]) + Number(fields[12]), // utime + stime
    rssBytes: Number(fields[21]) * PAGE,
    writeBytes: Number(io.write_bytes ?? 0),
  };
}

/**
 * Bytes the database holds in use: (pages − free pages) × page size, read through SQLite so
 * pages still in the WAL count and space SQLite reuses does not. File sizes would hide
 * growth for minutes (the WAL is preallocated, the file grows in steps).
 */
function storeBytes(dir: string): number {
  const path = join(dir, "unyo.db");
  if (!existsSync(path)) return 0;
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const one = (pragma: string) =>
      Number(Object.values(db.prepare(`pragma ${pragma}`).get() ?? {})[0] ?? 0);
    return (one("page_count") - one("freelist_count")) * one("page_size");
  } finally {
    db.close();
  }
}

/** Cumulative counts of unyo_check_start_lag_seconds buckets. */
async function lagBuckets(url: string): Promise<Map<number, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<number, number>();
  for (const m of text.matchAll(/^unyo_check_start_lag_seconds_bucket\{le="([^"]+)"\} (\d+)/gm)) {
    out.set(m[1] === "+Inf" ? Number.POSITIVE_INFINITY : Number(m[1]), Number(m[2]));
  }
  return out;
}

/** A quantile from the change of cumulative bucket counts, interpolated within the bucket. */
function quantile(
  before: Map<number, number>,
  after: Map<number, number>,
  q: number,
): number | null {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total =
    (after.get(Number.POSITIVE_INFINITY) ?? 0) - (before.get(Number.POSITIVE_INFINITY) ?? 0);
  if (total <= 0) return null;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (const b of bounds) {
    const count = (after.get(b) ?? 0) - (before.get(b) ?? 0);
    if (count >= rank) {
      if (!Number.isFinite(b)) return prevBound;
      const inBucket = count - prevCount;
      return prevBound + (inBucket > 0 ? ((rank - prevCount) / inBucket) * (b - prevBound) : 0);
    }
    prevBound = b;
    prevCount = count;
  }
  return null;
}

async function runLoad(checks: number) {
  const dir = join(ROOT, ".bench", `checks-${checks}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const target = spawn(process.execPath, ["-e", TARGET], { stdio: ["ignore", "pipe", "inherit"] });
  const [port] = await waitForLine(target, "stdout", /\d+/);
  const lines = ["security:", "  public_metrics: true", "checks:"];
  for (let i = 0; i < checks; i++) {
    lines.push(
      `  - { id: c${i}, every: ${values.every}, timeout: 5s, http: { url: "http://127.0.0.1:${port}/health?i=${i}" }, expect: ["status == 200", 'body.status == "healthy"'] }`,
    );
  }
  const config = join(dir, "unyo.yaml");
  writeFileSync(config, `${lines.join("\n")}\n`);
  const unyo = spawn(
    process.execPath,
    [
      "--max-semi-space-size=2",
      "--optimize-for-size",
      "bin/unyo.js",
      "up",
      "--config",
      config,
      "--port",
      "0",
      "--data-dir",
      dir,
    ],
    {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, UNYO_LOG_LEVEL: "error" },
    },
  );
  try {
    const [, url] = await waitForLine(unyo, "stderr", /running at (http:\/\/[^\s]+?)\/?\n/);
    const base = url as string;
    const pid = unyo.pid as number;
    say(`${checks} checks every ${values.every}: warming up ${values.warmup} s…`);
    await new Promise((r) => setTimeout(r, Number(values.warmup) * 1000));
    const windowMs = Number(values.window) * 1000;
    const lag0 = await lagBuckets(base);
    const s0 = procStat(pid);
    const store0 = storeBytes(dir);
    const t0 = performance.now();
    let maxRss = s0.rssBytes;
    say(` measuring ${values.window} s…`);
    while (performance.now() - t0 < windowMs) {
      await new Promise((r) => setTimeout(r, 1000));
      maxRss = Math.max(maxRss, procStat(pid).rssBytes);
    }
    const s1 = procStat(pid);
    const store1 = storeBytes(dir);
    const metricsText = await (await fetch(`${base}/metrics`)).text();
    const gauge = (name: string) =>
      Number(
        new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, "m").exec(metricsText)?.[1] ?? Number.NaN,
      );
    const heapUsedMB = Math.round((gauge("unyo_nodejs_heap_size_used_bytes") / 1e6) * 10) / 10;
    const externalMB = Math.round((gauge("unyo_nodejs_external_memory_bytes") / 1e6) * 10) / 10;
    const lag1 = await lagBuckets(base);
    const minutes = (performance.now() - t0) / 60_000;
    const starts =
      (lag1.get(Number.POSITIVE_INFINITY) ?? 0) - (lag0.get(Number.POSITIVE_INFINITY) ?? 0);
    const within1s = ((lag1.get(1) ?? 0) - (lag0.get(1) ?? 0)) / Math.max(1, starts);
    say(" done\n");
    return {
      checks,
      every: values.every,
      cpuPercentOfOneCore:
        Math.round(((s1.cpuTicks - s0.cpuTicks) / TICKS / (minutes * 60)) * 1000) / 10,
      rssMB: Math.round((s1.rssBytes / 1e6) * 10) / 10,
      maxRssMB: Math.round((maxRss / 1e6) * 10) / 10,
      heapUsedMB,
      externalMB,
      diskWritesMBPerMin: Math.round(((s1.writeBytes - s0.writeBytes) / 1e6 / minutes) * 100) / 100,
      storeGrowthMBPerMin: Math.round(((store1 - store0) / 1e6 / minutes) * 1000) / 1000,
      storeGrowthMBPerDay: Math.round(((store1 - store0) / 1e6 / minutes) * 1440 * 10) / 10,
      runsPerSecond: Math.round(starts / (minutes * 60)),
      startLagP50Ms: Math.round((quantile(lag0, lag1, 0.5) ?? 0) * 10000) / 10,
      startLagP99Ms: Math.round((quantile(lag0, lag1, 0.99) ?? 0) * 10000) / 10,
      startedWithin1s: Math.round(within1s * 10000) / 100,
    };
  } finally {
    unyo.kill("SIGTERM");
    target.kill("SIGKILL");
    await new Promise((r) => unyo.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
}

const KUMA = {
  cpuPercentOfOneCore: 51,
  rssMB: 376,
  diskWritesMBPerMin: 247,
  storeGrowthMBPerMin: 0.9,
};
const results = [];
for (const load of values.loads.split(",").map(Number)) results.push(await runLoad(load));

if (values.json) {
  console.log(
    JSON.stringify(
      { machine: `${cpus().length} × ${cpus()[0]?.model}`, node: process.version, results },
      null,
      2,
    ),
  );
} else {
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}`);
  for (const r of results) {
    console.log(`\n${r.checks} checks every ${r.every} (${r.runsPerSecond} runs/s)`);
    console.log(
      `  CPU          ${r.cpuPercentOfOneCore}% of one core   (Kuma at 2,000: ${KUMA.cpuPercentOfOneCore}%; target ≤ ${KUMA.cpuPercentOfOneCore / 3}%)`,
    );
    console.log(
      `  RSS          ${r.rssMB} MB (max ${r.maxRssMB})   (Kuma: ${KUMA.rssMB} MB; target ≤ ${KUMA.rssMB / 2} MB; at 10,000 < 300 MB)`,
    );
    console.log(
      `  disk writes  ${r.diskWritesMBPerMin} MB/min   (Kuma: ${KUMA.diskWritesMBPerMin}; target ≤ ${KUMA.diskWritesMBPerMin / 20})`,
    );
    console.log(
      `  store growth ${r.storeGrowthMBPerMin} MB/min = ${r.storeGrowthMBPerDay} MB/day   (Kuma: ${KUMA.storeGrowthMBPerMin}; target ≤ ${KUMA.storeGrowthMBPerMin / 5})`,
    );
    console.log(
      `  start lag    p50 ${r.startLagP50Ms} ms, p99 ${r.startLagP99Ms} ms, ${r.startedWithin1s}% within 1 s`,
    );
  }
}
