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

describe('RoomHistory retention by room', () => {
  const at = (ms: number) => new Date(ms).toISOString();
  const retention = (roomId: string) =>
    roomId.startsWith('live:')
      ? { maxEntries: 3, maxAgeMs: 60_000, maxBytes: Number.POSITIVE_INFINITY }
      : { maxEntries: 10, maxAgeMs: Number.POSITIVE_INFINITY, maxBytes: Number.POSITIVE_INFINITY };

  it('keeps each room to its own length', () => {
    const now = () => Date.parse('2026-12-05T00:00:00.000Z');
    const history = new RoomHistory({ size: 50, maxRooms: 10, maxBytes: 1e9, retentionFor: retention, now });
    for (let i = 0; i < 12; i++) {
      history.add(message('live:1'));
      history.add(message('team'));
    }
    expect(history.recent('live:1')).toHaveLength(3);
    expect(history.recent('team')).toHaveLength(10);
  });

  it('lets messages go past their room’s age, on reads as on writes', () => {
    let now = 1_000_000;
    const history = new RoomHistory({ size: 50, maxRooms: 10, maxBytes: 1e9, retentionFor: retention, now: () => now });
    history.add({ ...message('live:1'), created_at: at(now) });
    history.add({ ...message('team'), created_at: at(now) });
    now += 30_000;
    const newer = { ...message('live:1'), created_at: at(now) };
    history.add(newer);
    expect(history.recent('live:1')).toHaveLength(2);
    now += 40_000; // the first is 70 s old now, the second 40 s
    expect(history.recent('live:1')).toEqual([newer]);
    expect(history.page('live:1', { limit: 10 }).messages).toEqual([newer]);
    now += 30_000;
    expect(history.recent('live:1')).toEqual([]);
    expect(history.find('live:1', newer.message_id)).toBeUndefined();
    expect(history.recent('team')).toHaveLength(1);
    expect(history.usage().rooms).toBe(1);
  });

  it('keeps a room within its own bytes, its newest message whatever its size', () => {
    const small = (roomId: string) => ({
      maxEntries: 50,
      maxAgeMs: Number.POSITIVE_INFINITY,
      maxBytes: roomId === 'small' ? 1_000 : 1e9,
    });
    const history = new RoomHistory({ size: 50, maxRooms: 10, maxBytes: 1e9, retentionFor: small });
    for (let i = 0; i < 10; i++) history.add(message('small', 'x'.repeat(300)));
    const kept = history.recent('small');
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.reduce((sum, m) => sum + weight(m), 0)).toBeLessThanOrEqual(1_000);
    history.add(message('small', 'y'.repeat(5_000)));
    expect(history.recent('small').map((m) => m.content.length)).toEqual([5_000]);
  });
});

describe('RoomHistory pages', () => {
  /** Ids of fixed width, so their text order is their number order, added in a shuffled order. */
  const id = (n: number) => `m${String(n).padStart(4, '0')}`;
  const ids = (messages: readonly ChatMessage[]) => messages.map((m) => m.message_id);

  it('pages back and forth through everything kept: each message once, in the order kept', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.nat(500), { minLength: 0, maxLength: 60 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 12 }),
        (numbers, size, limit) => {
          const history = new RoomHistory({ size, maxRooms: 10, maxBytes: 1e9 });
          for (const n of numbers) history.add({ ...message('r'), message_id: id(n) });
          const kept = ids(history.recent('r'));
          expect(kept).toHaveLength(Math.min(size, numbers.length));

          const backwards: string[] = [];
          let before: string | undefined;
          for (let pages = 0; pages <= kept.length; pages++) {
            const page = history.page('r', { before, limit });
            expect(page.messages.length).toBeLessThanOrEqual(limit);
            backwards.unshift(...ids(page.messages));
            if (!page.more) break;
            before = page.messages[0]?.message_id;
          }
          expect(backwards).toEqual(kept);

          const forwards: string[] = [];
          let after: string | undefined = '';
          for (let pages = 0; pages <= kept.length; pages++) {
            const page = history.page('r', { after, limit });
            forwards.push(...ids(page.messages));
            if (!page.more) break;
            after = page.messages.at(-1)?.message_id;
          }
          expect(forwards).toEqual(kept);
          expect(history.page('r', { limit }).oldest).toBe([...kept].sort()[0]);
        },
      ),
    );
  });

  it('places a cursor it keeps by its place, and one it does not by its id', () => {
    const history = new RoomHistory({ size: 50, maxRooms: 10, maxBytes: 1e9 });
    // Ids of one millisecond come in any order: the order kept is the order published.
    for (const n of [1, 3, 2]) history.add({ ...message('r'), message_id: id(n) });
    expect(ids(history.page('r', { after: id(1), limit: 5 }).messages)).toEqual([id(3), id(2)]);
    expect(ids(history.page('r', { before: id(2), limit: 5 }).messages)).toEqual([id(1), id(3)]);
    history.remove('r', id(3));
    // A deleted cursor is no longer kept: compared by id, the page goes on from where it was.
    expect(ids(history.page('r', { after: id(3), limit: 5 }).messages)).toEqual([]);
    expect(ids(history.page('r', { before: id(3), limit: 5 }).messages)).toEqual([id(1), id(2)]);
    expect(ids(history.page('r', { after: id(0), limit: 5 }).messages)).toEqual([id(1), id(2)]);
  });

  it('answers the messages strictly between two ids, the oldest first', () => {
    const history = new RoomHistory({ size: 50, maxRooms: 10, maxBytes: 1e9 });
    for (const n of [1, 2, 3, 4, 5, 6]) history.add({ ...message('r'), message_id: id(n) });
    expect(ids(history.page('r', { after: id(1), before: id(6), limit: 2 }).messages)).toEqual([id(2), id(3)]);
    expect(history.page('r', { after: id(1), before: id(6), limit: 2 }).more).toBe(true);
    expect(history.page('r', { after: id(1), before: id(6), limit: 4 })).toEqual({
      messages: [2, 3, 4, 5].map((n) => expect.objectContaining({ message_id: id(n) })),
      more: false,
      oldest: id(1),
    });
    expect(history.page('r', { after: id(4), before: id(2), limit: 4 }).messages).toEqual([]);
    expect(history.page('nowhere', { limit: 4 })).toEqual({ messages: [], more: false, oldest: undefined });
  });
});
