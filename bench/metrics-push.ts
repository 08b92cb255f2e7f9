/**
 * End-to-end push benchmark (part of npm run bench:metrics): a whole Unyo listening on a local
 * port with its SQLite store, fed by `POST /api/v1/push` over HTTP with Prometheus text — the
 * parse, the in-payload rules, the store's append and its once-a-minute flushes all count.
 * Two clients send batches of --batch samples (one per series, fresh timestamps) for
 * --seconds; the figure is samples stored per second of wall time.
 *
 *   node bench/metrics-push.ts [--series 10000] [--batch 10000] [--seconds 20] [--json]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createUnyo } from "../src/app.ts";
import { TokenService } from "../src/auth/tokens.ts";
import { loadConfigFile } from "../src/config/load.ts";
import { createLogger } from "../src/log/logger.ts";
import { openStore } from "../src/store/store.ts";

const { values } = parseArgs({
  options: {
    series: { type: "string", default: "10000" },
    batch: { type: "string", default: "10000" },
    seconds: { type: "string", default: "20" },
    json: { type: "boolean", default: false },
  },
});
const SERIES = Number(values.series);
const BATCH = Number(values.batch);
const SECONDS = Number(values.seconds);

const dir = mkdtempSync(join(tmpdir(), "unyo-bench-push-"));
const configPath = join(dir, "unyo.yaml");
writeFileSync(
  configPath,
  "server: { port: 0 }\nmetrics: { host: { enabled: false }, checks: false }\n",
);
const loaded = await loadConfigFile(configPath, {});
if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
const store = await openStore({ kind: "sqlite", path: join(dir, "unyo.db") }, {});
const unyo = await createUnyo({
  loaded: loaded.value,
  env: {},
  store,
  log: createLogger({ level: "error" }),
});
const url = await unyo.app.listen({ host: "127.0.0.1", port: 0 });
await unyo.start(url);
const { token } = await new TokenService(store.db, unyo.runtime.clock).create({
  name: "bench",
  role: "operator",
});

let next = 0;
/** One batch: BATCH series in rotation, each with the current time as timestamp. */
function body(): string {
  const now = Date.now();
  const lines: string[] = [];
  for (let i = 0; i < BATCH; i++) {
    const s = next++ % SERIES;
    lines.push(`bench_value{host="h${s % 100}",series="${s}"} ${(s * 7919) % 1000} ${now}`);
  }
  return `${lines.join("\n")}\n`;
}

let stored = 0;
let refused = 0;
let requests = 0;
const started = performance.now();
const deadline = started + SECONDS * 1000;
async function client(): Promise<void> {
  while (performance.now() < deadline) {
    const res = await fetch(`${url}/api/v1/push`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "text/plain" },
      body: body(),
    });
    const answer = (await res.json()) as { accepted: number; rejected: { count: number }[] };
    stored += answer.accepted;
    refused += answer.rejected.reduce((n, r) => n + r.count, 0);
    requests++;
    // Same-millisecond batches would repeat timestamps; real pushers are seconds apart.
    await new Promise((r) => setTimeout(r, 1));
  }
}
await Promise.all([client(), client()]);
const seconds = (performance.now() - started) / 1000;
const flushStart = performance.now();
await unyo.stop();
const finalFlushMs = performance.now() - flushStart;
rmSync(dir, { recursive: true, force: true });

const result = {
  series: SERIES,
  batch: BATCH,
  seconds: Math.round(seconds * 10) / 10,
  requests,
  samplesStored: stored,
  samplesRefused: refused,
  samplesPerSecond: Math.round(stored / seconds),
  finalFlushMs: Math.round(finalFlushMs),
  rssMB: Math.round(process.memoryUsage().rss / 1048576),
};
if (values.json) console.log(JSON.stringify(result));
else {
  console.log(`push over HTTP: ${requests} requests of ${BATCH} samples in ${result.seconds} s`);
  console.log(
    `  ${result.samplesPerSecond.toLocaleString("en")} samples/s stored (target ≥ 100,000); refused ${refused}`,
  );
  console.log(`  final flush ${result.finalFlushMs} ms; RSS ${result.rssMB} MB`);
}
if (result.samplesPerSecond < 100_000) process.exitCode = 1;
