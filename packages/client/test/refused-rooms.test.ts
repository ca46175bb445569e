import { describe, expect, it } from 'vitest';
import { GatewayClientError, type ServerPayloads } from '../src/index';
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

  it('rejects subscribe with subscribe_refused when a room is refused, and does not restore it after a reset', async () => {
    const { client, clock, network } = fakeClient({ rooms: ['r1'] });
    const first = await greet(network.last);
    first.deliver(ready('s1', 'alice', ['r1']));
    const subscribed = client.subscribe(['open', 'secret']);
    const events: unknown[] = [];
    client.on('subscribed', (payload) => events.push(payload));
    const open = { room_id: 'open', member_count: 0, members: [], recent_messages: [] };
    first.deliver({
      type: 'subscribed',
      ref: first.sentOfType('subscribe')[0]?.ref,
      payload: { rooms: [open], refused: [forbidden] },
    });
    const refusal = await subscribed.catch((error: GatewayClientError) => error);
    expect(refusal).toBeInstanceOf(GatewayClientError);
    expect(refusal).toMatchObject({
      code: 'subscribe_refused',
      message: 'The server refused to subscribe to "secret" (forbidden: Not allowed in this room.).',
      details: { refused: [forbidden], rooms: [open] },
    });
    // The room granted is subscribed all the same: in the event, and in the next identify.
    expect(events).toEqual([{ rooms: [open], refused: [forbidden] }]);

    first.drop(4000);
    clock.advance(500);
    const second = await greet(network.last);
    second.deliver({ type: 'invalid_session', payload: { resumable: false, reason: 'expired' } });
    expect(second.sentOfType('identify')[0]?.payload).toMatchObject({ subscriptions: ['r1', 'open'] });
    client.close();
  });

  it('resolves subscribe with the payload when every room is granted', async () => {
    const { client, network } = fakeClient();
    const first = await greet(network.last);
    first.deliver(ready('s1', 'alice'));
    const subscribed = client.subscribe('r2');
    const payload = { rooms: [{ room_id: 'r2', member_count: 0, members: [], recent_messages: [] }], refused: [] };
    first.deliver({ type: 'subscribed', ref: first.sentOfType('subscribe')[0]?.ref, payload });
    expect(await subscribed).toEqual(payload);
    client.close();
  });
});
