/**
 * Rule evaluation benchmark (part of npm run bench:metrics): one evaluation round of 1,000
 * rules over 10,000 series in the real embedded store (SQLite file, the last 30 minutes of
 * samples at 15 s in memory, as after half an hour of running), through the same RuleService
 * the server uses — query, state machine, event bus, batched state writes included.
 *
 * The rules are a realistic mix, ten matched series each:
 *   40% avg(x{group="gN"}[5m])        gauges, warning/critical/recover
 *   20% rate(c{group="gN"}[5m])       counters
 *   20% p95(x{group="gN"}[5m])        percentiles
 *   10% max by (instance) (x{…})      instant selector + aggregation
 *   10% 100 * sum(rate(c{…,status=~"5.."}[5m])) / sum(rate(c{…}[5m]))   ratios
 * About a tenth of the series sit above their warning level, so alerts fire and are written.
 *
 *   node bench/rules-eval.ts [--rules 1000] [--series 10000] [--rounds 5] [--json]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { RuleConfig } from "../src/config/rules-schema.ts";
import { ManualClock } from "../src/core/clock.ts";
import { EventBus } from "../src/core/events.ts";
import { createLogger } from "../src/log/logger.ts";
import type { IngestSample } from "../src/metrics/series.ts";
import { SeriesStore } from "../src/metrics/store/series-store.ts";
import { RuleRepository } from "../src/rules/rule-repository.ts";
import { RuleService } from "../src/rules/rule-service.ts";
import { openStore } from "../src/store/store.ts";

const { values } = parseArgs({
  options: {
    rules: { type: "string", default: "1000" },
    series: { type: "string", default: "10000" },
    rounds: { type: "string", default: "5" },
    json: { type: "boolean", default: false },
  },
});
const RULES = Number(values.rules);
const SERIES = Number(values.series);
const ROUNDS = Number(values.rounds);
const PER_GROUP = 10;
const GROUPS = Math.ceil(SERIES / PER_GROUP);
const STEP = 15_000;
const HISTORY = 30 * 60_000;
const DAY = 86_400_000;
const START = Date.UTC(2026, 10, 23, 9);

let seed = 7;
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};

const dir = mkdtempSync(join(tmpdir(), "unyo-bench-rules-"));
const store = await openStore({ kind: "sqlite", path: join(dir, "unyo.db") }, {});
const clock = new ManualClock(START);
const log = createLogger({ level: "error" });
const series = new SeriesStore({
  db: store.db,
  clock,
  log,
  options: {
    retention: { raw: 7 * DAY, "1m": 30 * DAY, "1h": 400 * DAY },
    limits: { series: 1_000_000, series_per_metric: 1_000_000 },
  },
});
await series.open();

// Half the series are gauges (bench_cpu_percent), half counters (bench_requests_total with
// a status label so ratios have a numerator), ten per group.
const counters = new Float64Array(SERIES);
const hot = (i: number) => i % 10 === 3; // ~10% above warning
function scrape(ms: number): IngestSample[] {
  const out: IngestSample[] = [];
  for (let i = 0; i < SERIES; i++) {
    const group = `g${Math.floor(i / PER_GROUP) % GROUPS}`;
    const instance = `host-${i % PER_GROUP}`;
    if (i % 2 === 0) {
      const value = (hot(i) ? 80 : 40) + random() * 10;
      out.push({ name: "bench_cpu_percent", labels: { group, instance }, value, timestampMs: ms });
    } else {
      counters[i] = (counters[i] ?? 0) + (hot(i) ? 200 : 20) * random();
      const status = i % 20 === 1 ? "500" : "200";
      out.push({
        name: "bench_requests_total",
        labels: { group, instance, status },
        value: counters[i] ?? 0,
        timestampMs: ms,
      });
    }
  }
  return out;
}

const t0 = performance.now();
for (let ms = START - HISTORY; ms <= START; ms += STEP) {
  clock.advance(ms - clock.now());
  series.append(scrape(ms));
}
const loadMs = performance.now() - t0;

function rule(i: number): RuleConfig {
  const g = `g${i % GROUPS}`;
  const base = {
    id: `rule-${i}`,
    every: 60_000,
    for: 0,
    keep_firing_for: 0,
    no_data: "keep" as const,
    labels: {},
    annotations: { summary: '{{ $labels.instance }}: {{ $value | printf "%.1f" }}' },
    paused: false,
  };
  const kind = i % 10;
  if (kind < 4)
    return {
      ...base,
      expr: `avg(bench_cpu_percent{group="${g}"}[5m])`,
      warning: "> 70",
      critical: "> 90",
      recover: "< 60",
    };
  if (kind < 6)
    return { ...base, expr: `rate(bench_requests_total{group="${g}"}[5m])`, warning: "> 5" };
  if (kind < 8)
    return { ...base, expr: `p95(bench_cpu_percent{group="${g}"}[5m])`, warning: "> 85" };
  if (kind < 9)
    return {
      ...base,
      expr: `max by (instance) (bench_cpu_percent{group="${g}"})`,
      warning: "> 75",
    };
  return {
    ...base,
    expr: `100 * sum(rate(bench_requests_total{group="${g}", status=~"5.."}[5m])) / sum(rate(bench_requests_total{group="${g}"}[5m]))`,
    warning: "> 1",
  };
}

const bus = new EventBus();
let transitions = 0;
bus.on("alert.transition", () => transitions++);
const rules = new RuleService({
  repository: new RuleRepository(store.db),
  reader: series,
  remote: () => undefined,
  clock,
  log,
  bus,
});
await rules.apply(Array.from({ length: RULES }, (_, i) => rule(i)));

const rounds: number[] = [];
let seriesSeen = 0;
for (let r = 0; r < ROUNDS; r++) {
  const at = START + r * 60_000;
  clock.advance(at - clock.now());
  if (r > 0) for (let ms = at - 60_000 + STEP; ms <= at; ms += STEP) series.append(scrape(ms));
  const started = performance.now();
  await rules.evaluateAll(at);
  await rules.flush();
  rounds.push(performance.now() - started);
  if (r === 0) seriesSeen = rules.list().reduce((n, v) => n + (v.status?.series ?? 0), 0);
}
/** Live heap after a full collection, when run with --expose-gc (else as it is). */
function heapAfterGcMB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round(process.memoryUsage().heapUsed / 1048576);
}
const firing = rules.list().reduce((n, v) => n + v.alerts.length, 0);
const sorted = [...rounds].sort((a, b) => a - b);
const result = {
  rules: RULES,
  series: SERIES,
  samplesInMemory: series.stats().samplesInMemory,
  loadSeconds: Math.round(loadMs) / 1000,
  roundMs: rounds.map((x) => Math.round(x)),
  firstRoundMs: Math.round(rounds[0] ?? 0),
  medianRoundMs: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0),
  maxRoundMs: Math.round(sorted.at(-1) ?? 0),
  labelSetsJudgedPerRound: seriesSeen,
  alertsOpen: firing,
  transitions,
  rssMB: Math.round(process.memoryUsage().rss / 1048576),
  heapUsedMB: heapAfterGcMB(),
};
await store.close();
rmSync(dir, { recursive: true, force: true });

if (values.json) console.log(JSON.stringify(result));
else {
  console.log(
    `rules evaluation: ${RULES} rules over ${SERIES} series (${result.samplesInMemory} samples in memory)`,
  );
  console.log(
    `  rounds (ms): ${result.roundMs.join(", ")} — median ${result.medianRoundMs} ms, max ${result.maxRoundMs} ms (target < 1000 ms)`,
  );
  console.log(
    `  label sets judged per round: ${seriesSeen}; open alerts: ${firing}; transitions: ${transitions}`,
  );
  console.log(`  RSS ${result.rssMB} MB; loading 30 min of samples took ${result.loadSeconds} s`);
}
if ((result.maxRoundMs ?? 0) >= 1000) process.exitCode = 1;
