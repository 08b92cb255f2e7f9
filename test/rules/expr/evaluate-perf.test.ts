import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { test } from "node:test";
import type { SeriesSamples } from "../../../src/metrics/series.ts";
import { evaluate } from "../../../src/rules/expr/evaluate.ts";
import { MemorySeriesReader } from "../../../src/rules/expr/memory-reader.ts";
import { parseExpr } from "../../../src/rules/expr/parser.ts";

const NOW = 1_800_000_000_000;
const ROLES = 1000;
const PER_ROLE = 10;

test("1,000 expressions over 10,000 series (10 matched each) evaluate in well under a second", async () => {
  // 10 minutes of samples every 15 s; in each role instance 0 runs hot (80), the others at 60.
  const series: SeriesSamples[] = [];
  for (let role = 0; role < ROLES; role++) {
    for (let instance = 0; instance < PER_ROLE; instance++) {
      const timestamps = new Float64Array(40);
      const values = new Float64Array(40);
      for (let i = 0; i < 40; i++) {
        timestamps[i] = NOW - (39 - i) * 15_000;
        values[i] = instance === 0 ? 80 : 60 + (i % 3);
      }
      const labels = { __name__: "cpu_percent", role: `r${role}`, instance: `i${instance}` };
      series.push({ labels, timestamps, values });
    }
  }
  const reader = new MemorySeriesReader(series);
  const exprs = Array.from({ length: ROLES }, (_, role) =>
    parseExpr(`avg(cpu_percent{role="r${role}"}[5m]) > 70`),
  );

  const started = performance.now();
  let alerts = 0;
  for (const expr of exprs) {
    const value = await evaluate(expr, reader, NOW);
    if (value.kind === "vector") alerts += value.samples.length;
  }
  const elapsed = performance.now() - started;

  assert.equal(alerts, ROLES, "one hot instance per role");
  assert.ok(elapsed < 1000, `took ${elapsed.toFixed(0)} ms`);
});
