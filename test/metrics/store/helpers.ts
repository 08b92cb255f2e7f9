/** Shared by the metric store tests. */
import assert from "node:assert/strict";
import { ManualClock } from "../../../src/core/clock.ts";
import type { Matcher, SeriesSamples } from "../../../src/metrics/series.ts";
import type { Bucket } from "../../../src/metrics/store/rollup.ts";
import { SeriesStore, type SeriesStoreOptions } from "../../../src/metrics/store/series-store.ts";
import type { MatchOp } from "../../../src/rules/expr/ast.ts";
import type { StoreFixture } from "../../helpers/stores.ts";

/** A matcher as the parser builds it (regular expressions anchored). */
export function m(label: string, op: MatchOp, value: string): Matcher {
  const matcher: Matcher = { label, op, value, start: 0, end: 0 };
  if (op === "=~" || op === "!~") matcher.regex = new RegExp(`^(?:${value})$`, "su");
  return matcher;
}

export const nameIs = (name: string): Matcher => m("__name__", "=", name);

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
export const MINUTE = 60_000;
/** An hour boundary, so tests can reason about hours. */
export const T0 = Date.UTC(2026, 10, 23, 5, 0, 0);

export const OPTIONS: SeriesStoreOptions = {
  retention: { raw: 7 * DAY, "1m": 30 * DAY, "1h": 400 * DAY },
  limits: { series: 1000, series_per_metric: 1000 },
};

export function recordingLog() {
  const lines: { level: string; obj: object; msg: string }[] = [];
  const at = (level: string) => (obj: object, msg: string) => {
    lines.push({ level, obj, msg });
  };
  return { lines, info: at("info"), warn: at("warn"), error: at("error") };
}

export async function openSeriesStore(
  stores: StoreFixture,
  options: Partial<SeriesStoreOptions> = {},
  at: number = T0,
) {
  const store = await stores.open();
  const clock = new ManualClock(at);
  const log = recordingLog();
  const series = new SeriesStore({ db: store.db, clock, log, options: { ...OPTIONS, ...options } });
  await series.open();
  return { store, clock, log, series };
}

/** A second store on the same database, as after a restart. */
export async function reopen(
  db: ConstructorParameters<typeof SeriesStore>[0]["db"],
  clock: ManualClock,
  options: Partial<SeriesStoreOptions> = {},
) {
  const series = new SeriesStore({ db, clock, options: { ...OPTIONS, ...options } });
  await series.open();
  return series;
}

/** Samples of one series as [t, v] pairs, for deepEqual. */
export function points(s: SeriesSamples | undefined): [number, number][] {
  if (s === undefined) return [];
  return Array.from(s.timestamps, (t, i) => [t, s.values[i] as number]);
}

/** A rollup bucket's plain fields (not its sketch), for deepEqual; fails when there is none. */
export function brief(b: Bucket | undefined) {
  assert.ok(b, "expected a bucket");
  return {
    start: b.start,
    count: b.count,
    sum: b.sum,
    min: b.min,
    max: b.max,
    first: b.first,
    last: b.last,
    increase: b.increase,
  };
}

/** The exact nearest-rank quantile, to hold a sketch's estimate against. */
export function exactQuantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] as number;
}
