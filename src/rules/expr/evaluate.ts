/**
 * Evaluation of rule expressions (docs/expressions.md, "Evaluation") against a SeriesReader.
 *
 * Both entry points read first and compute after: every distinct selector of the tree
 * (selectorsOf) is read with one `select` call covering all it needs, then the tree is
 * evaluated synchronously over those samples, finding each window by binary search — once
 * for `evaluate`, at every step for `evaluateRange`, without copying samples.
 *
 * The operators live in vector-ops.ts, aggregation in aggregate.ts, the windowed functions
 * in window-functions.ts.
 */
import { formatDuration } from "../../core/duration.ts";
import type {
  InstantSample,
  InstantValue,
  Labels,
  RangeSeries,
  SeriesReader,
  SeriesSamples,
} from "../../metrics/series.ts";
import { aggregate } from "./aggregate.ts";
import type { Expr, RangeSelector, Selector, Span } from "./ast.ts";
import { assertDistinct, ExprEvalError, keyOf, type Value, withoutName } from "./eval-values.ts";
import { firstAfter } from "./memory-reader.ts";
import { lookbehindMs, selectorKey, selectorsOf } from "./selectors.ts";
import { binary } from "./vector-ops.ts";
import { fitLine, predictOf, quantileOf, timeToOf, windowValue } from "./window-functions.ts";

export { ExprEvalError } from "./eval-values.ts";
export { lookbehindMs, type SelectorUse, selectorsOf } from "./selectors.ts";

/** How far back an instant selector looks for a series' newest sample: 5 minutes. */
export const DEFAULT_LOOKBACK_MS = 5 * 60_000;
/** The most steps evaluateRange computes (as Prometheus' 11,000 points per series). */
export const MAX_RANGE_STEPS = 11_000;

export interface EvaluateOptions {
  /** An instant selector gives a series' newest sample no older than this; a series whose
   * newest sample is older is stale and left out. Default 5 minutes. */
  lookbackMs?: number;
}

export interface RangeOptions extends EvaluateOptions {
  /** The first step; steps are startMs, startMs + stepMs, … up to endMs inclusive. */
  startMs: number;
  endMs: number;
  stepMs: number;
}

/**
 * The value of `expr` at `atMs`: a number, or one value per series sorted by labelsKey.
 * Label objects may be shared with the reader's series: treat them as read-only.
 * Throws ExprEvalError (with the offsets of the node) when the data makes the expression
 * meaningless, e.g. a many-to-one match.
 */
export async function evaluate(
  expr: Expr,
  reader: SeriesReader,
  atMs: number,
  options: EvaluateOptions = {},
): Promise<InstantValue> {
  const lookbackMs = lookbackOf(options);
  const data = await read(expr, reader, atMs, atMs, lookbackMs);
  const value = evaluateNode(expr, { atMs, lookbackMs, data });
  return value.kind === "scalar" ? value : { kind: "vector", samples: sortByLabels(value.samples) };
}

/**
 * The value of `expr` at every step from `startMs` to `endMs` (inclusive), for charts: one
 * RangeSeries per label set that had a value at some step (a number expression gives one
 * series without labels), sorted by labelsKey, points in time order. Reads each selector
 * once, over everything the steps need.
 */
export async function evaluateRange(
  expr: Expr,
  reader: SeriesReader,
  options: RangeOptions,
): Promise<RangeSeries[]> {
  const { startMs, endMs, stepMs } = options;
  const lookbackMs = lookbackOf(options);
  const whole: Span = { start: expr.start, end: expr.end };
  if (![startMs, endMs, stepMs].every(Number.isFinite) || !(stepMs > 0) || endMs < startMs) {
    throw new ExprEvalError(
      `bad range: start ${startMs}, end ${endMs}, step ${stepMs} (needs start <= end and a step over 0)`,
      whole,
    );
  }
  const steps = Math.floor((endMs - startMs) / stepMs) + 1;
  if (steps > MAX_RANGE_STEPS) {
    const minStep = Math.ceil((endMs - startMs) / (MAX_RANGE_STEPS - 1) / 1000) * 1000;
    throw new ExprEvalError(
      `too many steps: a step of ${formatDuration(stepMs)} from start to end makes ${steps} ` +
        `points per series, more than ${MAX_RANGE_STEPS.toLocaleString("en")}: use a step of ` +
        `at least ${formatDuration(minStep)} or a shorter range`,
      whole,
    );
  }
  const data = await read(expr, reader, startMs, endMs, lookbackMs);
  const context: Context = { atMs: startMs, lookbackMs, data };
  const series = new Map<string, RangeSeries>();
  for (let i = 0; i < steps; i++) {
    const t = startMs + i * stepMs;
    context.atMs = t;
    const value = evaluateNode(expr, context);
    if (value.kind === "scalar") {
      add(series, "", {}, t, value.value);
      continue;
    }
    for (const { labels, value: v } of value.samples) add(series, keyOf(labels), labels, t, v);
  }
  return [...series.entries()].sort(byKey).map(([, s]) => s);
}

function add(
  series: Map<string, RangeSeries>,
  key: string,
  labels: Labels,
  t: number,
  v: number,
): void {
  const found = series.get(key);
  if (found === undefined) series.set(key, { labels, points: [[t, v]] });
  else found.points.push([t, v]);
}

function lookbackOf(options: EvaluateOptions): number {
  const lookbackMs = options.lookbackMs ?? DEFAULT_LOOKBACK_MS;
  if (!(lookbackMs > 0) || !Number.isFinite(lookbackMs)) {
    throw new RangeError(`lookbackMs must be a positive number of milliseconds, not ${lookbackMs}`);
  }
  return lookbackMs;
}

interface Context {
  atMs: number;
  lookbackMs: number;
  /** The series of each selector (by selectorKey), read for all the steps. */
  data: ReadonlyMap<string, readonly SeriesSamples[]>;
}

/** One `select` per distinct selector, from the earliest step minus what it looks back. */
async function read(
  expr: Expr,
  reader: SeriesReader,
  startMs: number,
  endMs: number,
  lookbackMs: number,
): Promise<Map<string, readonly SeriesSamples[]>> {
  const uses = selectorsOf(expr);
  const results = await Promise.all(
    uses.map((use) => reader.select(use.matchers, startMs - lookbehindMs(use, lookbackMs), endMs)),
  );
  const data = new Map<string, readonly SeriesSamples[]>();
  uses.forEach((use, i) => {
    data.set(use.key, results[i] as SeriesSamples[]);
  });
  return data;
}

function seriesOf(node: Selector, context: Context): readonly SeriesSamples[] {
  const series = context.data.get(selectorKey(node));
  if (series === undefined) throw new Error(`selector at ${node.start} was not read`);
  return series;
}

function vector(samples: InstantSample[]): Value {
  return { kind: "vector", samples };
}

function evaluateNode(node: Expr, context: Context): Value {
  switch (node.kind) {
    case "number":
      return { kind: "scalar", value: node.value };
    case "duration":
      return { kind: "scalar", value: node.ms / 1000 };
    case "selector":
      return vector(instant(node, context));
    case "window": {
      const { fn, range } = node;
      return vector(
        windowed(node, range, context, `${fn}()`, (ts, vs, lo, hi) =>
          windowValue(fn, ts, vs, lo, hi, context.atMs, range.rangeMs),
        ),
      );
    }
    case "quantile": {
      const q = scalarOf(node.q, context, "quantile()");
      return vector(
        windowed(node, node.range, context, "quantile()", (_, vs, lo, hi) =>
          quantileOf(q, vs, lo, hi),
        ),
      );
    }
    case "predict":
      return vector(
        windowed(node, node.range, context, "predict()", (ts, vs, lo, hi) =>
          predictOf(fitLine(ts, vs, lo, hi, context.atMs), node.horizonMs),
        ),
      );
    case "time_to": {
      const target = scalarOf(node.target, context, "time_to()");
      return vector(
        windowed(node, node.range, context, "time_to()", (ts, vs, lo, hi) =>
          timeToOf(fitLine(ts, vs, lo, hi, context.atMs), target),
        ),
      );
    }
    case "aggregate": {
      const arg = evaluateNode(node.arg, context);
      if (arg.kind === "scalar") throw new ExprEvalError(`${node.op}() needs series`, node);
      return vector(aggregate(node, arg.samples));
    }
    case "unary": {
      const arg = evaluateNode(node.arg, context);
      if (arg.kind === "scalar") return { kind: "scalar", value: -arg.value };
      const out = arg.samples.map((s) => ({ labels: withoutName(s.labels), value: -s.value }));
      assertDistinct(out, node, '"-"');
      return vector(out);
    }
    case "binary":
      return binary(node, evaluateNode(node.lhs, context), evaluateNode(node.rhs, context));
  }
}

function scalarOf(node: Expr, context: Context, fn: string): number {
  const value = evaluateNode(node, context);
  if (value.kind === "vector") throw new ExprEvalError(`${fn} needs a number here`, node);
  return value.value;
}

/** Each series' newest sample in (atMs − lookback, atMs]; older ones are stale. */
function instant(node: Selector, context: Context): InstantSample[] {
  const { atMs, lookbackMs } = context;
  const out: InstantSample[] = [];
  for (const s of seriesOf(node, context)) {
    const last = firstAfter(s.timestamps, atMs, 0, s.timestamps.length) - 1;
    if (last < 0 || (s.timestamps[last] as number) <= atMs - lookbackMs) continue;
    out.push({ labels: s.labels, value: s.values[last] as number });
  }
  return out;
}

type Reduce = (
  timestamps: ArrayLike<number>,
  values: ArrayLike<number>,
  lo: number,
  hi: number,
) => number | undefined;

/** Each series' samples in (atMs − range, atMs] reduced to one value, without the name. */
function windowed(
  node: Span,
  range: RangeSelector,
  context: Context,
  what: string,
  reduce: Reduce,
): InstantSample[] {
  const { atMs } = context;
  const out: InstantSample[] = [];
  for (const s of seriesOf(range.selector, context)) {
    const ts = s.timestamps;
    const hi = firstAfter(ts, atMs, 0, ts.length);
    const lo = firstAfter(ts, atMs - range.rangeMs, 0, hi);
    if (lo >= hi) continue;
    const value = reduce(ts, s.values, lo, hi);
    if (value !== undefined) out.push({ labels: withoutName(s.labels), value });
  }
  assertDistinct(out, node, what);
  return out;
}

function byKey<T>(a: [string, T], b: [string, T]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

function sortByLabels(samples: InstantSample[]): InstantSample[] {
  if (samples.length < 2) return samples;
  return samples
    .map((s): [string, InstantSample] => [keyOf(s.labels), s])
    .sort(byKey)
    .map(([, s]) => s);
}
