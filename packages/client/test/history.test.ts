import { describe, expect, it } from 'vitest';
import { type FakeNetwork, type FakeSocket, fakeClient, hello, ready, settle } from './fake-socket';

// `client.history` sends the cursors as the protocol spells them and resolves with the page, `more` included.

async function handshake(network: FakeNetwork): Promise<FakeSocket> {
  const socket = network.last;
  socket.accept();
  socket.deliver(hello(3_600_000));
  await settle();
  socket.deliver(ready('s1'));
  return socket;
}

describe('client.history', () => {
  it.each([
    ['no options', undefined, { room_id: 'r1' }],
    ['a bare limit', 5, { room_id: 'r1', limit: 5 }],
    [
      'a message cursor',
      { before: { message_id: 'm9' }, limit: 20 },
      { room_id: 'r1', before: { message_id: 'm9' }, limit: 20 },
    ],
    [
      'two positions',
      { after: { epoch: 'e', offset: 3 }, before: { epoch: 'e', offset: 9 } },
      { room_id: 'r1', after: { epoch: 'e', offset: 3 }, before: { epoch: 'e', offset: 9 } },
    ],
  ] as const)('sends %s', async (_name, options, payload) => {
    const { client, network } = fakeClient();
    const socket = await handshake(network);
    const page = client.history('r1', options);
    const sent = socket.sentOfType('chat.history')[0];
    expect(sent?.payload).toEqual(payload);
    socket.deliver({ type: 'ack', ref: sent?.ref, payload: { room_id: 'r1', messages: [], more: true } });
    await expect(page).resolves.toEqual({ room_id: 'r1', messages: [], more: true });
    client.close();
  });

  it('rejects with the server’s code when a position cannot be placed', async () => {
    const { client, network } = fakeClient();
    const socket = await handshake(network);
    const page = client.history('r1', { after: { epoch: 'old', offset: 1 } });
    const sent = socket.sentOfType('chat.history')[0];
    socket.deliver({
      type: 'error',
      ref: sent?.ref,
      payload: { code: 'position_unavailable', message: 'Page by message_id instead.' },
    });
    await expect(page).rejects.toMatchObject({ code: 'position_unavailable' });
    client.close();
  });
});
