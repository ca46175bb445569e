import { describe, expect, it } from 'vitest';
import { type TypingChange, TypingView } from '../src/typing-view';
import { ManualClock } from './manual-clock';

const start = (userId: string, roomId = 'r1', expiresInMs = 10_000) =>
  ({ type: 'typing.start', payload: { room_id: roomId, user_id: userId, expires_in_ms: expiresInMs } }) as const;

function setup() {
  const clock = new ManualClock();
  const changes: TypingChange[] = [];
  const view = new TypingView(clock, (change) => changes.push(change));
  return { clock, changes, view };
}

describe('typing view', () => {
  it('lists who is typing and expires each entry after its expires_in_ms on the clock', () => {
    const { clock, changes, view } = setup();
    view.apply(start('bob'));
    clock.advance(4000);
    view.apply(start('carol', 'r1', 3000));
    expect(view.inRoom('r1')).toEqual(['bob', 'carol']);
    clock.advance(2999);
    expect(view.inRoom('r1')).toEqual(['bob', 'carol']);
    clock.advance(1);
    expect(view.inRoom('r1')).toEqual(['bob']);
    clock.advance(3000);
    expect(view.inRoom('r1')).toEqual([]);
    expect(changes.map((c) => c.user_ids)).toEqual([['bob'], ['bob', 'carol'], ['bob'], []]);
    expect(clock.pending).toBe(0);
  });

  it('renewal pushes the expiry back without a change event', () => {
    const { clock, changes, view } = setup();
    view.apply(start('bob'));
    clock.advance(9000);
    view.apply(start('bob'));
    clock.advance(9000);
    expect(view.inRoom('r1')).toEqual(['bob']);
    expect(changes).toHaveLength(1);
    clock.advance(1000);
    expect(view.inRoom('r1')).toEqual([]);
  });

  it('typing.stop and clear() end entries at once', () => {
    const { changes, view } = setup();
    view.apply(start('bob'));
    view.apply(start('carol', 'r2'));
    view.apply({ type: 'typing.stop', payload: { room_id: 'r1', user_id: 'bob' } });
    expect(view.inRoom('r1')).toEqual([]);
    view.clear();
    expect(view.inRoom('r2')).toEqual([]);
    expect(changes.at(-1)).toEqual({ room_id: 'r2', user_ids: [] });
  });
});
