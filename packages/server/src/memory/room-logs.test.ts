import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BackplaneMessage } from '../core/ports/backplane';
import { DEFAULT_LOG_RETENTION, type LogRetention } from '../core/ports/room-logs';
import { InMemoryRoomLogs } from './room-logs';

const message = (n: number, body = `"n":${n}}`): BackplaneMessage => ({ type: 'chat.message', body, sequenced: true });

function logs(retention: Partial<LogRetention> = {}, budget: { maxRooms?: number; maxBytes?: number } = {}) {
  let now = 0;
  const store = new InMemoryRoomLogs({
    ...budget,
    now: () => now,
    retentionFor: () => ({ ...DEFAULT_LOG_RETENTION, ...retention }),
  });
  return { store, advance: (ms: number) => (now += ms) };
}

describe('InMemoryRoomLogs', () => {
  it('numbers each room from 1 in an epoch of its own, and reads after a position', () => {
    const { store } = logs();
    const a1 = store.append('a', message(1));
    const a2 = store.append('a', message(2));
    const b1 = store.append('b', message(1));
    expect([a1.offset, a2.offset, b1.offset]).toEqual([1, 2, 1]);
    expect(a1.epoch).toBe(a2.epoch);
    expect(b1.epoch).not.toBe(a1.epoch);
    const read = store.read('a', { epoch: a1.epoch, offset: 1 }, 100);
    expect(read).toMatchObject({ epoch: a1.epoch, head: 2, first: 1 });
    expect(read.entries.map((entry) => entry.offset)).toEqual([2]);
    expect(store.position('a')).toEqual({ epoch: a1.epoch, offset: 2 });
  });

  it('gives a room never written an epoch at offset 0, kept for its first dispatch', () => {
    const { store } = logs();
    const before = store.position('quiet');
    expect(before.offset).toBe(0);
    expect(store.append('quiet', message(1))).toEqual({ roomId: 'quiet', epoch: before.epoch, offset: 1 });
    expect(store.read('quiet', before, 10).entries.map((entry) => entry.offset)).toEqual([1]);
  });

  it('reads nothing for another epoch or a position at the head', () => {
    const { store } = logs();
    const at = store.append('a', message(1));
    expect(store.read('a', { epoch: 'other', offset: 0 }, 10).entries).toEqual([]);
    expect(store.read('a', at, 10).entries).toEqual([]);
  });

  it('keeps within the room retention by count, bytes and age; the newest stays whatever its size', () => {
    const count = logs({ maxEntries: 3 });
    for (let n = 1; n <= 5; n++) count.store.append('a', message(n));
    expect(count.store.read('a', { epoch: count.store.position('a').epoch, offset: 0 }, 10)).toMatchObject({
      head: 5,
      first: 3,
    });

    const bytes = logs({ maxBytes: 300 });
    for (let n = 1; n <= 3; n++) bytes.store.append('a', message(n, 'x'.repeat(100)));
    expect(bytes.store.read('a', { epoch: bytes.store.position('a').epoch, offset: 0 }, 10).first).toBe(3);
    bytes.store.append('a', message(4, 'y'.repeat(5000)));
    const big = bytes.store.read('a', { epoch: bytes.store.position('a').epoch, offset: 0 }, 10);
    expect(big.entries.map((entry) => entry.offset)).toEqual([4]);

    const age = logs({ maxAgeMs: 1000 });
    age.store.append('a', message(1));
    age.advance(600);
    age.store.append('a', message(2));
    age.advance(600);
    const aged = age.store.read('a', { epoch: age.store.position('a').epoch, offset: 0 }, 10);
    expect(aged).toMatchObject({ head: 2, first: 2 });
  });

  it('reads at most `limit` entries, the newest', () => {
    const { store } = logs();
    for (let n = 1; n <= 10; n++) store.append('a', message(n));
    const read = store.read('a', { epoch: store.position('a').epoch, offset: 2 }, 3);
    expect(read.entries.map((entry) => entry.offset)).toEqual([8, 9, 10]);
  });

  it('lets the least recently written room go past the budget, and its next dispatch starts a new epoch', () => {
    const { store } = logs({}, { maxRooms: 2 });
    const first = store.append('a', message(1));
    store.append('b', message(1));
    store.append('c', message(1));
    expect(store.usage()).toMatchObject({ rooms: 2, maxRooms: 2, evicted: 1 });
    const again = store.append('a', message(2));
    expect(again.offset).toBe(1);
    expect(again.epoch).not.toBe(first.epoch);
  });

  it('keeps the bytes of every room within the process budget', () => {
    const { store } = logs({}, { maxBytes: 10_000 });
    for (let room = 0; room < 50; room++)
      for (let n = 0; n < 10; n++) store.append(`r${room}`, message(n, 'z'.repeat(200)));
    expect(store.usage().bytes).toBeLessThanOrEqual(10_000);
    expect(store.usage().evicted).toBeGreaterThan(0);
  });

  it('answers any read with a contiguous run ending at the head (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b'), fc.nat({ max: 300 }), fc.nat({ max: 50 })), { maxLength: 200 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 30 }),
        (ops, maxEntries, limit) => {
          const { store, advance } = logs({ maxEntries, maxAgeMs: 500 });
          let appended = 0;
          for (const [room, size, wait] of ops) {
            advance(wait);
            store.append(room, message(appended++, 'q'.repeat(size)));
            const { epoch, offset: head } = store.position(room);
            const since = Math.max(0, head - 1 - (size % 40));
            const read = store.read(room, { epoch, offset: since }, limit);
            const offsets = read.entries.map((entry) => entry.offset);
            // Contiguous, after the position, ending at the head, never more than asked or kept.
            expect(offsets.at(-1)).toBe(head > since ? head : undefined);
            expect(offsets).toEqual(offsets.map((_, i) => head - offsets.length + 1 + i));
            expect(offsets.length).toBeLessThanOrEqual(Math.min(limit, maxEntries, head - since));
            expect(offsets[0] ?? head + 1).toBeGreaterThanOrEqual(read.first);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
