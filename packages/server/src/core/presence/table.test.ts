import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PresenceDelta } from './delta';
import { PresenceTable } from './table';

const statuses = ['online', 'idle', 'dnd', 'invisible'] as const;

/** Changes of a few users' devices on two instances, in any order: what instances feed their tables. */
const delta: fc.Arbitrary<PresenceDelta> = fc
  .record({
    op: fc.constantFrom('up', 'status', 'down', 'join', 'leave'),
    node: fc.constantFrom('n1', 'n2'),
    session: fc.constantFrom('s1', 's2', 's3', 's4'),
    user: fc.constantFrom('u1', 'u2'),
    status: fc.constantFrom(...statuses),
    room: fc.constantFrom('r1', 'r2'),
    second: fc.integer({ min: 0, max: 59 }),
  })
  .map(({ op, node, session, user, status, room, second }): PresenceDelta => {
    const at = `2025-01-01T00:00:${String(second).padStart(2, '0')}.000Z`;
    const base = { origin: node, at, session };
    switch (op) {
      case 'up':
        return { ...base, op, node, user: { id: user }, device: { device_id: session, device_type: 'web', status } };
      case 'status':
        return { ...base, op, user_id: user, status };
      case 'down':
        return { ...base, op, user_id: user };
      default:
        return { ...base, op, user_id: user, room };
    }
  });

/** Everything a table tells: who is online, who is in which room, and how many sessions there. */
function state(table: PresenceTable) {
  return {
    list: table.list(),
    rooms: ['r1', 'r2'].map((room) => [table.roomUserIds(room).sort(), table.roomSessionCount(room)]),
    nodes: table.nodes().sort(),
  };
}

describe('PresenceTable.apply', () => {
  it('is deterministic: tables fed the same deltas in the same order report the same transitions and state', () => {
    fc.assert(
      fc.property(fc.array(delta, { maxLength: 60 }), (deltas) => {
        const one = new PresenceTable();
        const two = new PresenceTable();
        for (const next of deltas) expect(two.apply(next)).toEqual(one.apply(next));
        expect(state(two)).toEqual(state(one));
      }),
    );
  });

  it('is idempotent: a delta applied again changes nothing, and joins or leaves no one', () => {
    // A status change applied again reports the (unchanged) entry once more, as an update: harmless to a
    // client, and what a client setting the same status twice has always been told.
    const joinOrLeave = (kind: string, change?: string) => kind !== 'presence' || change !== 'update';
    fc.assert(
      fc.property(fc.array(delta, { maxLength: 60 }), (deltas) => {
        const table = new PresenceTable();
        for (const next of deltas) {
          table.apply(next);
          const before = state(table);
          const again = table.apply(next);
          expect(again.filter((t) => joinOrLeave(t.kind, t.kind === 'presence' ? t.change.kind : undefined))).toEqual(
            [],
          );
          expect(state(table)).toEqual(before);
        }
      }),
    );
  });

  it('tells a user joined a room on their first session there and left after their last', () => {
    const table = new PresenceTable();
    const at = '2025-01-01T00:00:00.000Z';
    const device = (id: string) => ({ device_id: id, device_type: 'web' as const, status: 'online' as const });
    for (const session of ['a', 'b']) {
      table.apply({ op: 'up', origin: 'n', at, node: 'n', session, user: { id: 'u' }, device: device(session) });
    }
    const join = (session: string) => table.apply({ op: 'join', origin: 'n', at, session, user_id: 'u', room: 'r' });
    const leave = (session: string) => table.apply({ op: 'leave', origin: 'n', at, session, user_id: 'u', room: 'r' });
    expect(join('a').map((t) => t.kind)).toEqual(['room-join']);
    expect(join('b')).toEqual([]);
    expect(leave('a')).toEqual([]);
    expect(leave('b')).toEqual([{ kind: 'room-leave', roomId: 'r', userId: 'u' }]);
  });

  it('tells nothing of a room to others while the user is invisible, and counts only who is seen', () => {
    const table = new PresenceTable();
    const at = '2025-01-01T00:00:00.000Z';
    const device = { device_id: 'd', device_type: 'web' as const, status: 'invisible' as const };
    table.apply({ op: 'up', origin: 'n', at, node: 'n', session: 's', user: { id: 'u' }, device });
    expect(table.apply({ op: 'join', origin: 'n', at, session: 's', user_id: 'u', room: 'r' })).toEqual([]);
    expect(table.roomVisibleCount('r')).toBe(0);
    // Seen now: the room counts the user, and a leave from here on is told.
    expect(table.apply({ op: 'status', origin: 'n', at, session: 's', user_id: 'u', status: 'online' })).toHaveLength(
      1,
    );
    expect(table.roomVisibleCount('r')).toBe(1);
    table.apply({ op: 'status', origin: 'n', at, session: 's', user_id: 'u', status: 'invisible' });
    expect(table.roomVisibleCount('r')).toBe(0);
    expect(table.apply({ op: 'leave', origin: 'n', at, session: 's', user_id: 'u', room: 'r' })).toEqual([]);
    expect(table.inRoom('r', 'u')).toBe(false);
  });
});
