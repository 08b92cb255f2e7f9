/**
 * Aggregation across series (docs/expressions.md): `sum`, `avg`, `min`, `max`, `count`
 * folding the series of a vector into one per group. `by (a, b)` groups by those labels and
 * keeps only them; `without (a, b)` keeps every label but those and the name; no clause
 * folds everything into one series without labels. A missing label and an empty one group
 * together, and an empty label is left out of the result.
 */
import type { InstantSample, Labels } from "../../metrics/series.ts";
import type { Aggregation, Grouping } from "./ast.ts";
import { keyExcept, keyOnly, omitLabels, pickLabels } from "./eval-values.ts";

interface Grouper {
  key(labels: Labels): string;
  /** The labels of the group whose key is `key`, from one of its members. */
  labels(labels: Labels, key: string): Labels;
}

interface Group {
  labels: Labels;
  sum: number;
  compensation: number;
  count: number;
  min: number;
  max: number;
}

const ALL: Grouper = { key: () => "", labels: () => ({}) };
const groupers = new WeakMap<Grouping, Grouper>();

function grouperOf(grouping: Grouping | undefined): Grouper {
  if (grouping === undefined) return ALL;
  let grouper = groupers.get(grouping);
  if (grouper === undefined) {
    if (grouping.mode === "by") {
      const names = [...grouping.labels].sort();
      grouper = {
        key: (labels) => keyOnly(labels, names),
        labels: (labels, key) => pickLabels(labels, names, key),
      };
    } else {
      const excluded = new Set(grouping.labels);
      grouper = {
        key: (labels) => keyExcept(labels, excluded),
        labels: (labels, key) => omitLabels(labels, excluded, key),
      };
    }
    groupers.set(grouping, grouper);
  }
  return grouper;
}

/** One sample per group, in the order groups first appear. */
export function aggregate(node: Aggregation, samples: readonly InstantSample[]): InstantSample[] {
  if (samples.length === 0) return [];
  const grouper = grouperOf(node.grouping);
  const groups = new Map<string, Group>();
  for (const { labels, value } of samples) {
    const key = grouper.key(labels);
    const group = groups.get(key);
    if (group === undefined) {
      const own = grouper.labels(labels, key);
      groups.set(key, {
        labels: own,
        sum: value,
        compensation: 0,
        count: 1,
        min: value,
        max: value,
      });
      continue;
    }
    // Neumaier's compensated sum, as in window-functions.ts.
    const t = group.sum + value;
    group.compensation +=
      Math.abs(group.sum) >= Math.abs(value) ? group.sum - t + value : value - t + group.sum;
    group.sum = t;
    group.count++;
    // NaN only wins when every value is NaN, as in Prometheus.
    if (value < group.min || Number.isNaN(group.min)) group.min = value;
    if (value > group.max || Number.isNaN(group.max)) group.max = value;
  }
  const out: InstantSample[] = [];
  for (const group of groups.values())
    out.push({ labels: group.labels, value: result(node, group) });
  return out;
}

function result(node: Aggregation, group: Group): number {
  switch (node.op) {
    case "count":
      return group.count;
    case "min":
      return group.min;
    case "max":
      return group.max;
    case "sum":
      return total(group);
    case "avg":
      return total(group) / group.count;
  }
}

function total(group: Group): number {
  return Number.isFinite(group.sum) ? group.sum + group.compensation : group.sum;
}
