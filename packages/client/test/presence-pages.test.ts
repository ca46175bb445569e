import type { PresenceEntry } from '@gateway/protocol';
import { describe, expect, it } from 'vitest';
import { type FakeSocket, fakeClient, hello, ready, settle } from './fake-socket';

// A server with many users online sends the first of them in `ready` (`presence_total` says how many there
// are), as it sends a large room's first page: the client holds what it got and what diffs tell it, knows
// the count, and asks for nothing more itself (paging everyone into every client is what made a full scope
// cost the square of its size); `client.listPresence` pages the rest into the view when the app wants it.

const entry = (userId: string): PresenceEntry => ({
  user_id: userId,
  status: 'online',
  devices: [{ device_id: `${userId}-d`, device_type: 'web', status: 'online' }],
  updated_at: '2025-01-01T00:00:00.000Z',
});

function cutReady(users: string[], total: number, subscriptions: string[] = []) {
  const base = ready('s1', 'alice', subscriptions);
  return { ...base, payload: { ...base.payload, presence: users.map(entry), presence_total: total } };
}

async function greet(socket: FakeSocket): Promise<FakeSocket> {
  socket.accept();
  socket.deliver(hello());
  await settle();
  return socket;
}

/** The `presence.list` requests sent so far, and an answer to the latest. */
function pages(socket: FakeSocket) {
  return {
    asked: () => socket.sentOfType('presence.list'),
    async answer(payload: object, type = 'ack') {
      socket.deliver({ type, ref: socket.sentOfType('presence.list').at(-1)?.ref, payload });
      await settle();
    },
  };
}

const ids = (list: PresenceEntry[]) => list.map((e) => e.user_id).sort();

describe('a cut presence snapshot', () => {
  it('holds the first page and the count, asks for nothing, and takes the pages the app asks for', async () => {
    const { client, network } = fakeClient();
    const socket = await greet(network.last);
    const changes: unknown[] = [];
    client.on('presence', (change) => changes.push(change));
    socket.deliver(cutReady(['amy', 'ben'], 5));
    await settle();
    const list = pages(socket);
    expect(list.asked()).toEqual([]);
    expect(ids(client.presence.list())).toEqual(['amy', 'ben']);
    expect(client.presence.count()).toBe(5);

    const first = client.listPresence({ after: 'ben' });
    await settle();
    expect(list.asked().map((frame) => frame.payload)).toEqual([{ after: 'ben' }]);
    await list.answer({ presence: [entry('cat'), entry('dan')], next: 'dan' });
    expect((await first).next).toBe('dan');
    // A diff between pages is applied in its place: pages only add what they hold, diffs carry the count.
    socket.deliver({ type: 'presence.diff', seq: 1, payload: { left: ['amy'], count: 4 } });
    const second = client.listPresence({ after: 'dan' });
    await settle();
    await list.answer({ presence: [entry('eve')] });
    expect((await second).next).toBeUndefined();
    expect(ids(client.presence.list())).toEqual(['ben', 'cat', 'dan', 'eve']);
    expect(client.presence.count()).toBe(4);
    expect(changes).toEqual([{}, {}, { room_id: undefined }, {}]);
    client.close();
  });

  it('takes the rooms from ready.rooms, members and counts, without asking for a page', async () => {
    const { client, network } = fakeClient({ rooms: ['r1', 'r2'] });
    const socket = await greet(network.last);
    const changes: unknown[] = [];
    client.on('presence', (change) => changes.push(change));
    // Global presence is off: ready holds no one globally, and the rooms' presence instead.
    const base = ready('s1', 'alice', ['r1', 'r2']);
    const rooms = [
      { room_id: 'r1', member_count: 3, members: ['amy', 'ben', 'cat'].map(entry) },
      { room_id: 'r2', member_count: 250, members: ['amy', 'ben'].map(entry), members_next: 'ben' },
    ];
    socket.deliver({ ...base, payload: { ...base.payload, rooms } });
    await settle();
    expect(ids(client.presence.inRoom('r1'))).toEqual(['amy', 'ben', 'cat']);
    expect(ids(client.presence.inRoom('r2'))).toEqual(['amy', 'ben']);
    expect([client.presence.count('r1'), client.presence.count('r2'), client.presence.count()]).toEqual([3, 250, 0]);
    // The rest of a large room is the app's to page (`members_next`): the client asks for nothing itself.
    expect(pages(socket).asked()).toEqual([]);
    expect(socket.sentOfType('subscribe')).toEqual([]);
    expect(changes).toEqual([{}]);

    socket.deliver({
      type: 'presence.diff',
      seq: 1,
      payload: { room_id: 'r1', joined: [entry('dan')], left: ['amy', 'ben'], count: 2 },
    });
    expect(ids(client.presence.inRoom('r1'))).toEqual(['cat', 'dan']);
    expect(client.presence.count('r1')).toBe(2);
    expect(changes.at(-1)).toEqual({ room_id: 'r1' });
    client.close();
  });

  it('does not apply a page asked by a session that was replaced', async () => {
    const { client, network, clock } = fakeClient();
    const socket = await greet(network.last);
    socket.deliver({ ...cutReady(['amy'], 4), type: 'ready' });
    await settle();
    const asked = client.listPresence({ after: 'amy' });
    await settle();
    socket.drop(4000);
    clock.advance(1000);
    const second = await greet(network.last);
    second.deliver({ type: 'invalid_session', payload: { resumable: false, reason: 'gone' } });
    const fresh = ready('s2');
    second.deliver({ ...fresh, payload: { ...fresh.payload, presence: [entry('zed')] } });
    await settle();
    // The page asked by the old session is answered on the new connection (it was retried): it is not applied.
    expect(pages(second).asked()).toHaveLength(1);
    await pages(second).answer({ presence: [entry('old')] });
    expect((await asked).presence.map((e) => e.user_id)).toEqual(['old']);
    expect(ids(client.presence.list())).toEqual(['zed']);
    expect(client.presence.count()).toBe(1);
    client.close();
  });
});

describe('client.listPresence', () => {
  it('sends presence.list and resolves with the page', async () => {
    const { client, network } = fakeClient();
    const socket = await greet(network.last);
    socket.deliver(ready('s1', 'alice', ['r1']));
    await settle();
    const page = client.listPresence({ roomId: 'r1', after: 'amy', limit: 2 });
    await settle();
    expect(socket.sentOfType('presence.list').at(-1)?.payload).toEqual({ room_id: 'r1', after: 'amy', limit: 2 });
    socket.deliver({
      type: 'ack',
      ref: socket.sentOfType('presence.list').at(-1)?.ref,
      payload: { room_id: 'r1', presence: [entry('ben')], next: 'ben' },
    });
    expect((await page).next).toBe('ben');
    client.close();
  });

  it('merges each page of a room into client.presence.inRoom', async () => {
    const { client, network } = fakeClient({ rooms: ['r1'] });
    const socket = await greet(network.last);
    const base = ready('s1', 'alice', ['r1']);
    const rooms = [{ room_id: 'r1', member_count: 3, members: [entry('amy')], members_next: 'amy' }];
    socket.deliver({ ...base, payload: { ...base.payload, rooms } });
    await settle();
    const changes: unknown[] = [];
    client.on('presence', (change) => changes.push(change));

    const page = client.listPresence({ roomId: 'r1', after: 'amy' });
    await settle();
    expect(pages(socket).asked()).toMatchObject([{ payload: { room_id: 'r1', after: 'amy' } }]);
    expect(ids(client.presence.inRoom('r1'))).toEqual(['amy']);
    await pages(socket).answer({ room_id: 'r1', presence: [entry('ben'), entry('cat')] });
    expect((await page).presence).toHaveLength(2);
    expect(ids(client.presence.inRoom('r1'))).toEqual(['amy', 'ben', 'cat']);
    expect(client.presence.count('r1')).toBe(3);
    // A page of a room is not everyone online.
    expect(client.presence.count()).toBe(0);
    expect(changes).toEqual([{}]);
    client.close();
  });
});
