/**
 * An array-backed SampleSink for tests of the metric sources: it records every append, counts a
 * sample identical to one already recorded (same series, timestamp and value) as a duplicate,
 * and can be told to refuse samples (to test how sources report the store's rejections).
 * Waiting helpers let tests await what a timer-driven source delivers instead of sleeping.
 */
import type {
  AppendRejection,
  AppendResult,
  IngestSample,
  Labels,
  RejectReason,
  SampleSink,
} from "../../src/metrics/series.ts";
import { labelsKey } from "../../src/metrics/series.ts";

export class RecordingSink implements SampleSink {
  /** Every stored sample, in append order. */
  readonly samples: IngestSample[] = [];
  /** Each append's samples, as given. */
  readonly appends: IngestSample[][] = [];
  /** Return a reason to refuse a sample. */
  refuse: ((sample: IngestSample) => RejectReason | undefined) | undefined;
  /** Throw this from append() when set. */
  failWith: Error | undefined;
  readonly #seen = new Set<string>();
  #waiters: { check: () => boolean; resolve: () => void }[] = [];

  append(samples: readonly IngestSample[]): AppendResult {
    if (this.failWith) throw this.failWith;
    this.appends.push([...samples]);
    const result: AppendResult = { accepted: 0, duplicates: 0, created: 0, rejected: [] };
    const rejected = new Map<RejectReason, AppendRejection>();
    for (const sample of samples) {
      const reason = this.refuse?.(sample);
      if (reason) {
        const entry = rejected.get(reason) ?? { reason, count: 0, message: `refused: ${reason}` };
        entry.count++;
        rejected.set(reason, entry);
        continue;
      }
      const key = `${sample.name}|${labelsKey(sample.labels)}|${sample.timestampMs}|${sample.value}`;
      if (this.#seen.has(key)) {
        result.duplicates++;
        continue;
      }
      this.#seen.add(key);
      this.samples.push(sample);
      result.accepted++;
    }
    result.rejected = [...rejected.values()];
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
    return result;
  }

  /** Stored samples with this name whose labels include `labels`. */
  find(name: string, labels: Labels = {}): IngestSample[] {
    return this.samples.filter(
      (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    );
  }

  /** The values of `find(name, labels)`, in order. */
  values(name: string, labels: Labels = {}): number[] {
    return this.find(name, labels).map((s) => s.value);
  }

  /** Resolves once `check()` holds after some append (or at once); rejects after timeoutMs. */
  waitFor(check: () => boolean, timeoutMs = 3000, what = "condition"): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`${what} not met within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.#waiters.push(waiter);
    });
  }

  /** Waits until `count` samples named `name` (with `labels`) are stored. */
  waitForSamples(name: string, count: number, labels: Labels = {}, timeoutMs = 3000) {
    const what = `${count} × ${name}${JSON.stringify(labels)}`;
    return this.waitFor(() => this.find(name, labels).length >= count, timeoutMs, what);
  }
}
