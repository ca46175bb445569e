import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/index';

const policy = { minDelayMs: 500, maxDelayMs: 30_000 };
const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('backoffDelay', () => {
  it('stays within [min, min(max, min·2^(attempt+1))) for every attempt and random value', () => {
    fc.assert(
      fc.property(fc.nat(100), unit, (attempt, random) => {
        const delay = backoffDelay(attempt, random, policy);
        expect(delay).toBeGreaterThanOrEqual(500);
        expect(delay).toBeLessThanOrEqual(Math.min(30_000, 500 * 2 ** (attempt + 1)));
        expect(Number.isInteger(delay)).toBe(true);
      }),
    );
  });

  it('jitters the first attempt too: a fleet dropped together spreads over [min, 2·min)', () => {
    expect(backoffDelay(0, 0, policy)).toBe(500);
    expect(backoffDelay(0, 0.5, policy)).toBe(750);
    expect(backoffDelay(0, 0.999_999, policy)).toBe(999);
    // 1000 clients with evenly spread random numbers do not come back in the same millisecond.
    const delays = new Set(Array.from({ length: 1000 }, (_, i) => backoffDelay(0, i / 1000, policy)));
    expect(delays.size).toBe(500);
  });

  it('is fully jittered at every attempt: random 0 gives the minimum, random near 1 the ceiling', () => {
    expect(backoffDelay(3, 0, policy)).toBe(500);
    expect(backoffDelay(3, 0.999_999, policy)).toBe(7999);
    expect(backoffDelay(1, 0.5, policy)).toBe(1250);
  });

  it('is monotone in the random number and never shrinks its ceiling as attempts grow', () => {
    fc.assert(
      fc.property(fc.nat(60), unit, unit, (attempt, a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        expect(backoffDelay(attempt, low, policy)).toBeLessThanOrEqual(backoffDelay(attempt, high, policy));
        expect(backoffDelay(attempt, high, policy)).toBeLessThanOrEqual(backoffDelay(attempt + 1, high, policy));
      }),
    );
  });

  it('is capped at the maximum however many attempts failed', () => {
    expect(backoffDelay(1000, 0.999_999, policy)).toBeLessThanOrEqual(30_000);
    expect(backoffDelay(1000, 0.999_999, policy)).toBeGreaterThan(29_000);
    expect(backoffDelay(Number.MAX_SAFE_INTEGER, 0.5, policy)).toBe(15_250);
  });

  it('gives the minimum when min equals max', () => {
    expect(backoffDelay(7, 0.9, { minDelayMs: 1000, maxDelayMs: 1000 })).toBe(1000);
  });
});
