import type { PresenceEntry } from '@gateway/protocol';
import { describe, expect, it } from 'vitest';
import { type DiffPayload, PresenceDiffs, splitDiff } from './diffs';

const entry = (userId: string, status: PresenceEntry['status'] = 'online'): PresenceEntry => ({
  user_id: userId,
  status,
  devices: [{ device_id: `d-${userId}`, device_type: 'web', status }],
  updated_at: '2025-01-01T00:00:00.000Z',
});

/** Diffs over a hand-kept presence: who each scope shows now, and what was sent. */
function harness(onRequest: (roomId: string) => boolean = () => false, maxBytes = 1_000_000) {
  const shown = new Map<string, Map<string, PresenceEntry>>();
  const scope = (roomId: string | undefined) => {
    const key = roomId ?? '';
    let users = shown.get(key);
    if (users === undefined) {
      users = new Map();
      shown.set(key, users);
    }
    return users;
  };
  const flushes: Array<() => void> = [];
  const sent: Array<{ roomId: string | undefined; payload: DiffPayload; here: boolean }> = [];
  const diffs = new PresenceDiffs({
    defer: (flush) => flushes.push(flush),
    shown: (roomId, userId) => scope(roomId).get(userId),
    count: (roomId) => scope(roomId).size,
    onRequest,
    bytes: (userId) => JSON.stringify(scope(undefined).get(userId) ?? entry(userId)).length,
    maxBytes,
    send: (roomId, payload, here) => sent.push({ roomId, payload, here }),
  });
  return {
    diffs,
    sent,
    flushes,
    show: (roomId: string | undefined, value: PresenceEntry) => scope(roomId).set(value.user_id, value),
    hide: (roomId: string | undefined, userId: string) => scope(roomId).delete(userId),
    runDeferred: () => {
      for (const flush of flushes.splice(0)) flush();
    },
  };
}

describe('PresenceDiffs', () => {
  it('gathers a scope’s changes until the deferred flush, then reads each user as they are', () => {
    const h = harness();
    for (const id of ['a', 'b', 'c']) {
      h.show('r', entry(id));
      h.diffs.touch('r', id, false, false);
    }
    // One deferred flush for the lot, and nothing sent before it runs.
    expect(h.flushes).toHaveLength(1);
    expect(h.sent).toEqual([]);
    h.show('r', entry('b', 'dnd'));
    h.runDeferred();
    expect(h.sent).toEqual([
      {
        roomId: 'r',
        here: false,
        payload: { room_id: 'r', joined: [entry('a'), entry('b', 'dnd'), entry('c')], count: 3 },
      },
    ]);
  });

  it('names a user by how the scope showed them before the first change: joined, updated, left, or not at all', () => {
    const h = harness();
    h.show(undefined, entry('stays'));
    h.show(undefined, entry('goes'));
    // Came and went: not shown before, not now.
    h.show(undefined, entry('passing'));
    h.diffs.touch(undefined, 'passing', false, false);
    h.hide(undefined, 'passing');
    h.diffs.touch(undefined, 'passing', true, false);
    // Changed twice: the first change says it was shown before.
    h.show(undefined, entry('stays', 'idle'));
    h.diffs.touch(undefined, 'stays', true, false);
    h.show(undefined, entry('stays', 'dnd'));
    h.diffs.touch(undefined, 'stays', true, false);
    h.hide(undefined, 'goes');
    h.diffs.touch(undefined, 'goes', true, false);
    h.runDeferred();
    expect(h.sent.map((s) => s.payload)).toEqual([{ updated: [entry('stays', 'dnd')], left: ['goes'], count: 1 }]);
  });

  it('sends nothing for a batch that changed nobody, and one diff per scope and outlet', () => {
    const h = harness();
    h.diffs.touch('r', 'ghost', false, false);
    h.runDeferred();
    expect(h.sent).toEqual([]);
    h.show('r', entry('a'));
    h.show('s', entry('a'));
    h.diffs.touch('r', 'a', false, false);
    h.diffs.touch('s', 'a', false, true);
    h.runDeferred();
    expect(h.sent.map(({ roomId, here }) => [roomId, here])).toEqual([
      ['r', false],
      ['s', true],
    ]);
  });

  it('gives a room on request its count only, and no diff for its members’ status changes', () => {
    const h = harness((roomId) => roomId.startsWith('live:'));
    h.show('live:1', entry('a'));
    h.diffs.touch('live:1', 'a', false, false);
    h.runDeferred();
    h.show('live:1', entry('a', 'dnd'));
    h.diffs.touch('live:1', 'a', true, false);
    h.runDeferred();
    h.hide('live:1', 'a');
    h.diffs.touch('live:1', 'a', true, false);
    h.runDeferred();
    expect(h.sent.map((s) => s.payload)).toEqual([
      { room_id: 'live:1', count: 1 },
      { room_id: 'live:1', count: 0 },
    ]);
  });

  it('flush sends what is pending at once; the deferred flush then finds nothing', () => {
    const h = harness();
    h.show(undefined, entry('a'));
    h.diffs.touch(undefined, 'a', false, false);
    h.diffs.flush();
    expect(h.sent).toHaveLength(1);
    h.runDeferred();
    expect(h.sent).toHaveLength(1);
  });

  it('sends a diff larger than its byte cap in parts, in order, each with the final count', () => {
    const oneEntry = JSON.stringify(entry('u-00')).length;
    // Room for three entries per part (each counts its bytes and a comma).
    const h = harness(() => false, 3 * (oneEntry + 1));
    for (let i = 0; i < 8; i++) {
      const id = `u-0${i}`;
      h.show('r', entry(id));
      h.diffs.touch('r', id, false, false);
    }
    h.diffs.touch('r', 'gone', true, false);
    h.runDeferred();
    const parts = h.sent.map(({ payload }) => payload);
    expect(parts.map((part) => part.joined?.map((e) => e.user_id) ?? [])).toEqual([
      ['u-00', 'u-01', 'u-02'],
      ['u-03', 'u-04', 'u-05'],
      ['u-06', 'u-07'],
    ]);
    // The id of a leaver fits beside the last two entries.
    expect(parts.map((part) => part.left)).toEqual([undefined, undefined, ['gone']]);
    expect(parts.every((part) => part.room_id === 'r' && part.count === 8)).toBe(true);
  });

  it('never splits below one entry, and leaves a diff within the cap whole', () => {
    const big = { count: 1, joined: [entry('a'), entry('b')] };
    expect(splitDiff(big, () => 10_000, 100).map((part) => part.joined?.length)).toEqual([1, 1]);
    const small: DiffPayload = { room_id: 'r', updated: [entry('a')], left: ['b'], count: 1 };
    expect(splitDiff(small, () => 100, 1000)).toEqual([small]);
    const countOnly: DiffPayload = { room_id: 'r', count: 3 };
    expect(splitDiff(countOnly, () => 100, 1000)).toEqual([countOnly]);
  });
});
