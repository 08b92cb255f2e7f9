/**
 * The in-memory index of every series the store knows: key → series, and postings (label →
 * value → series, `__name__` included) so a selector with an equality matcher, or a regular
 * expression on one label, does not scan all series.
 *
 * It also enforces the cardinality limits (metrics.limits.series and
 * metrics.limits.series_per_metric) and words the refusal so a person can act on it: the
 * metric, the limit and its config key, and the label with the most distinct values in that
 * metric — the likely culprit.
 *
 * A label with an empty value is no label (as in Prometheus): it is left out of the identity.
 */
import { matchesAll, regexOf } from "../../rules/expr/memory-reader.ts";
import { type Labels, type Matcher, NAME_LABEL } from "../series.ts";

export interface IndexedSeries {
  readonly id: number;
  readonly key: string;
  readonly name: string;
  /** Including `__name__`. */
  readonly labels: Labels;
}

export interface SeriesLimits {
  series: number;
  series_per_metric: number;
}

export interface LimitRefusal {
  metric: string;
  configKey: "metrics.limits.series" | "metrics.limits.series_per_metric";
  limit: number;
  message: string;
}

/**
 * The identity of a series: its name, then its labels sorted by name (empty values left out).
 * Labels given in sorted order (the usual case) are not sorted again.
 */
export function seriesKey(name: string, labels: Labels): string {
  let key = name;
  let previous = "";
  for (const label in labels) {
    const value = labels[label];
    if (label <= previous || value === "" || label === NAME_LABEL) return sortedKey(name, labels);
    previous = label;
    key += `\u0000${label}\u0001${value}`;
  }
  return key;
}

function sortedKey(name: string, labels: Labels): string {
  let key = name;
  for (const label of Object.keys(labels).sort()) {
    const value = labels[label];
    if (value === "" || value === undefined || label === NAME_LABEL) continue;
    key += `\u0000${label}\u0001${value}`;
  }
  return key;
}

/** The stored label set of a new series: `__name__` first, then the labels sorted. */
export function seriesLabels(name: string, labels: Labels): Labels {
  const out: Labels = { [NAME_LABEL]: name };
  for (const label of Object.keys(labels).sort()) {
    const value = labels[label];
    if (value === "" || value === undefined || label === NAME_LABEL) continue;
    out[label] = value;
  }
  return out;
}

export class SeriesIndex<S extends IndexedSeries> {
  readonly #byKey = new Map<string, S>();
  readonly #byId = new Map<number, S>();
  readonly #postings = new Map<string, Map<string, Set<S>>>();
  readonly #culprits = new Map<string, { count: number; label?: string; distinct: number }>();

  get size(): number {
    return this.#byKey.size;
  }

  get(key: string): S | undefined {
    return this.#byKey.get(key);
  }

  byId(id: number): S | undefined {
    return this.#byId.get(id);
  }

  values(): IterableIterator<S> {
    return this.#byKey.values();
  }

  add(s: S): void {
    this.#byKey.set(s.key, s);
    this.#byId.set(s.id, s);
    for (const label in s.labels) {
      const value = s.labels[label] as string;
      let byValue = this.#postings.get(label);
      if (byValue === undefined) {
        byValue = new Map();
        this.#postings.set(label, byValue);
      }
      let set = byValue.get(value);
      if (set === undefined) {
        set = new Set();
        byValue.set(value, set);
      }
      set.add(s);
    }
  }

  remove(s: S): void {
    if (this.#byKey.get(s.key) !== s) return;
    this.#byKey.delete(s.key);
    this.#byId.delete(s.id);
    for (const label in s.labels) {
      const byValue = this.#postings.get(label);
      const set = byValue?.get(s.labels[label] as string);
      if (byValue === undefined || set === undefined) continue;
      set.delete(s);
      if (set.size === 0) byValue.delete(s.labels[label] as string);
      if (byValue.size === 0) this.#postings.delete(label);
    }
  }

  /** How many series the metric has. */
  countOf(metric: string): number {
    return this.#postings.get(NAME_LABEL)?.get(metric)?.size ?? 0;
  }

  /** Every series matching all matchers (a missing label counts as ""). */
  select(matchers: readonly Matcher[]): S[] {
    let smallest: Set<S> | undefined;
    for (const m of matchers) {
      if (m.op !== "=" || m.value === "") continue;
      const set = this.#postings.get(m.label)?.get(m.value);
      if (set === undefined) return [];
      if (smallest === undefined || set.size < smallest.size) smallest = set;
    }
    let candidates: Iterable<S> = smallest ?? this.#byKey.values();
    if (smallest === undefined) {
      // A regular expression that cannot match "" selects only series having the label.
      const m = matchers.find((x) => x.op === "=~" && !regexOf(x).test(""));
      if (m !== undefined) candidates = this.#regexUnion(m);
    }
    const out: S[] = [];
    for (const s of candidates) if (matchesAll(s.labels, matchers)) out.push(s);
    return out;
  }

  #regexUnion(m: Matcher): S[] {
    const out: S[] = [];
    const regex = regexOf(m);
    for (const [value, set] of this.#postings.get(m.label) ?? []) {
      if (regex.test(value)) for (const s of set) out.push(s);
    }
    return out;
  }

  /** Why a new series of `metric` must be refused, or undefined when it fits the limits. */
  refusal(metric: string, limits: SeriesLimits): LimitRefusal | undefined {
    const inMetric = this.countOf(metric);
    if (inMetric >= limits.series_per_metric) {
      const limit = limits.series_per_metric;
      const configKey = "metrics.limits.series_per_metric";
      return {
        metric,
        configKey,
        limit,
        message: `metric ${metric} reached ${limit} series (${configKey}); new series are dropped.${this.#culpritSentence(metric)}`,
      };
    }
    if (this.size >= limits.series) {
      const limit = limits.series;
      const configKey = "metrics.limits.series";
      const top = this.#largestMetric();
      const largest =
        top === undefined
          ? ""
          : ` The metric with the most series is ${top.name} (${top.count}).${this.#culpritSentence(top.name)}`;
      return {
        metric,
        configKey,
        limit,
        message: `the store reached ${limit} series in all (${configKey}); new series of metric ${metric} are dropped.${largest}`,
      };
    }
    return undefined;
  }

  /** The label of `metric` with the most distinct values, and how many it has. */
  culprit(metric: string): { label?: string; distinct: number } {
    const series = this.#postings.get(NAME_LABEL)?.get(metric);
    const count = series?.size ?? 0;
    const cached = this.#culprits.get(metric);
    if (cached !== undefined && cached.count === count) return cached;
    const distinct = new Map<string, Set<string>>();
    for (const s of series ?? []) {
      for (const label in s.labels) {
        if (label === NAME_LABEL) continue;
        let values = distinct.get(label);
        if (values === undefined) {
          values = new Set();
          distinct.set(label, values);
        }
        values.add(s.labels[label] as string);
      }
    }
    const result: { count: number; label?: string; distinct: number } = { count, distinct: 0 };
    for (const [label, values] of distinct) {
      if (values.size > result.distinct) {
        result.label = label;
        result.distinct = values.size;
      }
    }
    this.#culprits.set(metric, result);
    return result;
  }

  #culpritSentence(metric: string): string {
    const { label, distinct } = this.culprit(metric);
    if (label === undefined) return "";
    return ` Label "${label}" has ${distinct} distinct values — drop it or aggregate it before Unyo`;
  }

  #largestMetric(): { name: string; count: number } | undefined {
    let top: { name: string; count: number } | undefined;
    for (const [name, set] of this.#postings.get(NAME_LABEL) ?? []) {
      if (top === undefined || set.size > top.count) top = { name, count: set.size };
    }
    return top;
  }
}
