/**
 * Decoding of the `data` of a successful Prometheus query answer (vector, scalar, matrix)
 * into the types the embedded evaluator returns (src/metrics/series.ts), with the series
 * limit and the checks of its shape.
 *
 * A file of its own because it is pure: it takes parsed JSON and never speaks HTTP, so it is
 * read and changed apart from the client (prometheus-api.ts) that fetches the answer. Every
 * failure is a RemoteQueryError built by the client's MakeRemoteError (remote-errors.ts).
 */
import type { InstantSample, InstantValue, Labels, RangeSeries } from "../../metrics/series.ts";
import type { MakeRemoteError, RemoteQueryError } from "./remote-errors.ts";

/** A result with more series than this is refused (kind "response"). */
export const DEFAULT_MAX_SERIES = 10_000;

/** What the decoder needs of its remote. */
export interface DecodeContext {
  /** The remote's base URL, for messages. */
  baseUrl: string;
  /** Refuse results with more series than this. */
  maxSeries: number;
  error: MakeRemoteError;
}

interface PromSeries {
  metric?: unknown;
  value?: unknown;
  values?: unknown;
  histogram?: unknown;
  histograms?: unknown;
}

/** Decodes the `data` of instant and range query answers of one remote. */
export class PrometheusDecoder {
  readonly #ctx: DecodeContext;

  constructor(ctx: DecodeContext) {
    this.#ctx = ctx;
  }

  /** The value of an instant query (`/api/v1/query`). */
  instant(data: unknown, promql: string): InstantValue {
    const { resultType, result } = this.#resultOf(data, promql);
    switch (resultType) {
      case "scalar":
        return { kind: "scalar", value: this.#point(result, promql)[1] };
      case "vector": {
        const items = this.#seriesList(result, promql);
        const samples: InstantSample[] = [];
        for (const item of items) {
          this.#noHistogram(item, "histogram", promql);
          samples.push({
            labels: this.#labels(item.metric, promql),
            value: this.#point(item.value, promql)[1],
          });
        }
        return { kind: "vector", samples };
      }
      case "matrix":
        throw this.#badResult(
          "returns a range vector (matrix) for an instant query; wrap the range selector in a function such as rate(...) or last_over_time(...)",
          promql,
        );
      case "string":
        throw this.#stringResult(promql);
      default:
        throw this.#unknownResult(resultType, promql);
    }
  }

  /** The series of a range query (`/api/v1/query_range`). */
  range(data: unknown, promql: string): RangeSeries[] {
    const { resultType, result } = this.#resultOf(data, promql);
    if (resultType === "string") throw this.#stringResult(promql);
    if (resultType !== "matrix") throw this.#unknownResult(resultType, promql);
    const out: RangeSeries[] = [];
    for (const item of this.#seriesList(result, promql)) {
      this.#noHistogram(item, "histograms", promql);
      const values = item.values ?? [];
      if (!Array.isArray(values))
        throw this.#shape("a matrix series without a values list", promql);
      out.push({
        labels: this.#labels(item.metric, promql),
        points: values.map((p) => this.#point(p, promql)),
      });
    }
    return out;
  }

  #resultOf(data: unknown, promql: string): { resultType: unknown; result: unknown } {
    if (!isObject(data) || !("resultType" in data)) {
      throw this.#shape("no data.resultType in the answer", promql);
    }
    return { resultType: data.resultType, result: data.result };
  }

  #seriesList(result: unknown, promql: string): PromSeries[] {
    if (!Array.isArray(result)) throw this.#shape("data.result is not a list", promql);
    if (result.length > this.#ctx.maxSeries) {
      throw this.#ctx.error(
        "response",
        `returned ${result.length} series, more than the limit of ${this.#ctx.maxSeries}; aggregate (sum by (...)), filter with label matchers or use topk(...)`,
        { url: this.#ctx.baseUrl },
        promql,
      );
    }
    for (const item of result)
      if (!isObject(item)) throw this.#shape("a series is not an object", promql);
    return result as PromSeries[];
  }

  #labels(metric: unknown, promql: string): Labels {
    if (metric === undefined || metric === null) return {};
    if (!isObject(metric)) throw this.#shape("a series' metric is not an object", promql);
    const labels: Labels = {};
    for (const [name, value] of Object.entries(metric)) {
      if (typeof value !== "string") throw this.#shape(`label ${name} is not a string`, promql);
      labels[name] = value;
    }
    return labels;
  }

  #point(point: unknown, promql: string): [number, number] {
    if (!Array.isArray(point) || point.length !== 2) {
      throw this.#shape("a sample is not a [timestamp, value] pair", promql);
    }
    const [t, v] = point as [unknown, unknown];
    const ts = typeof t === "number" ? t : typeof t === "string" ? Number(t) : Number.NaN;
    const value =
      typeof v === "string" ? parseSampleValue(v) : typeof v === "number" ? v : Number.NaN;
    if (!Number.isFinite(ts))
      throw this.#shape(`a sample timestamp ${JSON.stringify(t)} is not a number`, promql);
    if (Number.isNaN(value) && v !== "NaN") {
      throw this.#shape(`a sample value ${JSON.stringify(v)} is not a number`, promql);
    }
    return [Math.round(ts * 1000), value];
  }

  #noHistogram(item: PromSeries, key: "histogram" | "histograms", promql: string): void {
    if (item[key] !== undefined) {
      throw this.#badResult(
        "returns native histograms, which rules cannot compare; use histogram_quantile(...), histogram_count(...) or histogram_sum(...)",
        promql,
      );
    }
  }

  #stringResult(promql: string): RemoteQueryError {
    return this.#badResult("returns a string; a rule needs a number (scalar) or a vector", promql);
  }

  #unknownResult(resultType: unknown, promql: string): RemoteQueryError {
    return this.#shape(`unexpected resultType ${JSON.stringify(resultType)}`, promql);
  }

  #badResult(text: string, promql: string): RemoteQueryError {
    return this.#ctx.error("bad_data", `the query ${text}`, { url: this.#ctx.baseUrl }, promql);
  }

  #shape(text: string, promql: string): RemoteQueryError {
    return this.#ctx.error(
      "response",
      `answered with a malformed result: ${text}; is ${this.#ctx.baseUrl} a Prometheus-compatible API?`,
      { url: this.#ctx.baseUrl },
      promql,
    );
  }
}

/** A Prometheus sample value: a decimal, or "NaN", "+Inf", "-Inf". */
export function parseSampleValue(text: string): number {
  switch (text) {
    case "NaN":
      return Number.NaN;
    case "+Inf":
    case "Inf":
      return Number.POSITIVE_INFINITY;
    case "-Inf":
      return Number.NEGATIVE_INFINITY;
    default:
      return text.trim() === "" ? Number.NaN : Number(text);
  }
}

/** Whether `value` is a JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
