/** A bucket's size and refill rate, as `hello.limits.rate_limits` announces them. */
export interface RateLimit {
  /** Frames that may come at once after a quiet spell. */
  burst: number;
  /** Tokens added back per second. */
  perSecond: number;
}

/**
 * A token bucket refilled lazily from the clock on each take: O(1) per frame, no timer, nothing shared
 * between connections.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly limit: RateLimit,
    now: number,
  ) {
    this.tokens = limit.burst;
    this.refilledAt = now;
  }

  /** Takes one token: 0 when granted, else how many ms until one is there (at least 1). */
  take(now: number): number {
    const { burst, perSecond } = this.limit;
    if (now > this.refilledAt) {
      this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) * perSecond) / 1000);
      this.refilledAt = now;
    }
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    if (perSecond <= 0) return Number.MAX_SAFE_INTEGER;
    return Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / perSecond));
  }
}
