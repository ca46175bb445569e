import { describe, expect, it } from 'vitest';
import type { RoomRecovery } from '../src/index';
import { type FakeSocket, fakeClient, hello, ready, settle } from './fake-socket';

// The client keeps each room's position across sessions, sends it on every (re)subscribe, drops a room
// dispatch it already has, and after a lost session resets only the rooms not recovered whole.

async function greet(socket: FakeSocket): Promise<FakeSocket> {
  socket.accept();
  socket.deliver(hello(30_000));
  await settle();
  return socket;
}

const message = (room: string, offset: number, seq: number, epoch = 'e1') => ({
  type: 'chat.message',
  seq,
  pos: { room_id: room, epoch, offset },
  payload: {
    message_id: `m-${room}-${offset}`,
    room_id: room,
    sender_id: 'bob',
    kind: 'text',
    content: `${room}${offset}`,
    created_at: '2026-12-06T00:00:00.000Z',
  },
});

describe('room positions', () => {
  it('sends the last position of each room after a lost session, resets only what was not recovered, drops duplicates', async () => {
    const { client, clock, network } = fakeClient({ rooms: ['a', 'b'] });
    const shown: string[] = [];
    const order: string[] = [];
    client.on('chat.message', (m) => shown.push(m.content));
    client.on('reset', (reset) => order.push(`reset:${reset.rooms.join(',')}`));
    client.on('recovery', (answer: RoomRecovery) => order.push(`recovery:${answer.room_id}:${answer.recovered}`));
    client.on('ready', () => order.push('ready'));
    const first = await greet(network.last);
    const base = ready('s1', 'alice', ['a', 'b']);
    first.deliver({
      ...base,
      payload: {
        ...base.payload,
        rooms: [
          { room_id: 'a', member_count: 1, members: [], position: { epoch: 'e1', offset: 4 } },
          { room_id: 'b', member_count: 1, members: [], position: { epoch: 'e2', offset: 0 } },
        ],
      },
    });
    first.deliver(message('a', 5, 1));
    first.deliver(message('a', 5, 2)); // the same offset again, under another seq: not shown twice
    expect(shown).toEqual(['a5']);

    first.drop(4000);
    clock.advance(500);
    const second = await greet(network.last);
    second.deliver({ type: 'invalid_session', payload: { resumable: false, reason: 'expired' } });
    expect(second.sentOfType('identify')[0]?.payload).toMatchObject({
      subscriptions: ['a', 'b'],
      since: [
        { room_id: 'a', epoch: 'e1', offset: 5 },
        { room_id: 'b', epoch: 'e2', offset: 0 },
      ],
    });
    const again = ready('s2', 'alice', ['a', 'b']);
    second.deliver({
      ...again,
      payload: {
        ...again.payload,
        rooms: [
          { room_id: 'a', member_count: 1, members: [], position: { epoch: 'e1', offset: 7 } },
          { room_id: 'b', member_count: 1, members: [], position: { epoch: 'e9', offset: 3 } },
        ],
        recovery: [
          { room_id: 'a', recovered: true, replayed: 2 },
          { room_id: 'b', recovered: false, replayed: 0, reason: 'epoch_changed' },
        ],
      },
    });
    // The replay of `a` follows ready; `b` alone is reset and subscribed again (without since) for a snapshot.
    second.deliver(message('a', 6, 1));
    second.deliver(message('a', 7, 2));
    second.deliver(message('a', 7, 3));
    expect(shown).toEqual(['a5', 'a6', 'a7']);
    expect(order).toEqual(['ready', 'reset:b', 'recovery:a:true', 'recovery:b:false', 'ready']);
    expect(second.sentOfType('subscribe').map((frame) => frame.payload)).toEqual([{ room_ids: ['b'] }]);

    // A later subscribe of a room sends its position.
    void client.subscribe('a').catch(() => {});
    await settle();
    expect(second.sentOfType('subscribe').at(-1)?.payload).toEqual({
      room_ids: ['a'],
      since: [{ room_id: 'a', epoch: 'e1', offset: 7 }],
    });
    client.close();
  });
});
