import { describe, expect, it } from 'vitest';
import type { ServerPayloads } from '../src/index';
import { type FakeSocket, fakeClient, hello, ready, settle } from './fake-socket';

// Rooms the server refuses (at identify or in a subscribe) reach the app once and are not asked for again.

type ReadyPayload = ServerPayloads['ready'];

async function greet(socket: FakeSocket): Promise<FakeSocket> {
  socket.accept();
  socket.deliver(hello(30_000));
  await settle();
  return socket;
}

const forbidden = { room_id: 'secret', code: 'forbidden', message: 'Not allowed in this room.' };

describe('refused rooms', () => {
  it('surfaces the rooms refused at identify in `ready` and leaves them out of every later identify', async () => {
    const { client, clock, network } = fakeClient({ rooms: ['r1', 'secret'] });
    const readies: ReadyPayload[] = [];
    client.on('ready', (payload) => readies.push(payload));
    const first = await greet(network.last);
    expect(first.sentOfType('identify')[0]?.payload).toMatchObject({ subscriptions: ['r1', 'secret'] });
    const base = ready('s1', 'alice', ['r1']);
    first.deliver({ ...base, payload: { ...base.payload, refused: [forbidden] } });
    expect(readies.map((payload) => payload.refused)).toEqual([[forbidden]]);
    expect((await client.ready()).refused).toEqual([forbidden]);

    // The session is lost: the new identify asks only for the rooms granted, and the resubscribe too.
    first.drop(4000);
    clock.advance(500);
    const second = await greet(network.last);
    second.deliver({ type: 'invalid_session', payload: { resumable: false, reason: 'expired' } });
    expect(second.sentOfType('identify')[0]?.payload).toMatchObject({ subscriptions: ['r1'] });
    second.deliver(ready('s2', 'alice', ['r1']));
    expect(second.sentOfType('subscribe')).toMatchObject([{ payload: { room_ids: ['r1'] } }]);
    // An older server sends no `refused`: the payload passes as it came.
    expect(readies.at(-1)?.refused).toBeUndefined();
    client.close();
  });

  it('reports a room refused by subscribe in its reply and does not restore it after a reset', async () => {
    const { client, clock, network } = fakeClient({ rooms: ['r1'] });
    const first = await greet(network.last);
    first.deliver(ready('s1', 'alice', ['r1']));
    const subscribed = client.subscribe('secret');
    first.deliver({
      type: 'subscribed',
      ref: first.sentOfType('subscribe')[0]?.ref,
      payload: { rooms: [], refused: [forbidden] },
    });
    expect((await subscribed).refused).toEqual([forbidden]);

    first.drop(4000);
    clock.advance(500);
    const second = await greet(network.last);
    second.deliver({ type: 'invalid_session', payload: { resumable: false, reason: 'expired' } });
    expect(second.sentOfType('identify')[0]?.payload).toMatchObject({ subscriptions: ['r1'] });
    client.close();
  });
});
