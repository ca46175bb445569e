import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idAfter } from './ids';
import { Stamps } from './stamps';

describe('message ids', () => {
  it('sort in the order one process made them, whatever its clock does', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 2, maxLength: 200 }),
        fc.nat(),
        (steps, seed) => {
          let now = 1_800_000_000_000;
          let state = seed;
          const random = () => {
            state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
            return state / 2 ** 31;
          };
          // Steps of 0 stay within one millisecond; 5 steps the clock back.
          const stamps = new Stamps({ now: () => now, setTimeout: () => 0, clearTimeout: () => {} }, random);
          const ids = steps.map((step) => {
            now += step === 5 ? -3 : step;
            return stamps.newId();
          });
          expect([...ids].sort()).toEqual(ids);
          expect(new Set(ids).size).toBe(ids.length);
        },
      ),
    );
  });

  it('counts on in base 32 with a carry', () => {
    expect(idAfter('00z')).toBe('010');
    expect(idAfter('0zz')).toBe('100');
    expect(idAfter('zz')).toBe('zz0');
    expect(idAfter('a0') > 'a0').toBe(true);
  });
});
