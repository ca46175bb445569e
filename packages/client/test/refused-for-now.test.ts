import { describe, expect, it } from 'vitest';
import type { ClientOptions, GatewayClientError } from '../src/index';
import { type FakeNetwork, type FakeSocket, fakeClient, hello, ready, settle } from './fake-socket';

// `rate_limited` and `shutting_down` refuse work for now: retryable requests are sent again (same ref,
// same client_msg_id) once the server is ready for them, and queued sends wait meanwhile.

function setup(options: Partial<ClientOptions> = {}) {
  const { client, clock, network } = fakeClient(options);
  const errors: GatewayClientError[] = [];
  client.on('error', (error) => errors.push(error));
  return { client, clock, network, errors };
}

async function handshake(network: FakeNetwork, sessionId = 's1'): Promise<FakeSocket> {
  const socket = network.last;
  socket.accept();
  socket.deliver(hello(3_600_000));
  await settle();
  if (socket.sent[0]?.type === 'resume') socket.deliver({ type: 'invalid_session', payload: { resumable: false } });
  socket.deliver(ready(sessionId));
  return socket;
}

const refuse = (socket: FakeSocket, ref: string | undefined, code: string, retryAfterMs?: number) =>
  socket.deliver({
    type: 'error',
    ...(ref === undefined ? {} : { ref }),
    payload: { code, message: code, ...(retryAfterMs === undefined ? {} : { retry_after_ms: retryAfterMs }) },
  });

const accept = (socket: FakeSocket, frame: { ref?: string; payload?: Record<string, unknown> } | undefined) =>
  socket.deliver({
    type: 'ack',
    ref: frame?.ref,
    payload: { status: 'accepted', message_id: 'm1', client_msg_id: frame?.payload?.client_msg_id, room_id: 'r1' },
  });

const types = (socket: FakeSocket) => socket.sent.map((frame) => frame.type).filter((type) => type !== 'heartbeat');

describe('rate_limited', () => {
  it('sends a refused chat message again after retry_after_ms, holding later sends back meanwhile', async () => {
    const { client, clock, network, errors } = setup();
    const socket = await handshake(network);
    const first = client.sendMessage('r1', 'one', { clientMsgId: 'c1' });
    const sent = socket.sentOfType('chat.send')[0];
    refuse(socket, sent?.ref, 'rate_limited', 1500);
    const second = client.sendMessage('r1', 'two', { clientMsgId: 'c2' });
    expect(client.recordEvent('rec1', 'tick')).toBe(true);
    client.startTyping('r1'); // not queued: goes out at once
    expect(types(socket)).toEqual(['identify', 'chat.send', 'typing.start']);
    clock.advance(1499);
    expect(types(socket)).toHaveLength(3);
    clock.advance(1);
    expect(types(socket).slice(3)).toEqual(['chat.send', 'chat.send', 'recording.event']);
    const [again, next] = socket.sentOfType('chat.send').slice(1);
    expect(again).toEqual(sent);
    expect(next?.payload?.client_msg_id).toBe('c2');
    accept(socket, again);
    accept(socket, next);
    await expect(first).resolves.toMatchObject({ client_msg_id: 'c1' });
    await expect(second).resolves.toMatchObject({ client_msg_id: 'c2' });
    expect(errors).toEqual([]);
    client.close();
  });

  it('rejects a request that cannot be retried, with retryAfterMs, and still pauses the queue', async () => {
    const { client, clock, network } = setup();
    const socket = await handshake(network);
    const deleted = client.deleteMessage('r1', 'm1');
    refuse(socket, socket.sent.at(-1)?.ref, 'rate_limited', 800);
    await expect(deleted).rejects.toMatchObject({ code: 'rate_limited', retryAfterMs: 800 });
    client.history('r1').catch(() => {});
    expect(socket.sentOfType('chat.history')).toEqual([]);
    clock.advance(800);
    expect(socket.sentOfType('chat.history')).toHaveLength(1);
    client.close();
  });

  it('reports a rate_limited that answers no request and pauses queued sends for retry_after_ms', async () => {
    const { client, clock, network, errors } = setup();
    const socket = await handshake(network);
    refuse(socket, undefined, 'rate_limited', 300);
    expect(errors).toMatchObject([{ code: 'rate_limited', retryAfterMs: 300 }]);
    client.recordEvent('rec1', 'tick');
    expect(socket.sentOfType('recording.event')).toEqual([]);
    clock.advance(300);
    expect(socket.sentOfType('recording.event')).toHaveLength(1);
    client.close();
  });

  it('believes the server after five refusals of the same request', async () => {
    const { client, clock, network } = setup();
    const socket = await handshake(network);
    const pending = client.sendMessage('r1', 'hi');
    for (let i = 0; i < 5; i++) {
      refuse(socket, socket.sentOfType('chat.send').at(-1)?.ref, 'rate_limited', 100);
      clock.advance(100);
    }
    expect(socket.sentOfType('chat.send')).toHaveLength(6);
    refuse(socket, socket.sentOfType('chat.send').at(-1)?.ref, 'rate_limited', 100);
    await expect(pending).rejects.toMatchObject({ code: 'rate_limited' });
    client.close();
  });

  it('caps a hostile retry_after_ms at 60 s, and a refusal without one pauses 1 s', async () => {
    const { client, clock, network } = setup();
    const socket = await handshake(network);
    client.history('r1').catch(() => {});
    refuse(socket, socket.sent.at(-1)?.ref, 'rate_limited', 2 ** 40);
    clock.advance(59_999);
    expect(socket.sentOfType('chat.history')).toHaveLength(1);
    clock.advance(1);
    expect(socket.sentOfType('chat.history')).toHaveLength(2);
    refuse(socket, socket.sent.at(-1)?.ref, 'rate_limited');
    clock.advance(999);
    expect(socket.sentOfType('chat.history')).toHaveLength(2);
    clock.advance(1);
    expect(socket.sentOfType('chat.history')).toHaveLength(3);
    client.close();
  });

  it('starts a new connection without the pause: its limits are fresh', async () => {
    const { client, clock, network } = setup();
    const socket = await handshake(network);
    client.sendMessage('r1', 'hi', { clientMsgId: 'c1' }).catch(() => {});
    refuse(socket, socket.sent.at(-1)?.ref, 'rate_limited', 30_000);
    socket.drop(1006);
    clock.advance(500);
    const second = await handshake(network, 's2');
    expect(second.sentOfType('chat.send')).toMatchObject([{ payload: { client_msg_id: 'c1' } }]);
    client.close();
  });
});

describe('shutting_down', () => {
  it('sends a refused chat message again after the reconnect the stopping server asks for', async () => {
    const { client, clock, network, errors } = setup();
    const socket = await handshake(network);
    const first = client.sendMessage('r1', 'one', { clientMsgId: 'c1' });
    refuse(socket, socket.sent.at(-1)?.ref, 'shutting_down');
    const second = client.sendMessage('r1', 'two', { clientMsgId: 'c2' });
    expect(socket.sentOfType('chat.send')).toHaveLength(1);
    socket.deliver({ type: 'reconnect', payload: { after_ms: 100, jitter_ms: 0 } });
    expect(socket.closedWith?.code).toBe(4000);
    clock.advance(100);
    const next = await handshake(network, 's2');
    const resent = next.sentOfType('chat.send');
    expect(resent.map((frame) => frame.payload?.client_msg_id)).toEqual(['c1', 'c2']);
    accept(next, resent[0]);
    accept(next, resent[1]);
    await expect(first).resolves.toMatchObject({ client_msg_id: 'c1' });
    await expect(second).resolves.toMatchObject({ client_msg_id: 'c2' });
    expect(errors).toEqual([]);
    client.close();
  });

  it('leaves a server that said shutting_down but never closes, after requestTimeoutMs', async () => {
    const { client, clock, network } = setup({ requestTimeoutMs: 3000 });
    const socket = await handshake(network);
    client.sendMessage('r1', 'one', { clientMsgId: 'c1' }).catch(() => {});
    refuse(socket, socket.sent.at(-1)?.ref, 'shutting_down');
    refuse(socket, undefined, 'rate_limited', 10);
    clock.advance(2999);
    expect(socket.closedWith).toBeUndefined();
    clock.advance(1);
    expect(socket.closedWith?.code).toBe(4000);
    expect(client.state).toBe('reconnecting');
    clock.advance(500);
    const next = await handshake(network, 's2');
    expect(next.sentOfType('chat.send')).toMatchObject([{ payload: { client_msg_id: 'c1' } }]);
    client.close();
  });

  it('rejects a request that cannot be retried with shutting_down', async () => {
    const { client, network } = setup();
    const socket = await handshake(network);
    const started = client.startRecording('r1');
    refuse(socket, socket.sent.at(-1)?.ref, 'shutting_down');
    await expect(started).rejects.toMatchObject({ code: 'shutting_down' });
    client.close();
  });
});
