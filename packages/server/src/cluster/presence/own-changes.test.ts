import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/helpers/manual-clock';
import { OwnChanges, SETTLE_DEADLINE_MS } from './own-changes';

describe('OwnChanges', () => {
  it('settles at once when every change came back, else once the last one sent so far does', async () => {
    const own = new OwnChanges(new ManualClock());
    expect(own.settled()).toBeUndefined();
    own.left();
    own.left();
    const settled = own.settled();
    let done = false;
    void settled?.then(() => {
      done = true;
    });
    own.left(); // sent after the question: not waited for
    own.cameBack();
    await Promise.resolve();
    expect(done).toBe(false);
    own.cameBack();
    await settled;
    expect(done).toBe(true);
    expect(own.settled()).toBeInstanceOf(Promise);
  });

  it('gives up after the deadline, and later questions do not wait for what was lost', async () => {
    const clock = new ManualClock();
    const own = new OwnChanges(clock);
    own.left();
    const settled = own.settled();
    clock.advance(SETTLE_DEADLINE_MS);
    await settled;
    expect(own.settled()).toBeUndefined();
  });
});
