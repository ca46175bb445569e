import { describe, expect, it } from 'vitest';
import type { ClientOptions, GatewayClientError } from '../src/index';
import { chatMessage, type FakeNetwork, fakeClient, hello, ready, settle } from './fake-socket';

function setup(options: Partial<ClientOptions> = {}) {
  const { client, clock, network } = fakeClient(options);
  const states: string[] = [];
  const errors: GatewayClientError[] = [];
  client.on('state', ({ from, to }) => states.push(`${from}>${to}`));
  client.on('error', (error) => errors.push(error));
  return { client, clock, network, states, errors };
}

/** Plays the server's side of a handshake on the newest socket. */
async function handshake(network: FakeNetwork, sessionId = 's1') {
  const socket = network.last;
  socket.accept();
  socket.deliver(hello(30_000));
  await settle();
  const first = socket.sent[0];
  if (first?.type === 'resume') socket.deliver({ type: 'invalid_session', payload: { resumable: false } });
  const identify = socket.sentOfType('identify').at(-1);
  socket.deliver(ready(sessionId, 'alice', (identify?.payload?.subscriptions as string[] | undefined) ?? []));
  return socket;
}

describe('client state machine', () => {
  it('walks idle → connecting → handshaking → ready, emitting every transition', async () => {
    const { client, network, states } = setup({ autoConnect: false });
    expect(client.state).toBe('idle');
    client.connect();
    const socket = await handshake(network);
    expect(states).toEqual(['idle>connecting', 'connecting>handshaking', 'handshaking>ready']);
    expect(socket.sent[0]).toMatchObject({ type: 'identify', payload: { user_id: 'alice', protocol_version: 1 } });
    expect(client.sessionId).toBe('s1');
    expect(client.user).toEqual({ id: 'alice' });
    await expect(client.ready()).resolves.toMatchObject({ session_id: 's1' });
    client.close();
  });

  it('queues sends made before ready and flushes them after ready, never before identify', async () => {
    const { client, network } = setup({ presence: { status: 'online' } });
    const sent = client.sendMessage('r1', 'hello', { clientMsgId: 'c1' });
    client.startTyping('r1');
    void client.setPresence('dnd');
    const socket = network.last;
    socket.accept();
    socket.deliver(hello());
    await settle();
    expect(socket.sent.map((f) => f.type)).toEqual(['identify']);
    expect(socket.sent[0]?.payload?.presence).toEqual({ status: 'dnd' });
    socket.deliver(ready());
    expect(socket.sent.map((f) => f.type)).toEqual(['identify', 'chat.send']);
    const send = socket.sent[1];
    socket.deliver({
      type: 'ack',
      ref: send?.ref,
      payload: { status: 'accepted', message_id: 'm1', client_msg_id: 'c1', room_id: 'r1' },
    });
    await expect(sent).resolves.toMatchObject({ message_id: 'm1' });
    client.close();
  });

  it('bounds the offline queue', async () => {
    const { client } = setup({ maxQueuedSends: 1 });
    const first = client.sendMessage('r1', 'a');
    await expect(client.sendMessage('r1', 'b')).rejects.toMatchObject({ code: 'queue_full' });
    client.close();
    await expect(first).rejects.toMatchObject({ code: 'closed' });
  });

  it('sends a retryable request again after a reconnect, with the same client_msg_id; rejects the others', async () => {
    const { client, clock, network } = setup();
    const socket = await handshake(network);
    const sent = client.sendMessage('r1', 'hi', { clientMsgId: 'same' });
    const deleted = client.deleteMessage('r1', 'm0');
    socket.drop(1006);
    await expect(deleted).rejects.toMatchObject({ code: 'disconnected' });
    clock.advance(500);
    const second = await handshake(network, 's2');
    const resent = second.sentOfType('chat.send');
    expect(resent).toHaveLength(1);
    expect(resent[0]?.payload?.client_msg_id).toBe('same');
    second.deliver({
      type: 'ack',
      ref: resent[0]?.ref,
      payload: { status: 'accepted', message_id: 'm1', client_msg_id: 'same', room_id: 'r1', duplicate: true },
    });
    await expect(sent).resolves.toMatchObject({ duplicate: true });
    client.close();
  });

  it('with default timings, a chat send on a zombie link is sent again once after a resume, not rejected', async () => {
    const { client, clock, network } = setup();
    const socket = await handshake(network);
    const sent = client.sendMessage('r1', 'hi', { clientMsgId: 'once' });
    let settled = false;
    sent.then(
      () => (settled = true),
      () => (settled = true),
    );
    // Open but silent: the request's 10 s timeout comes long before interval plus grace (35 s).
    clock.advance(10_001);
    await settle();
    expect(settled).toBe(false);
    expect(client.state).toBe('reconnecting');
    clock.advance(30_000);
    const second = network.last;
    expect(second).not.toBe(socket);
    second.accept();
    second.deliver(hello(30_000));
    await settle();
    expect(second.sent[0]).toMatchObject({ type: 'resume', payload: { session_id: 's1' } });
    second.deliver({ type: 'resumed', payload: { session_id: 's1', replayed: 0 } });
    await settle();
    const resent = second.sentOfType('chat.send');
    expect(resent.map((frame) => frame.payload?.client_msg_id)).toEqual(['once']);
    second.deliver({
      type: 'ack',
      ref: resent[0]?.ref,
      payload: { status: 'accepted', message_id: 'm1', client_msg_id: 'once', room_id: 'r1', duplicate: false },
    });
    await expect(sent).resolves.toMatchObject({ message_id: 'm1' });
    client.close();
  });

  it('resumes with the session and seq, and on invalid_session identifies afresh and emits reset', async () => {
    const { client, clock, network } = setup({ rooms: ['r1'] });
    const socket = await handshake(network);
    socket.deliver(chatMessage(1));
    socket.drop(4000);
    const resets: string[] = [];
    client.on('reset', ({ reason }) => resets.push(reason));
    clock.advance(500);
    const second = network.last;
    second.accept();
    second.deliver(hello());
    await settle();
    expect(second.sent[0]).toEqual({ type: 'resume', payload: { session_id: 's1', seq: 1 } });
    second.deliver({ type: 'invalid_session', payload: { resumable: false } });
    expect(second.sent[1]).toMatchObject({ type: 'identify', payload: { device_id: 'd1', subscriptions: ['r1'] } });
    second.deliver(ready('s2', 'alice', ['r1']));
    expect(resets).toEqual(['invalid_session']);
    expect(client.sessionId).toBe('s2');
    client.close();
  });

  it('stops for good on a fatal close, with a typed error carrying the close code', async () => {
    const { client, clock, network, errors } = setup();
    const socket = await handshake(network);
    const pending = client.history('r1');
    socket.drop(4401, 'bad token');
    expect(client.state).toBe('closed');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ name: 'GatewayClientError', code: 'fatal_close', closeCode: 4401 });
    await expect(pending).rejects.toMatchObject({ code: 'closed', closeCode: 4401 });
    clock.advance(120_000);
    expect(network.sockets).toHaveLength(1);
    await expect(client.ready()).rejects.toMatchObject({ code: 'closed' });
  });

  it('takes the verdict from the goodbye frame when the platform loses the close code', async () => {
    const { client, network, errors } = setup();
    const socket = await handshake(network);
    socket.deliver({ type: 'goodbye', payload: { code: 4406, reason: 'unsupported version', resumable: false } });
    socket.drop(1006);
    expect(client.state).toBe('closed');
    expect(errors[0]).toMatchObject({ code: 'fatal_close', closeCode: 4406 });
  });

  it('refreshes the token through getToken before reconnecting after 4200; without getToken it is fatal', async () => {
    let calls = 0;
    const { client, clock, network } = setup({ getToken: async () => `token-${++calls}` });
    const socket = await handshake(network);
    expect(socket.sent[0]?.payload?.token).toBe('token-1');
    socket.drop(4200, 'token expired');
    expect(client.state).toBe('reconnecting');
    clock.advance(500);
    const second = await handshake(network, 's2');
    expect(second.sent.find((f) => f.type === 'identify' || f.type === 'resume')?.payload?.token).toBe('token-2');
    client.close();

    const fixed = setup({ token: 'static' });
    const fixedSocket = await handshake(fixed.network);
    fixedSocket.drop(4200);
    expect(fixed.client.state).toBe('closed');
    expect(fixed.errors[0]).toMatchObject({ code: 'fatal_close', closeCode: 4200 });
  });

  it('reconnects after a reconnect frame at after_ms + jitter, skipping backoff', async () => {
    const { client, clock, network } = setup({ random: () => 0.5 });
    const socket = await handshake(network);
    // Earn some backoff first, so skipping it is visible.
    socket.drop(1006);
    clock.advance(750);
    const second = await handshake(network, 's2');
    const delays: number[] = [];
    client.on('reconnecting', ({ delay_ms: delay }) => delays.push(delay));
    second.deliver({ type: 'reconnect', payload: { after_ms: 100, jitter_ms: 50 } });
    expect(second.closedWith?.code).toBe(4000);
    expect(delays).toEqual([125]);
    clock.advance(124);
    expect(network.sockets).toHaveLength(2);
    clock.advance(1);
    expect(network.sockets).toHaveLength(3);
    client.close();
  });

  it('grows the backoff while connections fail and resets it once a connection stayed up stableAfterMs', async () => {
    const { client, clock, network } = setup({ random: () => 0.999, reconnect: { stableAfterMs: 1000 } });
    const delays: number[] = [];
    client.on('reconnecting', ({ delay_ms: delay }) => delays.push(delay));
    const socket = await handshake(network);
    socket.drop(1006);
    clock.advance(delays.at(-1) ?? 0);
    network.last.drop(1006);
    clock.advance(delays.at(-1) ?? 0);
    network.last.drop(1006);
    // Ceilings 1000, 2000, 4000 (min · 2^(attempt+1)); random 0.999 lands just under each.
    expect(delays).toEqual([999, 1998, 3996]);
    clock.advance(delays.at(-1) ?? 0);
    const stable = await handshake(network, 's2');
    clock.advance(1000);
    stable.drop(1006);
    expect(delays.at(-1)).toBe(999);
    client.close();
  });

  it('keeps growing the backoff for a flapping server whose connections drop before stableAfterMs', async () => {
    const { client, clock, network } = setup({ random: () => 0.999, reconnect: { stableAfterMs: 1000 } });
    const scheduled: { attempt: number; delay_ms: number }[] = [];
    client.on('reconnecting', (event) => scheduled.push(event));
    for (let drop = 0; drop < 4; drop++) {
      const socket = await handshake(network, `s${drop}`);
      clock.advance(999); // ready, but not for long enough
      socket.drop(1006);
      clock.advance(scheduled.at(-1)?.delay_ms ?? 0);
    }
    expect(scheduled).toEqual([
      { attempt: 0, delay_ms: 999 },
      { attempt: 1, delay_ms: 1998 },
      { attempt: 2, delay_ms: 3996 },
      { attempt: 3, delay_ms: 7992 },
    ]);
    client.close();
  });

  it('closes after the first drop when reconnect is off', async () => {
    const { client, network, errors } = setup({ reconnect: false });
    (await handshake(network)).drop(1001);
    expect(client.state).toBe('closed');
    expect(errors[0]).toMatchObject({ code: 'disconnected', closeCode: 1001 });
  });

  it('close() closes cleanly with 1000, rejects what is open, and no reconnect follows', async () => {
    const { client, clock, network, states } = setup();
    const socket = await handshake(network);
    const pending = client.subscribe('r1');
    client.close();
    expect(socket.closedWith).toEqual({ code: 1000, reason: 'client closed' });
    expect(states.at(-1)).toBe('ready>closed');
    await expect(pending).rejects.toMatchObject({ code: 'closed' });
    socket.drop(1000);
    clock.advance(120_000);
    expect(network.sockets).toHaveLength(1);
    expect(clock.pending).toBe(0);
    // A closed client may be started again.
    client.connect();
    expect(network.sockets).toHaveLength(2);
    client.close();
  });

  it('ignores callbacks from an older socket', async () => {
    const { client, clock, network } = setup();
    const first = await handshake(network);
    const stale = { onmessage: first.onmessage };
    first.drop(1006);
    clock.advance(500);
    await handshake(network, 's2');
    const seen: string[] = [];
    client.on('chat.message', (m) => seen.push(m.content));
    stale.onmessage?.({ data: JSON.stringify(chatMessage(1, 'ghost')) });
    expect(seen).toEqual([]);
    client.close();
  });

  it('times a request out on the clock', async () => {
    const { client, clock, network } = setup({ requestTimeoutMs: 2000 });
    const socket = await handshake(network);
    const pending = client.history('r1');
    const rejected = expect(pending).rejects.toMatchObject({ code: 'timeout' });
    // The link speaks meanwhile, so the missing reply is the server's, not a dead link's.
    clock.advance(1);
    socket.deliver({ type: 'heartbeat_ack' });
    clock.advance(1999);
    await rejected;
    client.close();
  });

  it('reports invalid frames through error and carries on', async () => {
    const { client, network, errors } = setup();
    const socket = await handshake(network);
    const seen: string[] = [];
    client.on('chat.message', (m) => seen.push(m.content));
    socket.deliver('{not json');
    socket.deliver({ type: 'chat.message', seq: 1, payload: { content: 42 } });
    socket.deliver({ type: 'no.such_type', payload: {} });
    socket.deliver(chatMessage(1, 'fine'));
    expect(errors.map((e) => e.code)).toEqual(['invalid_frame', 'invalid_frame', 'invalid_frame']);
    expect(errors[1]?.details).toMatchObject({ code: 'invalid_frame', type: 'chat.message' });
    expect(seen).toEqual(['fine']);
    expect(client.state).toBe('ready');
    client.close();
  });

  it('rejects the request an invalid reply answers', async () => {
    const { client, network } = setup();
    const socket = await handshake(network);
    const pending = client.subscribe('r1');
    socket.deliver({ type: 'subscribed', ref: socket.sent.at(-1)?.ref, payload: { rooms: 'nope' } });
    await expect(pending).rejects.toMatchObject({ code: 'invalid_frame' });
    client.close();
  });

  it('a throwing listener is reported, and the client keeps working', async () => {
    const { client, network, errors } = setup();
    const socket = await handshake(network);
    const seen: string[] = [];
    client.on('chat.message', () => {
      throw new Error('app bug');
    });
    client.on('state', () => {
      throw new Error('another app bug');
    });
    socket.deliver(chatMessage(1));
    socket.deliver({ type: 'heartbeat' });
    expect(socket.sent.at(-1)).toEqual({ type: 'heartbeat_ack' });
    client.off('chat.message');
    client.on('chat.message', (m) => seen.push(m.content));
    socket.deliver(chatMessage(2));
    expect(seen).toEqual(['m2']);
    expect(errors[0]).toMatchObject({ code: 'listener_failed', cause: new Error('app bug') });
    client.close();
    expect(errors.at(-1)).toMatchObject({ code: 'listener_failed', cause: new Error('another app bug') });
    expect(client.state).toBe('closed');
  });

  it('holds events after a gap, asks for replay, and releases them in order once filled', async () => {
    const { client, network } = setup();
    const socket = await handshake(network);
    const seen: string[] = [];
    const gaps: unknown[] = [];
    client.on('chat.message', (m) => seen.push(m.content));
    client.on('gap', (gap) => gaps.push(gap));
    socket.deliver(chatMessage(1));
    socket.deliver(chatMessage(4));
    socket.deliver(chatMessage(5));
    expect(seen).toEqual(['m1']);
    expect(gaps).toEqual([{ since: 1, seq: 4 }]);
    const replay = socket.sentOfType('replay');
    expect(replay).toMatchObject([{ payload: { since: 1 } }]);
    socket.deliver(chatMessage(2));
    socket.deliver(chatMessage(3));
    socket.deliver(chatMessage(2));
    socket.deliver({ type: 'ack', ref: replay[0]?.ref, payload: { replayed: 2 } });
    await settle();
    expect(seen).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    client.close();
  });

  it('turns a gap the server cannot fill into a reset, then releases the held events', async () => {
    const { client, network } = setup();
    const socket = await handshake(network);
    const seen: string[] = [];
    const resets: string[] = [];
    client.on('chat.message', (m) => seen.push(m.content));
    client.on('reset', ({ reason }) => resets.push(reason));
    socket.deliver(chatMessage(1));
    socket.deliver(chatMessage(3));
    const replay = socket.sentOfType('replay')[0];
    socket.deliver({ type: 'error', ref: replay?.ref, payload: { code: 'replay_unavailable', message: 'gone' } });
    await settle();
    expect(resets).toEqual(['replay_unavailable']);
    expect(seen).toEqual(['m1', 'm3']);
    socket.deliver(chatMessage(4));
    expect(seen).toEqual(['m1', 'm3', 'm4']);
    client.close();
  });

  it('reports an error frame that answers no request', async () => {
    const { client, network, errors } = setup();
    const socket = await handshake(network);
    socket.deliver({
      type: 'error',
      payload: { code: 'handler_failed', message: 'persist failed', details: { client_msg_id: 'c1' } },
    });
    expect(errors[0]).toMatchObject({ code: 'handler_failed', details: { client_msg_id: 'c1' } });
    client.close();
  });

  it('gives a socket that never says hello up after the connect timeout', async () => {
    const { client, clock, network } = setup({ requestTimeoutMs: 1000 });
    network.last.accept();
    clock.advance(1000);
    expect(network.last.closedWith?.code).toBe(4000);
    expect(client.state).toBe('reconnecting');
    client.close();
  });

  it('fails with a setup error naming the fix when no socket can be made', () => {
    const { client, errors } = setup({
      WebSocket: class {
        constructor() {
          throw new SyntaxError('Invalid URL');
        }
      } as never,
      autoConnect: false,
    });
    client.connect();
    expect(client.state).toBe('closed');
    expect(errors[0]).toMatchObject({ code: 'transport_error' });
    expect(errors[0]?.message).toMatch(/options\.WebSocket/);
  });

  it('reports a failing getToken and retries with backoff', async () => {
    let calls = 0;
    const { client, clock, network, errors } = setup({
      getToken: () => {
        calls += 1;
        if (calls === 1) throw new Error('auth service down');
        return 'ok';
      },
    });
    const socket = network.last;
    socket.accept();
    socket.deliver(hello());
    await settle();
    expect(errors[0]).toMatchObject({ code: 'token_failed', cause: new Error('auth service down') });
    expect(socket.closedWith?.code).toBe(4000);
    expect(client.state).toBe('reconnecting');
    clock.advance(500);
    const second = await handshake(network);
    expect(second.sent[0]).toMatchObject({ type: 'identify', payload: { token: 'ok' } });
    expect(client.state).toBe('ready');
    client.close();
  });

  it('restores presence set while offline through the next identify', async () => {
    const { client, clock, network } = setup();
    const socket = await handshake(network);
    socket.drop(1006);
    await client.setPresence('idle', { away: true });
    clock.advance(500);
    const second = await handshake(network, 's2');
    expect(second.sentOfType('presence.update')).toEqual([]);
    expect(second.sentOfType('identify')[0]?.payload?.presence).toEqual({ status: 'idle', data: { away: true } });
    client.close();
  });
});
