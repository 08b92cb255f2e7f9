/**
 * Start-up benchmark (npm run bench:startup): time from launching `unyo up` with the demo
 * config to /api/health answering 200, and resident memory once idle.
 * Targets (issue #2): under 1 s to healthy, under 120 MB idle RSS.
 *
 *   npm run bench:startup -- [--runs 10] [--idle-seconds 20] [--json]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "10" },
    "idle-seconds": { type: "string", default: "20" },
    json: { type: "boolean", default: false },
  },
});
const runs = Number(values.runs);
const idleSeconds = Number(values["idle-seconds"]);

interface Run {
  healthyMs: number;
  rssMb?: number;
}

async function startOnce(dataDir: string, idleMs: number): Promise<Run> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    // The same V8 flags as `npm start` and the bin/unyo.js shebang (small young generation,
    // heap tuned for size).
    [
      "--max-semi-space-size=2",
      "--optimize-for-size",
      "bin/unyo.js",
      "up",
      "--config",
      "examples/demo/unyo.yaml",
      "--port",
      "0",
      "--data-dir",
      dataDir,
    ],
    { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  try {
    let url: string | undefined;
    let healthyMs: number | undefined;
    while (healthyMs === undefined) {
      if (performance.now() - started > 10_000)
        throw new Error(`no health within 10 s:\n${stderr}`);
      url ??= /running at (http:\/\/\S+?)\/?\n/.exec(stderr)?.[1];
      if (url) {
        const res = await fetch(`${url}/api/health`).catch(() => undefined);
        if (res?.status === 200) healthyMs = performance.now() - started;
      }
      if (healthyMs === undefined) await new Promise((r) => setTimeout(r, 5));
    }
    if (idleMs === 0) return { healthyMs };
    await new Promise((r) => setTimeout(r, idleMs));
    const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
    const rssKb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
    return { healthyMs, rssMb: rssKb / 1024 };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("close", r));
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), "unyo-bench-"));
  dirs.push(d);
  return d;
};

try {
  const cold: number[] = [];
  const warm: number[] = [];
  const warmDir = fresh();
  await startOnce(warmDir, 0); // creates and migrates the store once
  for (let i = 0; i < runs; i++) {
    cold.push((await startOnce(fresh(), 0)).healthyMs);
    warm.push((await startOnce(warmDir, 0)).healthyMs);
    if (!values.json) process.stderr.write(`\rrun ${i + 1}/${runs}`);
  }
  if (!values.json) process.stderr.write(`\rmeasuring idle memory for ${idleSeconds} s…\n`);
  const idle = await startOnce(warmDir, idleSeconds * 1000);
  cold.sort((a, b) => a - b);
  warm.sort((a, b) => a - b);
  const result = {
    date: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}`,
    runs,
    coldStartMs: { p50: percentile(cold, 50), p90: percentile(cold, 90), max: cold.at(-1) },
    warmStartMs: { p50: percentile(warm, 50), p90: percentile(warm, 90), max: warm.at(-1) },
    idleRssMb: idle.rssMb,
    idleSeconds,
    targets: { startMs: 1000, idleRssMb: 120 },
  };
  const pass = (result.coldStartMs.max ?? Infinity) < 1000 && (idle.rssMb ?? Infinity) < 120;
  if (values.json) console.log(JSON.stringify({ ...result, pass }, null, 2));
  else {
    const f = (n: number | undefined) => (n === undefined ? "-" : n.toFixed(0));
    console.log(`machine      ${result.machine}`);
    console.log(
      `cold start   p50 ${f(result.coldStartMs.p50)} ms  p90 ${f(result.coldStartMs.p90)} ms  max ${f(result.coldStartMs.max)} ms  (new store: create + migrate)`,
    );
    console.log(
      `warm start   p50 ${f(result.warmStartMs.p50)} ms  p90 ${f(result.warmStartMs.p90)} ms  max ${f(result.warmStartMs.max)} ms`,
    );
    console.log(
      `idle RSS     ${idle.rssMb?.toFixed(1)} MB after ${idleSeconds} s with the demo checks running`,
    );
    console.log(pass ? "PASS: under 1 s and 120 MB" : "FAIL: a target was missed");
  }
  process.exitCode = pass ? 0 : 1;
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
