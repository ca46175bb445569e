import type { ChatMessage } from '@gateway/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RoomHistory } from './room-history';

let next = 0;
function message(roomId: string, content = 'hello'): ChatMessage {
  next += 1;
  return {
    message_id: `m${next}`,
    room_id: roomId,
    sender_id: 'u',
    kind: 'text',
    content,
    created_at: '2026-12-05T00:00:00.000Z',
  };
}

const weight = (m: ChatMessage) => JSON.stringify(m).length;

describe('RoomHistory budgets', () => {
  it('lets the least recently used room go past maxRooms; a read counts as use', () => {
    const evictions: number[] = [];
    const history = new RoomHistory({ size: 10, maxRooms: 2, maxBytes: 1e9 }, (rooms) => evictions.push(rooms));
    history.add(message('a'));
    history.add(message('b'));
    history.recent('a'); // a is now more recent than b
    history.add(message('c'));
    expect(history.recent('b')).toEqual([]);
    expect(history.recent('a')).toHaveLength(1);
    expect(history.recent('c')).toHaveLength(1);
    expect(evictions).toEqual([1]);
  });

  it('keeps the bytes of every room within maxBytes, the oldest rooms going first', () => {
    const big = 'x'.repeat(1000);
    const history = new RoomHistory({ size: 50, maxRooms: 1000, maxBytes: 10_000 });
    for (let i = 0; i < 100; i++) history.add(message(`room-${i}`, big));
    expect(history.usage().bytes).toBeLessThanOrEqual(10_000);
    expect(history.recent('room-99')).toHaveLength(1);
    expect(history.recent('room-0')).toEqual([]);
  });

  it('drops the oldest messages of a room that alone is over the byte budget, keeping its newest', () => {
    const history = new RoomHistory({ size: 50, maxRooms: 10, maxBytes: 5_000 });
    for (let i = 0; i < 20; i++) history.add(message('loud', 'y'.repeat(1000)));
    expect(history.usage().bytes).toBeLessThanOrEqual(5_000);
    expect(history.recent('loud').length).toBeGreaterThan(0);
  });

  it('accounts bytes exactly through adds, edits and deletes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            op: fc.constantFrom('add', 'edit', 'remove'),
            room: fc.constantFrom('a', 'b', 'c', 'd'),
            size: fc.nat(400),
          }),
          { maxLength: 80 },
        ),
        (ops) => {
          const history = new RoomHistory({ size: 5, maxRooms: 3, maxBytes: 2_000 });
          for (const { op, room, size } of ops) {
            const kept = history.recent(room);
            const target = kept[size % Math.max(1, kept.length)];
            if (op === 'add') history.add(message(room, 'z'.repeat(size)));
            else if (op === 'edit' && target !== undefined) history.replace({ ...target, content: 'e'.repeat(size) });
            else if (op === 'remove' && target !== undefined) history.remove(room, target.message_id);
          }
          const rooms = ['a', 'b', 'c', 'd'].map((room) => history.recent(room));
          const bytes = rooms.flat().reduce((sum, m) => sum + weight(m), 0);
          expect(history.usage()).toEqual({ rooms: rooms.filter((kept) => kept.length > 0).length, bytes });
          expect(history.usage().rooms).toBeLessThanOrEqual(3);
        },
      ),
    );
  });
});
