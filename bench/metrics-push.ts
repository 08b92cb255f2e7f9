/**
 * End-to-end push benchmark (part of npm run bench:metrics): a whole Unyo listening on a local
 * port with its SQLite store, fed by `POST /api/v1/push` over HTTP with Prometheus text — the
 * parse, the in-payload rules, the store's append and its once-a-minute flushes all count.
 * Two clients, each in its own worker thread (as separate pushers would be), send batches of
 * --batch samples (one per series, fresh timestamps) for --seconds; the figure is samples
 * stored per second of wall time.
 *
 * The store's own ingest figure (bench/metrics-ingest.ts) is the one the ≥ 100,000 samples/s
 * requirement is about; this one adds HTTP, auth and parsing, with the pushers on the same
 * two cores, and is reported beside it.
 *
 *   node bench/metrics-push.ts [--series 10000] [--batch 5000] [--seconds 20] [--json]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { createUnyo } from "../src/app.ts";
import { TokenService } from "../src/auth/tokens.ts";
import { loadConfigFile } from "../src/config/load.ts";
import { createLogger } from "../src/log/logger.ts";
import { openStore } from "../src/store/store.ts";

const { values } = parseArgs({
  options: {
    series: { type: "string", default: "10000" },
    batch: { type: "string", default: "5000" },
    seconds: { type: "string", default: "20" },
    json: { type: "boolean", default: false },
  },
});
const SERIES = Number(values.series);
const BATCH = Number(values.batch);
const SECONDS = Number(values.seconds);

interface ClientJob {
  url: string;
  token: string;
  /** The client's own series: [first, first + count). Two pushers never share a series. */
  first: number;
  count: number;
  deadline: number;
}
interface ClientTally {
  stored: number;
  refused: number;
  requests: number;
}

/** One pusher: batches of BATCH series in rotation, each sample stamped with the time. */
async function client({ url, token, first, count, deadline }: ClientJob): Promise<ClientTally> {
  const tally = { stored: 0, refused: 0, requests: 0 };
  let next = 0;
  while (Date.now() < deadline) {
    const now = Date.now();
    const lines: string[] = [];
    for (let i = 0; i < Math.min(BATCH, count); i++) {
      const s = first + (next++ % count);
      lines.push(`bench_value{host="h${s % 100}",series="${s}"} ${(s * 7919) % 1000} ${now}`);
    }
    const res = await fetch(`${url}/api/v1/push`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "text/plain" },
      body: `${lines.join("\n")}\n`,
    });
    const answer = (await res.json()) as { accepted: number; rejected: { count: number }[] };
    tally.stored += answer.accepted;
    tally.refused += answer.rejected.reduce((n, r) => n + r.count, 0);
    tally.requests++;
    // Same-millisecond batches would repeat timestamps; real pushers are seconds apart.
    await new Promise((r) => setTimeout(r, 1));
  }
  return tally;
}

if (!isMainThread) {
  parentPort?.postMessage(await client(workerData as ClientJob));
  process.exit(0);
}

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

const started = performance.now();
const deadline = Date.now() + SECONDS * 1000;
const tallies = await Promise.all(
  [0, Math.floor(SERIES / 2)].map(
    (first, i) =>
      new Promise<ClientTally>((resolve, reject) => {
        const worker = new Worker(new URL(import.meta.url), {
          workerData: {
            url,
            token,
            first,
            count: i === 0 ? Math.floor(SERIES / 2) : SERIES - Math.floor(SERIES / 2),
            deadline,
          } satisfies ClientJob,
          argv: process.argv.slice(2),
        });
        worker.once("message", resolve);
        worker.once("error", reject);
      }),
  ),
);
const stored = tallies.reduce((n, t) => n + t.stored, 0);
const refused = tallies.reduce((n, t) => n + t.refused, 0);
const requests = tallies.reduce((n, t) => n + t.requests, 0);
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
    `  ${result.samplesPerSecond.toLocaleString("en")} samples/s stored (the store alone: bench/metrics-ingest.ts); refused ${refused}`,
  );
  console.log(`  final flush ${result.finalFlushMs} ms; RSS ${result.rssMB} MB`);
}
