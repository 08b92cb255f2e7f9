/**
 * The in-memory copy of the silences that have not ended, arranged for `silencedBy`, which
 * runs for every alert on every notification round and so must not scan every silence.
 *
 * Each silence is filed under one of its equality matchers with a non-empty value (usually
 * alertname, service or instance): an alert only meets the silences filed under its own
 * label values, plus the few silences that have no such matcher (regexes, negations only),
 * which are tested against every alert.
 */
import { compileMatchers, type Labels, labelValue } from "./matchers.ts";
import { effectiveEnd, type Silence } from "./silence-model.ts";

interface Entry {
  readonly silence: Silence;
  readonly id: string;
  readonly start: number;
  /** When it stops applying: its end, or its expiry if earlier. */
  readonly end: number;
  readonly test: (labels: Labels) => boolean;
}

export class SilenceIndex {
  #entries = new Map<string, Entry>();
  /** Label name → value → silences with that equality matcher. */
  #byEquality = new Map<string, Map<string, Entry[]>>();
  /** Silences without a usable equality matcher. */
  #scan: Entry[] = [];

  /** Replaces the whole content. */
  reset(silences: Iterable<Silence>): void {
    this.#entries = new Map();
    for (const silence of silences) this.#entries.set(silence.id, entryOf(silence));
    this.#rebuild();
  }

  /** Adds or replaces one silence (after create or expire). */
  put(silence: Silence): void {
    this.#entries.set(silence.id, entryOf(silence));
    this.#rebuild();
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Ids of silences active at `at` whose matchers all match `labels`, sorted. */
  match(labels: Labels, at: number): string[] {
    const out: string[] = [];
    for (const [name, byValue] of this.#byEquality) {
      // Filed values are never "", so a missing label finds nothing.
      const entries = byValue.get(labelValue(labels, name));
      if (entries !== undefined) collect(entries, labels, at, out);
    }
    collect(this.#scan, labels, at, out);
    return out.length > 1 ? out.sort() : out;
  }

  #rebuild(): void {
    const byEquality = new Map<string, Map<string, Entry[]>>();
    const scan: Entry[] = [];
    for (const entry of this.#entries.values()) {
      const key = entry.silence.matchers.find((m) => m.op === "=" && m.value !== "");
      if (key === undefined) {
        scan.push(entry);
        continue;
      }
      let byValue = byEquality.get(key.name);
      if (byValue === undefined) {
        byValue = new Map();
        byEquality.set(key.name, byValue);
      }
      const list = byValue.get(key.value);
      if (list === undefined) byValue.set(key.value, [entry]);
      else list.push(entry);
    }
    this.#byEquality = byEquality;
    this.#scan = scan;
  }
}

function collect(entries: readonly Entry[], labels: Labels, at: number, out: string[]): void {
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as Entry;
    if (entry.start <= at && at < entry.end && entry.test(labels)) out.push(entry.id);
  }
}

function entryOf(silence: Silence): Entry {
  return {
    silence,
    id: silence.id,
    start: silence.startsAt,
    end: effectiveEnd(silence),
    test: compileMatchers(silence.matchers),
  };
}
