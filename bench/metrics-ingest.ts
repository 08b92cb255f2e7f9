/**
 * Metric store benchmark: how fast samples are appended, and how many bytes a series costs
 * per day in the database, through the same SeriesStore the server uses, on a ManualClock.
 *
 *   node bench/metrics-ingest.ts [--series 10000] [--every-s 60,15] [--hours 24] [--batch 10000]
 *
 * 1. append: batches of `--batch` samples (one per series) into a store that never flushes.
 * 2. sustained, for each `--every-s` interval: `--hours` simulated hours at one sample per
 *    series every interval, flushing
 *    every simulated minute into a fresh SQLite file; wall time includes the flushes. The
 *    database size (after a WAL checkpoint) divided by series and days is bytes/series/day
 *    (raw chunks, minute and hour rollups; the raw retention is longer than the run).
 * Series are a mix: a quarter each of constants (up), counters, 2-decimal gauges (percent)
 * and integer gauges moving by random steps (bytes).
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { sql } from "kysely";
import { ManualClock } from "../src/core/clock.ts";
import type { IngestSample } from "../src/metrics/series.ts";
import { SeriesStore } from "../src/metrics/store/series-store.ts";
import { openStore } from "../src/store/store.ts";

const { values } = parseArgs({
  options: {
    series: { type: "string", default: "10000" },
    "every-s": { type: "string", default: "60,15" },
    hours: { type: "string", default: "24" },
    batch: { type: "string", default: "10000" },
  },
});
const SERIES = Number(values.series);
const INTERVALS = String(values["every-s"])
  .split(",")
  .map((x) => Number(x) * 1000);
const HOURS = Number(values.hours);
const BATCH = Number(values.batch);
const DAY = 86_400_000;
const START = Date.UTC(2026, 9, 1);
const options = {
  retention: { raw: 7 * DAY, "1m": 30 * DAY, "1h": 400 * DAY },
  limits: { series: 10_000_000, series_per_metric: 10_000_000 },
};

let seed = 42;
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};

const labels = Array.from({ length: SERIES }, (_, i) => ({
  instance: `host-${String(i % 500).padStart(3, "0")}:9100`,
  job: "bench",
  series: String(i),
}));
const names = Array.from({ length: SERIES }, (_, i) => `bench_metric_${i % 40}`);
const state = Float64Array.from({ length: SERIES }, (_, i) => (i % 4 === 3 ? 4e9 : 50));

function nextValue(i: number): number {
  switch (i % 4) {
    case 0:
      return 1;
    case 1:
      state[i] = (state[i] as number) + Math.floor(random() * 100);
      return state[i] as number;
    case 2:
      state[i] = Math.min(100, Math.max(0, (state[i] as number) + (random() - 0.5) * 4));
      return Math.round((state[i] as number) * 100) / 100;
    default:
      state[i] = (state[i] as number) + Math.round((random() - 0.5) * 65536) * 4096;
      return state[i] as number;
  }
}

function batchAt(t: number, from: number, to: number): IngestSample[] {
  const out: IngestSample[] = [];
  for (let i = from; i < to; i++) {
    out.push({
      name: names[i] as string,
      labels: labels[i] as IngestSample["labels"],
      value: nextValue(i),
      timestampMs: t,
    });
  }
  return out;
}

// 1. Append only.
{
  const dir = mkdtempSync(join(tmpdir(), "unyo-bench-metrics-"));
  const store = await openStore({ kind: "sqlite", path: join(dir, "append.db") }, {});
  const clock = new ManualClock(START);
  const series = new SeriesStore({ db: store.db, clock, options });
  await series.open();
  const rounds = Math.max(20, Math.ceil(2_000_000 / SERIES));
  const batches: IngestSample[][] = [];
  for (let r = 0; r < rounds; r++) {
    for (let from = 0; from < SERIES; from += BATCH) {
      batches.push(batchAt(START + r * 15_000, from, Math.min(SERIES, from + BATCH)));
    }
  }
  clock.advance(rounds * 15_000);
  // Warm-up: create the series (first round), then time the rest.
  const per = Math.ceil(SERIES / BATCH);
  for (const b of batches.slice(0, per)) series.append(b);
  let n = 0;
  const started = performance.now();
  for (const b of batches.slice(per)) n += series.append(b).accepted;
  const ms = performance.now() - started;
  const heap = process.memoryUsage();
  console.log(
    `append: ${n} samples into ${SERIES} series in ${ms.toFixed(0)} ms = ${Math.round((n / ms) * 1000).toLocaleString("en")} samples/s (batches of ${BATCH}); heap ${(heap.heapUsed / 1e6).toFixed(0)} MB, rss ${(heap.rss / 1e6).toFixed(0)} MB, ${series.stats().bytesInMemory} chunk bytes in memory`,
  );
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

// 2. Sustained, with flushes, and the database size.
for (const EVERY of INTERVALS) {
  const dir = mkdtempSync(join(tmpdir(), "unyo-bench-metrics-"));
  const path = join(dir, "unyo.db");
  const store = await openStore({ kind: "sqlite", path }, {});
  const clock = new ManualClock(START);
  const series = new SeriesStore({ db: store.db, clock, options });
  await series.open();
  const before = sizeOf(path);
  const end = START + HOURS * 3_600_000;
  let samples = 0;
  let appendMs = 0;
  let flushMs = 0;
  let nextFlush = START + 60_000;
  const started = performance.now();
  for (let t = START; t < end; t += EVERY) {
    if (t - clock.now() > 0) clock.advance(t - clock.now());
    for (let from = 0; from < SERIES; from += BATCH) {
      const b = batchAt(t, from, Math.min(SERIES, from + BATCH));
      const a = performance.now();
      samples += series.append(b).accepted;
      appendMs += performance.now() - a;
    }
    while (nextFlush <= t + EVERY && nextFlush <= end) {
      clock.advance(nextFlush - clock.now());
      const f = performance.now();
      await series.flush();
      flushMs += performance.now() - f;
      nextFlush += 60_000;
    }
  }
  // The last hour is rolled up too: as a run that goes on would.
  clock.advance(end + 3 * 60_000 - clock.now());
  await series.stop();
  const wall = performance.now() - started;
  const heap = process.memoryUsage();
  await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(store.db);
  const tables = await sql<{ name: string; bytes: number; payload: number; unused: number }>`
    select name, sum(pgsize) as bytes, sum(payload) as payload, sum(unused) as unused
    from dbstat where name like 'metric_%' group by name`
    .execute(store.db)
    .catch(() => ({
      rows: [] as { name: string; bytes: number; payload: number; unused: number }[],
    }));
  const size = sizeOf(path) - before;
  const days = HOURS / 24;
  const stats = series.stats();
  console.log(
    `sustained: ${samples} samples (${SERIES} series every ${EVERY / 1000} s for ${HOURS} h) in ${(wall / 1000).toFixed(1)} s = ${Math.round((samples / wall) * 1000).toLocaleString("en")} samples/s incl. ${stats.flushes} flushes (append ${(appendMs / 1000).toFixed(1)} s, flush ${(flushMs / 1000).toFixed(1)} s); heap ${(heap.heapUsed / 1e6).toFixed(0)} MB, rss ${(heap.rss / 1e6).toFixed(0)} MB`,
  );
  console.log(
    `database: +${(size / 1e6).toFixed(1)} MB = ${Math.round(size / SERIES / days).toLocaleString("en")} bytes/series/day (${(size / samples).toFixed(2)} bytes/sample); blobs written ${(stats.bytesWritten / 1e6).toFixed(1)} MB`,
  );
  for (const t of tables.rows) {
    console.log(
      `  ${t.name}: ${(Number(t.bytes) / 1e6).toFixed(1)} MB = ${Math.round(Number(t.bytes) / SERIES / days).toLocaleString("en")} bytes/series/day (payload ${(Number(t.payload) / 1e6).toFixed(1)} MB, unused ${(Number(t.unused) / 1e6).toFixed(1)} MB)`,
    );
  }
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

function sizeOf(path: string): number {
  let total = 0;
  for (const file of [path, `${path}-wal`]) {
    try {
      total += statSync(file).size;
    } catch {}
  }
  return total;
}
