// Latency histogram (10 µs buckets up to 5 s, then one overflow bucket), pooled across runs, and medians.

const BUCKET_US = 10;
const BUCKETS = 500_000;

export class Histogram {
  constructor() {
    this.counts = new Uint32Array(BUCKETS + 1);
    this.total = 0;
    this.max = 0;
  }

  reset() {
    this.counts.fill(0);
    this.total = 0;
    this.max = 0;
  }

  /** @param {number} us */
  record(us) {
    const value = Math.max(us, 0);
    const bucket = Math.min(BUCKETS, Math.floor(value / BUCKET_US));
    this.counts[bucket]++;
    this.total++;
    if (value > this.max) this.max = value;
  }

  /**
   * The non-empty buckets as `[bucket, count]` pairs, and the largest sample: small enough to send over IPC.
   * @returns {{buckets: [number, number][], max: number}}
   */
  toSparse() {
    /** @type {[number, number][]} */
    const buckets = [];
    for (let i = 0; i <= BUCKETS; i++) if (this.counts[i] > 0) buckets.push([i, this.counts[i]]);
    return { buckets, max: this.max };
  }

  /**
   * Adds another histogram's samples (from `toSparse`): percentiles over several runs are taken over all
   * their samples together, not as a median of each run's percentile.
   * @param {{buckets: [number, number][], max: number}} sparse
   */
  add(sparse) {
    for (const [bucket, count] of sparse.buckets) {
      this.counts[bucket] += count;
      this.total += count;
    }
    this.max = Math.max(this.max, sparse.max);
  }

  /**
   * The value (ms) below which `p` percent of the samples fall; undefined without samples.
   * @param {number} p
   */
  percentile(p) {
    if (this.total === 0) return undefined;
    const rank = Math.ceil((p / 100) * this.total);
    let seen = 0;
    for (let i = 0; i <= BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return i === BUCKETS ? this.max / 1000 : ((i + 1) * BUCKET_US) / 1000;
    }
    return this.max / 1000;
  }
}

/**
 * Median of the defined numbers; undefined when there are none.
 * @param {(number | undefined)[]} values
 */
export function median(values) {
  const sorted = values.filter((value) => typeof value === 'number' && Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
