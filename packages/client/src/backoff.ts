export interface BackoffPolicy {
  /** Shortest delay, and the base the exponential ceiling grows from. */
  readonly minDelayMs: number;
  /** Longest delay. */
  readonly maxDelayMs: number;
}

/**
 * Delay before reconnect attempt `attempt` (0 for the first): a uniformly random point between
 * `minDelayMs` and a ceiling of `minDelayMs · 2^(attempt+1)` capped at `maxDelayMs` ("full jitter").
 * The first attempt is jittered too: a fleet dropped by the same deploy must not come back in lockstep,
 * and the first attempt is the one every client of that fleet makes. `random` is a number in [0, 1).
 */
export function backoffDelay(attempt: number, random: number, policy: BackoffPolicy): number {
  const { minDelayMs, maxDelayMs } = policy;
  const ceiling = Math.min(maxDelayMs, minDelayMs * 2 ** Math.min(attempt + 1, 31));
  return Math.min(maxDelayMs, minDelayMs + Math.floor(random * Math.max(0, ceiling - minDelayMs)));
}
