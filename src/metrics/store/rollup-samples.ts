/**
 * Queries that reach back past the raw retention (a 30-day chart, `predict(x[14d], …)`) read
 * the rollups instead: each bucket stands for one sample at its end with the bucket's *last*
 * value — as if the series had been scraped once a minute (1m rollups) or once an hour (1h).
 * `last` keeps counters intact, so rate() and increase() over old windows stay right, and
 * charts of gauges show the value at each minute or hour.
 */
import { labelsKey, type SeriesSamples } from "../series.ts";
import type { RollupSeries } from "./reader.ts";
import { HOUR_MS, MINUTE_MS } from "./rollup.ts";

/** Samples from rollup buckets: one per bucket, at its end, with its last value. */
export function samplesOfRollups(series: readonly RollupSeries[], resolution: "1m" | "1h") {
  const width = resolution === "1m" ? MINUTE_MS : HOUR_MS;
  return series.map((s) => ({
    labels: s.labels,
    timestamps: s.buckets.map((b) => b.start + width),
    values: s.buckets.map((b) => b.last),
  }));
}

/**
 * Joins parts of the same series read from different resolutions, oldest part first; a part
 * only contributes samples older than the first sample of the parts after it.
 */
export function joinParts(parts: readonly (readonly SeriesSamples[])[]): SeriesSamples[] {
  const joined = new Map<string, { labels: SeriesSamples["labels"]; t: number[]; v: number[] }>();
  for (const part of [...parts].reverse()) {
    for (const s of part) {
      const key = labelsKey(s.labels);
      const into = joined.get(key) ?? { labels: s.labels, t: [], v: [] };
      joined.set(key, into);
      const before = into.t[0] ?? Number.POSITIVE_INFINITY;
      const t: number[] = [];
      const v: number[] = [];
      for (let i = 0; i < s.timestamps.length; i++) {
        const at = s.timestamps[i] as number;
        if (at < before) {
          t.push(at);
          v.push(s.values[i] as number);
        }
      }
      into.t = t.concat(into.t);
      into.v = v.concat(into.v);
    }
  }
  return [...joined.values()]
    .filter((s) => s.t.length > 0)
    .map((s) => ({ labels: s.labels, timestamps: s.t, values: s.v }));
}
