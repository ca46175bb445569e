import type { PresenceEntry } from '@gateway/protocol';
import { describe, expect, it } from 'vitest';
import { type FakeSocket, fakeClient, hello, ready, settle } from './fake-socket';

// A server with many users online sends the first of them in `ready` (`presence_total` says how many there
// are); the client pages through the rest with `presence.list`, so `client.presence` ends up complete.

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
  it('is completed page by page after ready, from the last user it held', async () => {
    const { client, network } = fakeClient();
    const socket = await greet(network.last);
    const changes: unknown[] = [];
    client.on('presence', (change) => changes.push(change));
    socket.deliver(cutReady(['amy', 'ben'], 5));
    await settle();
    const list = pages(socket);
    expect(list.asked().map((frame) => frame.payload)).toEqual([{ after: 'ben', limit: 1000 }]);
    await list.answer({ presence: [entry('cat'), entry('dan')], next: 'dan' });
    expect(list.asked().at(-1)?.payload).toEqual({ after: 'dan', limit: 1000 });
    // An event between pages is applied in its place: the pages only add what `ready` left out.
    socket.deliver({ type: 'presence.leave', seq: 1, payload: { user_id: 'amy' } });
    await list.answer({ presence: [entry('eve')] });
    expect(list.asked()).toHaveLength(2);
    expect(ids(client.presence.list())).toEqual(['ben', 'cat', 'dan', 'eve']);
    expect(changes.length).toBeGreaterThanOrEqual(3);
    client.close();
  });

  it('pages the rooms of the session instead when the server has global presence off', async () => {
    const { client, network } = fakeClient({ rooms: ['r1'] });
    const socket = await greet(network.last);
    socket.deliver(cutReady(['amy'], 3, ['r1']));
    await settle();
    const list = pages(socket);
    await list.answer({ code: 'forbidden', message: 'Global presence is off on this server.' }, 'error');
    expect(list.asked().at(-1)?.payload).toEqual({ room_id: 'r1', limit: 1000 });
    await list.answer({ room_id: 'r1', presence: [entry('amy'), entry('ben'), entry('cat')] });
    expect(list.asked()).toHaveLength(2);
    expect(ids(client.presence.list())).toEqual(['amy', 'ben', 'cat']);
    client.close();
  });

  it('asks for nothing when ready held everyone, and stops when the session is replaced', async () => {
    const { client, network, clock } = fakeClient();
    const socket = await greet(network.last);
    socket.deliver(ready('s1'));
    await settle();
    expect(socket.sentOfType('presence.list')).toHaveLength(0);

    socket.deliver({ ...cutReady(['amy'], 4), type: 'ready' });
    await settle();
    socket.drop(4000);
    clock.advance(1000);
    const second = await greet(network.last);
    second.deliver({ type: 'invalid_session', payload: { resumable: false, reason: 'gone' } });
    const fresh = ready('s2');
    second.deliver({ ...fresh, payload: { ...fresh.payload, presence: [entry('zed')] } });
    await settle();
    // The page asked by the old session is answered on the new connection (it was retried): it is not applied.
    await pages(second).answer({ presence: [entry('old')] });
    expect(ids(client.presence.list())).toEqual(['zed']);
    expect(pages(second).asked()).toHaveLength(1);
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
});
