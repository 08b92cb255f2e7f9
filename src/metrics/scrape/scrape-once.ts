/**
 * One scrape of one target, start to finish except storing: fetch the exposition (bounded in
 * time and size, fetch-body.ts), parse it (Prometheus text or OpenMetrics, per-line problems),
 * add the target labels (labels.ts) and apply the in-payload rules (samples.ts). The result says
 * whether the target is up and why not; ScrapeManager stores the samples and the synthetic
 * series (scrapeSeries) and remembers the outcome.
 *
 * When is a target down (up == 0)? When the fetch fails (timeout, connection, non-2xx, body over
 * max_bytes), when the body gives no sample at all but has malformed lines (garbage: an HTML
 * error page, a wrong port), and when it has more than max_samples samples — then the first
 * max_samples are still kept, as the config promises ("cut here and reported"), but the target
 * counts as failing so that `up == 0` alerts on the cardinality blow-up. A body with some
 * malformed lines among good ones is up: the good samples are kept and the lines reported. An
 * empty body is up with no samples (an exporter with nothing to say).
 */
import type { ScrapeTargetConfig } from "../../config/metrics-schema.ts";
import { type ParsedSample, type ParseProblem, parseExposition } from "../exposition.ts";
import { normaliseSamples } from "../samples.ts";
import type { IngestSample, Labels } from "../series.ts";
import { fetchBody, ScrapeError } from "./fetch-body.ts";
import { targetLabels, withTargetLabels } from "./labels.ts";

/** What a scrape needs of a target's config (a ScrapeTargetConfig fits). */
export type ScrapeTarget = Pick<
  ScrapeTargetConfig,
  "id" | "url" | "timeout" | "labels" | "headers" | "max_samples" | "max_bytes"
> & { bearer_token?: string | undefined };

export interface ScrapeOptions {
  /** The scrape's timestamp: samples without their own get it, and so do the synthetic series. */
  nowMs: number;
  signal?: AbortSignal;
}

/** At most this many parse problems are kept per scrape (all are counted). */
export const MAX_KEPT_PROBLEMS = 100;

export interface ScrapeResult {
  startedAt: number;
  durationMs: number;
  up: boolean;
  /** Why the target is down (or was cut); null when the scrape was clean enough to be up. */
  error: string | null;
  /** Labelled, de-duplicated samples ready for the sink. */
  samples: IngestSample[];
  /** Samples the parser read (at most max_samples). */
  scraped: number;
  /** Repeated series dropped within this scrape (the last one is kept). */
  duplicates: number;
  /** Malformed lines: the first MAX_KEPT_PROBLEMS of them. */
  problems: ParseProblem[];
  problemsTotal: number;
  bytes: number;
}

const TOO_MANY = /^line \d+:\d+: too many samples/;

/** The media type of a Content-Type header: lower case, no parameters. */
export function mediaType(contentType: string): string {
  return (contentType.split(";")[0] ?? "").trim().toLowerCase();
}

export async function scrapeOnce(
  target: ScrapeTarget,
  options: ScrapeOptions,
): Promise<ScrapeResult> {
  const started = performance.now();
  const result: ScrapeResult = {
    startedAt: options.nowMs,
    durationMs: 0,
    up: false,
    error: null,
    samples: [],
    scraped: 0,
    duplicates: 0,
    problems: [],
    problemsTotal: 0,
    bytes: 0,
  };
  const finish = () => {
    result.durationMs = performance.now() - started;
    return result;
  };
  let body: { text: string; contentType: string; bytes: number };
  try {
    body = await fetchBody({
      url: target.url,
      timeoutMs: target.timeout,
      maxBytes: target.max_bytes,
      headers: target.headers,
      bearerToken: target.bearer_token,
      signal: options.signal,
    });
  } catch (error) {
    result.error = error instanceof ScrapeError ? error.message : String(error);
    return finish();
  }
  result.bytes = body.bytes;
  const openMetrics = mediaType(body.contentType) === "application/openmetrics-text";
  const parsed = parseExposition(body.text, {
    maxSamples: target.max_samples,
    ...(openMetrics ? { format: "openmetrics" as const } : {}),
  });
  const last = parsed.problems.at(-1);
  const cut = last !== undefined && TOO_MANY.test(last.message);
  const problems = cut ? parsed.problems.slice(0, -1) : parsed.problems;
  result.problems = problems.slice(0, MAX_KEPT_PROBLEMS);
  result.problemsTotal = problems.length;
  result.scraped = parsed.samples.length;
  result.up = true;
  if (cut) {
    result.up = false;
    result.error =
      `more than max_samples (${target.max_samples}) samples: ` +
      `the first ${target.max_samples} were kept, the rest ignored (${last.message})`;
  } else if (parsed.samples.length === 0 && problems.length > 0) {
    result.up = false;
    const first = problems[0]?.message ?? "";
    const lines = problems.length === 1 ? "1 malformed line" : `${problems.length} malformed lines`;
    result.error = `no valid samples in the response: ${lines}, the first: ${first}`;
  }
  const labels = targetLabels(target);
  const labelled: ParsedSample[] = parsed.samples.map((s) => ({
    name: s.name,
    labels: withTargetLabels(s.labels, labels),
    value: s.value,
    timestampMs: s.timestampMs,
  }));
  const normalised = normaliseSamples(labelled, options.nowMs);
  result.duplicates = normalised.dropped.reduce((sum, d) => sum + d.count, 0);
  result.samples = normalised.samples as IngestSample[];
  return finish();
}

/**
 * The synthetic series of one scrape, all with the target labels and the scrape's start time:
 * up (1/0), scrape_duration_seconds, scrape_samples_scraped, scrape_samples_stored (what the
 * sink accepted) and scrape_problems (malformed lines).
 */
export function scrapeSeries(labels: Labels, result: ScrapeResult, stored: number): IngestSample[] {
  const at = result.startedAt;
  const series = (name: string, value: number): IngestSample => ({
    name,
    labels: { ...labels },
    value,
    timestampMs: at,
  });
  return [
    series("up", result.up ? 1 : 0),
    series("scrape_duration_seconds", result.durationMs / 1000),
    series("scrape_samples_scraped", result.scraped),
    series("scrape_samples_stored", stored),
    series("scrape_problems", result.problemsTotal),
  ];
}
