import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/helpers/manual-clock';
import type { ClientConnection } from '../client-connection';
import { AuthExpirySweep } from './auth-expiry';

/** A stand-in: the sweep reads only `state`. */
const connection = { state: 'ready' } as unknown as ClientConnection;
const DAY = 86_400_000;

/** Remembers the longest delay asked for: Node fires anything above 2^31 - 1 ms at once. */
class ClockWithLongest extends ManualClock {
  longest = 0;
  override setTimeout(fn: () => void, ms: number): number {
    this.longest = Math.max(this.longest, ms);
    return super.setTimeout(fn, ms);
  }
}

describe('AuthExpirySweep', () => {
  it('reaches a deadline 40 days away with timers Node can keep, warning and closing on time', () => {
    const clock = new ClockWithLongest();
    const events: string[] = [];
    const sweep = new AuthExpirySweep(clock, 60_000, {
      warn: () => events.push(`warn@${clock.now()}`),
      expire: () => events.push(`expire@${clock.now()}`),
    });
    const start = clock.now();
    sweep.set(connection, start + 40 * DAY);
    clock.advance(40 * DAY - 60_001);
    expect(events).toEqual([]);
    clock.advance(60_001);
    expect(events).toEqual([`warn@${start + 40 * DAY - 60_000}`, `expire@${start + 40 * DAY}`]);
    expect(clock.longest).toBeLessThanOrEqual(2 ** 31 - 1);
    expect(clock.pending).toBe(0);
  });
});
