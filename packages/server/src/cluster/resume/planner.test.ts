import { describe, expect, it } from 'vitest';
import type { SessionRecord, StoredSession } from '../../core/ports/session-store';
import { planResume, roomsOf, SESSION_GONE } from './planner';

const record: SessionRecord = {
  v: 1,
  user: { id: 'ann' },
  device_id: 'd',
  device_type: 'web',
  channels: { all: { from: '5-0' }, 'room:a': { from: '5-0' }, 'room:b': { from: '5-0', to: '9-0' } },
  anchors: [
    { seq: 3, pos: '5-0' },
    { seq: 7, pos: '12-0' },
  ],
};
const stored: StoredSession = { holder: 'gw-old', record };

describe('planResume', () => {
  it.each([
    ['no record', { stored: undefined, firstPosition: '1-0' }, true, 7, 'ann', SESSION_GONE],
    ['this instance cannot take it', { stored, firstPosition: '1-0' }, false, 7, 'ann', SESSION_GONE],
    ["another user's token", { stored, firstPosition: '1-0' }, true, 7, 'bob', "The token's user"],
    ['a client behind every anchor', { stored, firstPosition: '1-0' }, true, 2, 'ann', 'back to seq 2'],
    ['a stream trimmed past the anchor', { stored, firstPosition: '6-0' }, true, 3, 'ann', 'no longer reaches'],
    ['an empty stream', { stored, firstPosition: undefined }, true, 7, undefined, 'no longer reaches'],
  ] as const)('refuses: %s', (_, found, available, seq, userId, reason) => {
    const plan = planResume({ sessionId: 's', seq, userId }, found, available);
    expect('refuse' in plan && plan.refuse).toContain(reason);
  });

  it('plans from the newest anchor at or before the client’s seq', () => {
    const found = { stored, firstPosition: '1-0' };
    expect(planResume({ sessionId: 's', seq: 9, userId: 'ann' }, found, true)).toEqual({
      record,
      anchor: { seq: 7, pos: '12-0' },
      holder: 'gw-old',
    });
    expect(planResume({ sessionId: 's', seq: 6, userId: undefined }, found, true)).toMatchObject({
      anchor: { seq: 3, pos: '5-0' },
    });
  });

  it('rebuilds the rooms the session had not left', () => {
    expect(roomsOf(record)).toEqual(['a']);
  });
});
