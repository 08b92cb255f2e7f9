/**
 * Raw check results, packed: one byte string per check per hour instead of one database
 * row per result. Each sample is three unsigned LEB128 varints —
 *
 *   offset from the previous sample (the first: from the start of the hour), in ms
 *   duration in ms
 *   outcome code: 0 ok, 1 degraded, 2 + index in ERROR_CODES for a failure
 *
 * — typically 5–7 bytes, against ~150 bytes for a row in a row-per-result table.
 */
import type { ErrorKind } from "../probes/types.ts";

export const ERROR_CODES: readonly ErrorKind[] = [
  "dns",
  "connect",
  "tls",
  "timeout",
  "http",
  "auth",
  "query",
  "command",
  "assertion",
  "interrupted",
  "heartbeat",
];

export type Outcome = "ok" | "degraded" | ErrorKind;

export interface Sample {
  at: number;
  durationMs: number;
  outcome: Outcome;
}

export function outcomeCode(outcome: Outcome): number {
  if (outcome === "ok") return 0;
  if (outcome === "degraded") return 1;
  const index = ERROR_CODES.indexOf(outcome);
  return index < 0 ? 2 + ERROR_CODES.indexOf("assertion") : 2 + index;
}

export function outcomeOf(code: number): Outcome {
  if (code === 0) return "ok";
  if (code === 1) return "degraded";
  return ERROR_CODES[code - 2] ?? "assertion";
}

/** The samples of one check in one hour, appended in time order. */
export class SampleBuffer {
  readonly hour: number;
  /**
   * False until the buffer is known to hold everything of its hour: a buffer started after a
   * restart may have a stored row before it, merged at the next flush.
   */
  complete = false;
  count = 0;
  failures = 0;
  degraded = 0;
  #bytes = new Uint8Array(64);
  #length = 0;
  #lastOffset = 0;

  constructor(hour: number) {
    this.hour = hour;
  }

  add(sample: Sample): void {
    // Clamp: a clock step back must not produce a negative delta.
    const offset = Math.max(this.#lastOffset, Math.min(sample.at - this.hour, HOUR_MS - 1));
    this.#write(offset - this.#lastOffset);
    this.#write(Math.max(0, Math.round(sample.durationMs)));
    const code = outcomeCode(sample.outcome);
    this.#write(code);
    this.#lastOffset = offset;
    this.count++;
    if (code === 1) this.degraded++;
    else if (code >= 2) this.failures++;
  }

  /** The packed bytes (a copy: the buffer keeps growing). */
  bytes(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }

  get byteLength(): number {
    return this.#length;
  }

  #write(value: number): void {
    if (this.#length + 5 > this.#bytes.length) {
      const grown = new Uint8Array(this.#bytes.length * 2);
      grown.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = grown;
    }
    let v = value;
    while (v >= 0x80) {
      this.#bytes[this.#length++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.#bytes[this.#length++] = v;
  }

  /** A buffer holding what `data` (from the store) holds, to continue appending to. */
  static from(hour: number, data: Uint8Array): SampleBuffer {
    const buffer = new SampleBuffer(hour);
    for (const sample of decodeSamples(hour, data)) buffer.add(sample);
    buffer.complete = true;
    return buffer;
  }
}

export const HOUR_MS = 3_600_000;

/** Every sample in a packed hour, oldest first. */
export function decodeSamples(hour: number, data: Uint8Array): Sample[] {
  const out: Sample[] = [];
  let pos = 0;
  let offset = 0;
  const read = (): number => {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = data[pos++];
      if (byte === undefined) throw new RangeError("truncated sample data");
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
  };
  while (pos < data.length) {
    offset += read();
    const durationMs = read();
    const outcome = outcomeOf(read());
    out.push({ at: hour + offset, durationMs, outcome });
  }
  return out;
}
