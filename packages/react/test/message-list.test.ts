import { type ChatMessage, GatewayClientError } from '@gateway/client';
import { describe, expect, it } from 'vitest';
import {
  emptyList,
  withAck,
  withFailure,
  withLive,
  withoutPending,
  withPending,
  withRetry,
  withSnapshot,
} from '../src/message-list';
import type { LiveEvent, MessageList, PendingMessage } from '../src/message-types';

// The pure list a room's messages are kept in, change by change.

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

const message = (id: string, more: Partial<ChatMessage> = {}): ChatMessage => ({
  message_id: id,
  room_id: 'lobby',
  sender_id: 'bob',
  kind: 'text',
  content: id,
  created_at: at(0),
  ...more,
});

const pending = (clientMsgId: string, more: Partial<PendingMessage> = {}): PendingMessage => ({
  status: 'pending',
  key: clientMsgId,
  client_msg_id: clientMsgId,
  message_id: undefined,
  room_id: 'lobby',
  sender_id: 'alice',
  content: clientMsgId,
  kind: 'text',
  metadata: undefined,
  error: undefined,
  ...more,
});

const added = (m: ChatMessage): LiveEvent => ({ type: 'chat.message', payload: m });
const edited = (id: string, content: string, second: number): LiveEvent => ({
  type: 'chat.message.update',
  payload: { message_id: id, room_id: 'lobby', content, edited_at: at(second) },
});
const deleted = (id: string): LiveEvent => ({
  type: 'chat.message.delete',
  payload: { message_id: id, room_id: 'lobby' },
});

const rows = (list: MessageList) => list.items.map((item) => `${item.content} [${item.status}]`);
const live = (list: MessageList, ...events: LiveEvent[]) => events.reduce(withLive, list);

describe('withLive', () => {
  it('adds each message once by message_id, applies newer edits only, and removes deleted messages', () => {
    const list = live(
      emptyList,
      added(message('m1')),
      added(message('m2')),
      added(message('m1', { content: 'again' })),
      edited('m1', 'edit 2', 2),
      edited('m1', 'edit 1', 1),
      deleted('m2'),
      deleted('m3'),
      edited('m3', 'unknown', 3),
    );
    expect(rows(list)).toEqual(['edit 2 [sent]']);
    expect(list.items[0]).toMatchObject({ edited_at: at(2), key: 'm1' });
  });

  it('returns the same list when an event changes nothing', () => {
    const list = live(emptyList, added(message('m1')));
    for (const event of [added(message('m1')), deleted('m9'), edited('m9', 'x', 1)]) {
      expect(withLive(list, event)).toBe(list);
    }
  });

  it.each([
    ['its client_msg_id, from its sender', message('m1', { sender_id: 'alice', client_msg_id: 'c1' }), true],
    ['the id its ack gave', message('m1', { sender_id: 'alice' }), true],
    ['the same client_msg_id from someone else', message('m2', { client_msg_id: 'c1' }), false],
    ['another client_msg_id', message('m2', { sender_id: 'alice', client_msg_id: 'c2' }), false],
  ])('a send is settled by the server copy with %s: %s', (_, copy, settles) => {
    const acked = withAck(withPending(emptyList, pending('c1')), 'c1', copy.message_id === 'm1' ? 'm1' : 'mx');
    const list = withLive(acked, added(copy));
    expect(list.pending).toHaveLength(settles ? 0 : 1);
    expect(list.sent).toHaveLength(1);
  });

  it('gives the copy of a send the send’s key, so its row survives the settling; other messages are keyed by id', () => {
    const list = live(
      withPending(emptyList, pending('c1')),
      added(message('m1', { client_msg_id: 'c1', sender_id: 'alice' })),
      added(message('m2', { client_msg_id: 'c1' })),
      added(message('m3', { client_msg_id: 'c1', sender_id: 'alice' })),
    );
    expect(list.items.map((item) => [item.key, item.status])).toEqual([
      ['c1', 'sent'],
      ['m2', 'sent'],
      ['m3', 'sent'],
    ]);
    const again = withSnapshot(list, [message('m1', { client_msg_id: 'c1', content: 'edited' })], []);
    expect(again.items.map((item) => item.key)).toEqual(['c1']);
  });
});

describe('withSnapshot', () => {
  it('replaces what was held: a message gone from the history goes, new ones come, unchanged ones keep their identity', () => {
    const before = live(emptyList, added(message('m1')), added(message('m2')));
    const after = withSnapshot(before, [message('m2'), message('m3'), message('m3')], []);
    expect(rows(after)).toEqual(['m2 [sent]', 'm3 [sent]']);
    expect(after.sent[0]).toBe(before.sent[1]);
    expect(after.loaded).toBe(true);
  });

  it('applies the live events received since it was asked for, which the server may have read it before', () => {
    const since = [added(message('m3')), deleted('m1'), edited('m2', 'old edit', 1), edited('m2', 'newer', 5)];
    const list = withSnapshot(emptyList, [message('m1'), message('m2', { content: 'snap', edited_at: at(3) })], since);
    expect(rows(list)).toEqual(['newer [sent]', 'm3 [sent]']);
    const older = withSnapshot(
      emptyList,
      [message('m2', { content: 'snap', edited_at: at(3) })],
      [since[2] as LiveEvent],
    );
    expect(rows(older)).toEqual(['snap [sent]']);
  });

  it('keeps the list in time order when a replayed message is older than the history’s newest', () => {
    const list = withSnapshot(
      emptyList,
      [message('m2', { created_at: at(2) }), message('m4', { created_at: at(4) })],
      [
        added(message('m1', { created_at: at(1) })),
        added(message('m3', { created_at: at(3) })),
        added(message('m5', { created_at: at(5) })),
      ],
    );
    expect(rows(list)).toEqual(['m1 [sent]', 'm2 [sent]', 'm3 [sent]', 'm4 [sent]', 'm5 [sent]']);
  });

  it('keeps pending sends after the history, and settles those whose copy it holds', () => {
    const held = withPending(withPending(emptyList, pending('c1')), pending('c2'));
    const list = withSnapshot(held, [message('m1', { sender_id: 'alice', client_msg_id: 'c1', content: 'c1' })], []);
    expect(rows(list)).toEqual(['c1 [sent]', 'c2 [pending]']);
  });
});

describe('pending sends', () => {
  const failure = new GatewayClientError('handler_failed', 'The message could not be stored.');

  it('an ack before the copy notes its id; an ack after the copy (a duplicate after a resume) changes nothing', () => {
    const acked = withAck(withPending(emptyList, pending('c1')), 'c1', 'm1');
    expect(acked.pending[0]?.message_id).toBe('m1');
    const settled = withLive(acked, added(message('m1', { sender_id: 'alice', client_msg_id: 'c1' })));
    expect(settled.pending).toEqual([]);
    expect(withAck(settled, 'c1', 'm1')).toBe(settled);
  });

  it('fails, retries (clearing the error and the id of the attempt) and discards', () => {
    const failed = withFailure(withAck(withPending(emptyList, pending('c1')), 'c1', 'm1'), 'c1', failure);
    expect(failed.pending[0]).toMatchObject({ status: 'failed', error: failure, message_id: 'm1' });
    const again = withRetry(failed, 'c1');
    expect(again.pending[0]).toMatchObject({ status: 'pending', error: undefined, message_id: undefined });
    expect(withRetry(again, 'c1')).toBe(again);
    expect(withoutPending(failed, 'c1').items).toEqual([]);
    expect(withFailure(emptyList, 'c9', failure)).toBe(emptyList);
  });
});
