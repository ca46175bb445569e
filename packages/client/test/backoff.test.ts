import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/index';

const policy = { minDelayMs: 500, maxDelayMs: 30_000 };

describe('backoffDelay', () => {
  it('stays within [min, min(max, min·2^attempt)] for every attempt and random value', () => {
    fc.assert(
      fc.property(fc.nat(100), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, random) => {
        const delay = backoffDelay(attempt, random, policy);
        expect(delay).toBeGreaterThanOrEqual(500);
        expect(delay).toBeLessThanOrEqual(Math.min(30_000, 500 * 2 ** attempt));
      }),
    );
  });

  it('is fully jittered: random 0 gives the minimum, random near 1 the ceiling', () => {
    expect(backoffDelay(3, 0, policy)).toBe(500);
    expect(backoffDelay(3, 0.999_999, policy)).toBe(3999);
    expect(backoffDelay(0, 0.5, policy)).toBe(500);
  });

  it('is capped at the maximum however many attempts failed', () => {
    expect(backoffDelay(1000, 0.999_999, policy)).toBeLessThanOrEqual(30_000);
    expect(backoffDelay(1000, 0.999_999, policy)).toBeGreaterThan(29_000);
  });
});
