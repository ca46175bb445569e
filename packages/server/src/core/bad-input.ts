/**
 * A single bad frame earns an error reply; this counts them so repeats earn a close (4400).
 * Sliding window of timestamps, at most `limit` long.
 */
export class BadInputPolicy {
  private readonly stamps: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Records one bad frame at `now`; true when the connection has now crossed the limit. */
  record(now: number): boolean {
    this.stamps.push(now);
    while (this.stamps.length > 0 && (this.stamps[0] ?? now) <= now - this.windowMs) this.stamps.shift();
    if (this.stamps.length > this.limit) this.stamps.shift();
    return this.stamps.length >= this.limit;
  }
}
