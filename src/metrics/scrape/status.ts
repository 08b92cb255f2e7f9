/**
 * What the API shows per scrape target (ScrapeManager.status()), kept apart from the scheduling
 * code so that the shape is easy to find and to document.
 */
import type { ScrapeTargetConfig } from "../../config/metrics-schema.ts";
import type { ParseProblem } from "../exposition.ts";
import type { AppendRejection, Labels } from "../series.ts";

/** Problems of the last scrape shown in status(). */
export const STATUS_PROBLEMS = 5;

export interface ScrapeTargetStatus {
  id: string;
  url: string;
  /** The target labels its samples carry (job, instance, configured labels). */
  labels: Labels;
  everyMs: number;
  timeoutMs: number;
  /** null before the first scrape finished. */
  up: boolean | null;
  lastScrapeAt: number | null;
  lastDurationMs: number | null;
  nextScrapeAt: number | null;
  running: boolean;
  samplesScraped: number;
  samplesStored: number;
  /** Samples the store refused in the last scrape, by reason. */
  rejected: AppendRejection[];
  /** The most recent failure, kept after the target recovers. */
  lastError: { at: number; message: string } | null;
  /** The first STATUS_PROBLEMS malformed lines of the last scrape, and how many there were. */
  problems: ParseProblem[];
  problemsTotal: number;
  scrapes: number;
  failures: number;
  skippedOverlaps: number;
}

export function emptyStatus(config: ScrapeTargetConfig, labels: Labels): ScrapeTargetStatus {
  return {
    id: config.id,
    url: config.url,
    labels: { ...labels },
    everyMs: config.every,
    timeoutMs: config.timeout,
    up: null,
    lastScrapeAt: null,
    lastDurationMs: null,
    nextScrapeAt: null,
    running: false,
    samplesScraped: 0,
    samplesStored: 0,
    rejected: [],
    lastError: null,
    problems: [],
    problemsTotal: 0,
    scrapes: 0,
    failures: 0,
    skippedOverlaps: 0,
  };
}

/** A deep copy for callers, so they cannot change the manager's state. */
export function copyStatus(status: ScrapeTargetStatus): ScrapeTargetStatus {
  return {
    ...status,
    labels: { ...status.labels },
    rejected: status.rejected.map((r) => ({ ...r })),
    problems: status.problems.map((p) => ({ ...p })),
    lastError: status.lastError && { ...status.lastError },
  };
}
