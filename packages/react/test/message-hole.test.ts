import type { ChatMessage, RoomRecovery } from '@gateway/client';
import { describe, expect, it } from 'vitest';
import { fills, holeView, markHole } from '../src/message-hole';
import { emptyList, withLive, withSnapshot } from '../src/message-list';
import type { MessageList } from '../src/message-types';

// A hole, pure: marked against the list when a recovery is not whole, placed among its rows, and filled (or
// not) by a list fetched afterwards.

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

const message = (id: string, second: number): ChatMessage => ({
  message_id: id,
  room_id: 'lobby',
  sender_id: 'bob',
  kind: 'text',
  content: id,
  created_at: at(second),
});

const tooOld = (from: number, to: number): RoomRecovery => ({
  room_id: 'lobby',
  recovered: false,
  replayed: 1,
  reason: 'too_old',
  missed_from: from,
  missed_to: to,
});

const listOf = (...messages: ChatMessage[]): MessageList => withSnapshot(emptyList, messages, []);
const added = (list: MessageList, m: ChatMessage) => withLive(list, { type: 'chat.message', payload: m });

describe('markHole and holeView', () => {
  it('places the hole after the last row held when it opened, with the replay after it', () => {
    const before = listOf(message('m1', 1), message('m2', 2));
    const mark = markHole(before, tooOld(3, 5), undefined);
    const replayed = added(before, message('m6', 6));
    expect(holeView(replayed, mark, undefined)).toEqual({
      reason: 'too_old',
      missed_from: 3,
      missed_to: 5,
      after: 'm2',
    });
  });

  it('moves up to the row before when the row it came after is deleted, and to the top when none is left', () => {
    const mark = markHole(listOf(message('m1', 1), message('m2', 2)), tooOld(3, 5), undefined);
    const deleted = withLive(listOf(message('m1', 1), message('m2', 2), message('m6', 6)), {
      type: 'chat.message.delete',
      payload: { message_id: 'm2', room_id: 'lobby' },
    });
    expect(holeView(deleted, mark, undefined).after).toBe('m1');
    // A refetched list that starts after the hole: it comes before the first row.
    expect(holeView(listOf(message('m6', 6), message('m7', 7)), mark, undefined).after).toBeUndefined();
  });

  it('is the same object while nothing it shows changes', () => {
    const list = listOf(message('m1', 1));
    const mark = markHole(list, tooOld(2, 4), undefined);
    const first = holeView(list, mark, undefined);
    expect(holeView(added(list, message('m5', 5)), mark, first)).toBe(first);
    expect(holeView(listOf(message('m5', 5)), mark, first)).not.toBe(first);
  });

  it('spans two holes opened one after the other, from the first row it came after', () => {
    const list = listOf(message('m1', 1));
    const first = markHole(list, tooOld(2, 4), undefined);
    const both = markHole(added(list, message('m5', 5)), { ...tooOld(6, 9), reason: 'too_many' }, first);
    expect(holeView(added(list, message('m5', 5)), both, undefined)).toEqual({
      reason: 'too_many',
      missed_from: 2,
      missed_to: 9,
      after: 'm1',
    });
    // Another epoch: the offsets of the two cannot be put together.
    const lost = markHole(list, { room_id: 'lobby', recovered: false, replayed: 0, reason: 'epoch_changed' }, first);
    expect(lost).toMatchObject({ reason: 'epoch_changed', missed_from: undefined, missed_to: undefined });
  });
});

describe('fills', () => {
  const mark = markHole(listOf(message('m1', 1), message('m2', 2)), tooOld(3, 5), undefined);

  it('is true for a fetched list that reaches back to the row the hole came after, or past it', () => {
    expect(fills([message('m2', 2), message('m3', 3), message('m6', 6)], mark)).toBe(true);
    // m2 was deleted meanwhile, but m1 is older than it: the list reaches back past the hole.
    expect(fills([message('m1', 1), message('m3', 3)], mark)).toBe(true);
  });

  it('is false for one that starts after it, even in the same second as that row (it may have come after)', () => {
    expect(fills([message('m4', 4), message('m6', 6)], mark)).toBe(false);
    expect(fills([message('m3', 2), message('m6', 6)], mark)).toBe(false);
    expect(fills([], mark)).toBe(false);
  });

  it('is true for any fetched list when the list held nothing before the hole', () => {
    const empty = markHole(emptyList, tooOld(1, 5), undefined);
    expect(fills([message('m6', 6)], empty)).toBe(true);
    expect(holeView(emptyList, empty, undefined).after).toBeUndefined();
  });
});
