/**
 * History size benchmark (npm run bench:history): the database after a simulated 30 days
 * of 1,000 checks at 1-minute intervals (43.2 million results), through the same
 * CheckHistory code the server uses, on a ManualClock — so it takes about a minute, not a
 * month. Reports the size of every table, bytes per result and the time taken.
 *
 *   npm run bench:history -- [--checks 1000] [--days 30] [--every-s 60] [--json]
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { sql } from "kysely";
import { CheckHistory } from "../src/checks/history/history.ts";
import { HistoryReader } from "../src/checks/history/history-reader.ts";
import type { Outcome } from "../src/checks/history/sample-codec.ts";
import { ManualClock } from "../src/core/clock.ts";
import { createLogger } from "../src/log/logger.ts";
import { openStore } from "../src/store/store.ts";

const { values } = parseArgs({
  options: {
    checks: { type: "string", default: "1000" },
    days: { type: "string", default: "30" },
    "every-s": { type: "string", default: "60" },
    json: { type: "boolean", default: false },
  },
});
const CHECKS = Number(values.checks);
const DAYS = Number(values.days);
const EVERY = Number(values["every-s"]) * 1000;
const DAY = 86_400_000;
const FLUSH_EVERY = 60 * 60_000; // simulated; the size does not depend on it

const dir = mkdtempSync(join(tmpdir(), "unyo-bench-history-"));
const path = join(dir, "unyo.db");
const store = await openStore({ kind: "sqlite", path }, {});
const clock = new ManualClock(Date.UTC(2026, 9, 1));
const log = createLogger({ level: "error" });
const history = new CheckHistory(store.db, clock, log, {
  flushIntervalMs: FLUSH_EVERY,
  rawRetentionMs: 7 * DAY,
  hourlyRetentionMs: 400 * DAY,
  dailyRetentionMs: 400 * DAY,
});

// Deterministic pseudo-random latencies: log-normal around ~40 ms, 0.3% failures.
let seed = 42;
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const latency = () =>
  Math.round(
    Math.exp(
      3.6 + 0.5 * Math.sqrt(-2 * Math.log(random() + 1e-9)) * Math.cos(2 * Math.PI * random()),
    ),
  );
const ids = Array.from({ length: CHECKS }, (_, i) => `check-${String(i).padStart(4, "0")}`);

const started = performance.now();
const end = clock.now() + DAYS * DAY;
let results = 0;
let nextFlush = clock.now() + FLUSH_EVERY;
for (let t = clock.now(); t < end; t += EVERY) {
  clock.advance(t - clock.now());
  for (let i = 0; i < CHECKS; i++) {
    const failed = random() < 0.003;
    const outcome: Outcome = failed ? "timeout" : "ok";
    const id = ids[i] as string;
    // Spread the checks over the interval like the scheduler does.
    const at = t + Math.floor((i / CHECKS) * EVERY);
    history.record({
      checkId: id,
      at,
      durationMs: failed ? 10_000 : latency(),
      outcome,
      message: failed ? "no complete response within 10000 ms" : null,
    });
    results++;
  }
  if (t >= nextFlush) {
    await history.flush();
    nextFlush += FLUSH_EVERY;
    if (!values.json && (t - Date.UTC(2026, 9, 1)) % DAY < EVERY) {
      process.stderr.write(`\rday ${Math.round((t - Date.UTC(2026, 9, 1)) / DAY)}/${DAYS}…`);
    }
  }
}
clock.advance(end + 3_600_000 - clock.now());
await history.flush();
await history.prune();
const simulateMs = performance.now() - started;

const reader = new HistoryReader(store.db, clock, history);
const q0 = performance.now();
const summaries = await reader.summaries(ids);
const listMs = performance.now() - q0;
const q1 = performance.now();
await reader.recent(ids[0] as string, 100);
const recentMs = performance.now() - q1;

await sql`vacuum`.execute(store.db);
// Rows per table (node:sqlite is built without the dbstat table, so no per-table bytes).
const tables: Record<string, { rows: number }> = {};
for (const table of ["check_samples", "check_rollups", "check_failures", "check_events"]) {
  const rows = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(
    store.db,
  );
  tables[table] = { rows: Number(rows.rows[0]?.n ?? 0) };
}
await store.close();
const fileBytes = statSync(path).size;
rmSync(dir, { recursive: true, force: true });

const report = {
  checks: CHECKS,
  days: DAYS,
  everySeconds: EVERY / 1000,
  results,
  databaseMB: Math.round((fileBytes / 1e6) * 10) / 10,
  bytesPerResult: Math.round((fileBytes / results) * 100) / 100,
  tables,
  simulateSeconds: Math.round(simulateMs / 100) / 10,
  listSummariesMs: Math.round(listMs),
  recent100Ms: Math.round(recentMs),
  uptimeSample: summaries.get(ids[0] as string)?.["30d"],
};
if (values.json) console.log(JSON.stringify(report, null, 2));
else {
  process.stderr.write("\n");
  console.log(
    `${CHECKS} checks × ${DAYS} days every ${EVERY / 1000}s = ${results.toLocaleString("en")} results`,
  );
  console.log(`database     ${report.databaseMB} MB (${report.bytesPerResult} bytes per result)`);
  for (const [name, t] of Object.entries(tables)) {
    console.log(`  ${name.padEnd(15)} ${String(t.rows).padStart(10)} rows`);
  }
  console.log(
    `simulated in ${report.simulateSeconds} s; 24h/7d/30d for all checks in ${listMs.toFixed(0)} ms; 100 latest results in ${recentMs.toFixed(0)} ms`,
  );
}
