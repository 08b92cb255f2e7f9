/**
 * The in-memory part of one series: its open chunk (an incremental ChunkEncoder) and the sealed
 * chunks of the recent past, so rule evaluation over recent windows never touches the database.
 *
 * The open chunk is sealed when it holds MAX_CHUNK_SAMPLES samples or when a sample falls in a
 * later clock hour: a chunk never spans two hours, so the hour is the unit of flushing,
 * rolling up, eviction and retention. Sealed chunks stay until their hour is rolled up, they
 * are persisted and they are older than the store's memory window (series-store.ts).
 */
import type { Labels } from "../series.ts";
import { ChunkEncoder, MAX_CHUNK_SAMPLES } from "./chunk-codec.ts";
import { HOUR_MS } from "./rollup.ts";

export interface SealedChunk {
  /** The clock hour holding every sample of the chunk. */
  hour: number;
  startMs: number;
  endMs: number;
  count: number;
  data: Uint8Array;
  /** Whether the database holds this chunk as it is now. */
  persisted: boolean;
}

export class MemSeries {
  readonly id: number;
  readonly key: string;
  readonly name: string;
  /** Including `__name__`; shared by every result that returns this series. */
  readonly labels: Labels;
  open = new ChunkEncoder();
  /** The end of the hour of the open chunk (0 while it is empty). */
  openHourEnd = 0;
  /** The open chunk changed since it was last written. */
  openDirty = false;
  /** Sealed chunks in memory, oldest first. */
  chunks: SealedChunk[] = [];
  /** The newest sample's timestamp and value (-Infinity: none known). */
  lastT = Number.NEGATIVE_INFINITY;
  lastV = Number.NaN;
  /** The metric_series row exists. */
  stored: boolean;
  /** The last_seen value stored (the hour of a sample), to write it only when it moves. */
  storedSeenHour: number;

  constructor(id: number, key: string, name: string, labels: Labels, stored = false, seen = 0) {
    this.id = id;
    this.key = key;
    this.name = name;
    this.labels = labels;
    this.stored = stored;
    this.storedSeenHour = seen;
  }

  /** Appends a sample newer than `lastT` (the caller checked). */
  append(t: number, v: number): void {
    const open = this.open;
    if (open.count > 0 && (open.count >= MAX_CHUNK_SAMPLES || t >= this.openHourEnd)) this.seal();
    if (open.count === 0) this.openHourEnd = Math.floor(t / HOUR_MS) * HOUR_MS + HOUR_MS;
    open.append(t, v);
    this.lastT = t;
    this.lastV = v;
    this.openDirty = true;
  }

  /** Moves the open chunk (if any) to the sealed ones. */
  seal(): void {
    const open = this.open;
    if (open.count === 0) return;
    this.chunks.push({
      hour: this.openHourEnd - HOUR_MS,
      startMs: open.firstT,
      endMs: open.lastT,
      count: open.count,
      data: open.bytes(),
      persisted: false,
    });
    open.reset();
    this.openDirty = false;
  }

  /**
   * The open chunk as a (not yet sealed) chunk, or undefined when empty. Its data is a copy,
   * or with `copy` false a view that is only valid until the next append (for reading now).
   */
  openChunk(copy = true): SealedChunk | undefined {
    const open = this.open;
    if (open.count === 0) return undefined;
    return {
      hour: this.openHourEnd - HOUR_MS,
      startMs: open.firstT,
      endMs: open.lastT,
      count: open.count,
      data: copy ? open.bytes() : open.view(),
      persisted: !this.openDirty,
    };
  }

  /** Every chunk in memory (sealed, then the open one as a view), oldest first, to read now. */
  allChunks(): SealedChunk[] {
    const open = this.openChunk(false);
    return open === undefined ? this.chunks : [...this.chunks, open];
  }

  /** Forgets sealed chunks matching `drop` (persisted ones only). Returns bytes freed. */
  evict(drop: (chunk: SealedChunk) => boolean): number {
    let freed = 0;
    const kept: SealedChunk[] = [];
    for (const chunk of this.chunks) {
      if (chunk.persisted && drop(chunk)) freed += chunk.data.length;
      else kept.push(chunk);
    }
    if (freed > 0) this.chunks = kept;
    return freed;
  }
}

/** Pushes the decoded samples with from < t <= to. */
export function pushRange(
  chunk: { timestamps: Float64Array; values: Float64Array },
  from: number,
  to: number,
  ts: number[],
  vs: number[],
): void {
  const { timestamps, values } = chunk;
  for (let i = 0; i < timestamps.length; i++) {
    const t = timestamps[i] as number;
    if (t > from && t <= to) {
      ts.push(t);
      vs.push(values[i] as number);
    }
  }
}

/** What the series hold in memory, for stats(). */
export function memoryStats(all: Iterable<MemSeries>): {
  samplesInMemory: number;
  chunksInMemory: number;
  bytesInMemory: number;
} {
  let samples = 0;
  let chunks = 0;
  let bytes = 0;
  for (const s of all) {
    samples += s.open.count;
    bytes += s.open.byteLength;
    for (const c of s.chunks) {
      samples += c.count;
      bytes += c.data.length;
      chunks++;
    }
  }
  return { samplesInMemory: samples, chunksInMemory: chunks, bytesInMemory: bytes };
}

/**
 * Samples are in order unless a series' chunks overlap (possible only for a sample accepted
 * right after a restart, older than the series' last unloaded chunk): then sort, first wins.
 */
export function sortedUnique(ts: number[], vs: number[]): { ts: number[]; vs: number[] } {
  let ordered = true;
  for (let i = 1; i < ts.length; i++) {
    if ((ts[i] as number) <= (ts[i - 1] as number)) {
      ordered = false;
      break;
    }
  }
  if (ordered) return { ts, vs };
  const order = ts.map((_, i) => i).sort((a, b) => (ts[a] as number) - (ts[b] as number) || a - b);
  const outT: number[] = [];
  const outV: number[] = [];
  for (const i of order) {
    if (outT.length > 0 && outT[outT.length - 1] === ts[i]) continue;
    outT.push(ts[i] as number);
    outV.push(vs[i] as number);
  }
  return { ts: outT, vs: outV };
}
