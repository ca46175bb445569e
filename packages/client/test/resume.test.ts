import { describe, expect, it } from 'vitest';
import type { ClientOptions, GatewayClientError } from '../src/index';
import {
  chatMessage,
  type FakeSocket,
  fakeClient,
  hello,
  type FakeNetwork as Network,
  ready,
  settle,
} from './fake-socket';

// Resume, reset and gap repair against a scripted in-memory socket: the test plays the server.
// random() = 0 puts every reconnect at exactly minDelayMs (500 ms).

function setup(options: Partial<ClientOptions> = {}) {
  const { client, clock, network } = fakeClient(options);
  const log: string[] = [];
  const errors: GatewayClientError[] = [];
  client.on('chat.message', (m) => log.push(m.content));
  client.on('resumed', ({ replayed }) => log.push(`resumed(${replayed})`));
  client.on('reset', ({ reason }) => log.push(`reset(${reason})`));
  client.on('gap', ({ since, seq }) => log.push(`gap(${since},${seq})`));
  client.on('error', (error) => errors.push(error));
  return { client, clock, network, log, errors };
}

/** Opens the newest socket with `hello` and lets the client answer it (identify or resume). */
async function greet(network: Network): Promise<FakeSocket> {
  const socket = network.last;
  socket.accept();
  socket.deliver(hello(30_000));
  await settle();
  return socket;
}

async function identified(network: Network, sessionId = 's1', rooms: string[] = []) {
  const socket = await greet(network);
  socket.deliver(ready(sessionId, 'alice', rooms));
  return socket;
}

const ack = (ref: string | undefined, clientMsgId: unknown, extra: object = {}) => ({
  type: 'ack',
  ref,
  payload: { status: 'accepted', message_id: 'mid', client_msg_id: clientMsgId, room_id: 'r1', ...extra },
});

describe('resume', () => {
  it('resumes after a drop: missed events once and in order, then `resumed`, then the queued sends', async () => {
    const { client, clock, network, log } = setup({ rooms: ['r1'] });
    const first = await identified(network, 's1', ['r1']);
    first.deliver(chatMessage(1));
    first.deliver(chatMessage(2));
    const inFlight = client.sendMessage('r1', 'in flight', { clientMsgId: 'c-flight' });
    first.drop(1006);
    expect(client.state).toBe('reconnecting');
    const queued = client.sendMessage('r1', 'while away', { clientMsgId: 'c-away' });
    void client.setPresence('idle');

    clock.advance(500);
    const second = await greet(network);
    expect(second.sent).toEqual([{ type: 'resume', payload: { session_id: 's1', seq: 2 } }]);
    // The server replays from seq 3 (one duplicate slipped in), then says resumed.
    second.deliver(chatMessage(2));
    second.deliver(chatMessage(3));
    second.deliver(chatMessage(4));
    expect(second.sent.map((f) => f.type)).toEqual(['resume']); // nothing before resumed
    second.deliver({ type: 'resumed', payload: { session_id: 's1', replayed: 2 } });
    expect(log).toEqual(['m1', 'm2', 'm3', 'm4', 'resumed(2)']);
    expect(client.state).toBe('ready');
    expect(client.sessionId).toBe('s1');

    // In flight first (it was made first), same client_msg_id; then the queued send; then presence.
    const sends = second.sentOfType('chat.send');
    expect(sends.map((f) => f.payload?.client_msg_id)).toEqual(['c-flight', 'c-away']);
    expect(second.sentOfType('presence.update')).toMatchObject([{ payload: { status: 'idle' } }]);
    // The session kept its rooms: no identify, no re-subscribe.
    expect(second.sentOfType('identify')).toEqual([]);
    expect(second.sentOfType('subscribe')).toEqual([]);
    second.deliver(ack(sends[0]?.ref, 'c-flight', { duplicate: true }));
    second.deliver(ack(sends[1]?.ref, 'c-away'));
    await expect(inFlight).resolves.toMatchObject({ duplicate: true });
    await expect(queued).resolves.toMatchObject({ client_msg_id: 'c-away' });
    second.deliver(chatMessage(5));
    expect(log.at(-1)).toBe('m5');
    client.close();
  });

  it('fills a gap that was open when the connection dropped from the resume replay', async () => {
    const { client, clock, network, log } = setup();
    const first = await identified(network);
    first.deliver(chatMessage(1));
    first.deliver(chatMessage(3)); // 2 is missing: replay requested, 3 held
    expect(first.sentOfType('replay')).toMatchObject([{ payload: { since: 1 } }]);
    first.drop(1006);
    clock.advance(500);
    const second = await greet(network);
    expect(second.sent[0]).toEqual({ type: 'resume', payload: { session_id: 's1', seq: 1 } });
    second.deliver(chatMessage(2));
    second.deliver(chatMessage(3));
    second.deliver({ type: 'resumed', payload: { session_id: 's1', replayed: 2 } });
    expect(log).toEqual(['m1', 'gap(1,3)', 'm2', 'm3', 'resumed(2)']);
    client.close();
  });

  it('does not ask for a replay in the middle of a resume; a hole left after `resumed` is a reset', async () => {
    const { client, clock, network, log } = setup();
    const first = await identified(network);
    first.deliver(chatMessage(1));
    first.drop(1006);
    clock.advance(500);
    const second = await greet(network);
    second.deliver(chatMessage(3)); // a broken server skipped 2
    second.deliver({ type: 'resumed', payload: { session_id: 's1', replayed: 1 } });
    expect(second.sentOfType('replay')).toEqual([]);
    expect(log).toEqual(['m1', 'gap(1,3)', 'reset(replay_incomplete)', 'm3', 'resumed(1)']);
    client.close();
  });

  it('on invalid_session identifies afresh with rooms and presence, emits reset, and subscribes the rooms again', async () => {
    const { client, clock, network, log } = setup({ rooms: ['r1'], presence: { status: 'dnd' } });
    const first = await identified(network, 's1', ['r1']);
    const subscribed = client.subscribe('r2');
    first.deliver({
      type: 'subscribed',
      ref: first.sentOfType('subscribe')[0]?.ref,
      payload: { rooms: [{ room_id: 'r2', member_count: 0, members: [], recent_messages: [] }], refused: [] },
    });
    await subscribed;
    first.deliver(chatMessage(1));
    first.drop(4000);
    const order: string[] = [];
    client.on('state', ({ to }) => order.push(to));
    client.on('reset', () => order.push('reset'));
    client.on('ready', () => order.push('ready'));
    client.on('subscribed', (s) => order.push(`subscribed:${s.rooms.map((r) => r.room_id).join(',')}`));

    clock.advance(500);
    const second = await greet(network);
    second.deliver({ type: 'invalid_session', payload: { resumable: false, reason: 'expired' } });
    expect(second.sent[1]).toMatchObject({
      type: 'identify',
      payload: { device_id: 'd1', subscriptions: ['r1', 'r2'], presence: { status: 'dnd' } },
    });
    second.deliver(ready('s2', 'alice', ['r1', 'r2']));
    expect(order).toEqual(['connecting', 'handshaking', 'ready', 'reset', 'ready']);
    const resubscribe = second.sentOfType('subscribe');
    expect(resubscribe).toMatchObject([{ payload: { room_ids: ['r1', 'r2'] } }]);
    const recent = [chatMessage(1).payload];
    second.deliver({
      type: 'subscribed',
      ref: resubscribe[0]?.ref,
      payload: {
        rooms: [
          { room_id: 'r1', member_count: 0, members: [], recent_messages: recent },
          { room_id: 'r2', member_count: 0, members: [], recent_messages: [] },
        ],
        refused: [],
      },
    });
    expect(order.at(-1)).toBe('subscribed:r1,r2');
    // The new session numbers from 1 again.
    second.deliver(chatMessage(1, 'new-1'));
    expect(log).toEqual(['m1', 'reset(invalid_session)', 'new-1']);
    client.close();
  });

  it('a fresh client with no session identifies and never emits reset', async () => {
    const { client, network, log } = setup({ rooms: ['r1'] });
    const socket = await identified(network, 's1', ['r1']);
    expect(socket.sentOfType('subscribe')).toEqual([]);
    expect(log).toEqual([]);
    client.close();
  });

  it('a reconnect frame resumes after after_ms + jitter without counting a backoff attempt', async () => {
    const { client, clock, network } = setup({ random: () => 0.5 });
    const first = await identified(network);
    first.deliver(chatMessage(1));
    const scheduled: { attempt: number; delay_ms: number }[] = [];
    client.on('reconnecting', (event) => scheduled.push(event));
    first.deliver({ type: 'reconnect', payload: { after_ms: 1000, jitter_ms: 400, reason: 'deploy' } });
    expect(first.closedWith?.code).toBe(4000);
    expect(scheduled).toEqual([{ attempt: 0, delay_ms: 1200 }]);
    clock.advance(1199);
    expect(network.sockets).toHaveLength(1);
    clock.advance(1);
    const second = await greet(network);
    expect(second.sent[0]).toEqual({ type: 'resume', payload: { session_id: 's1', seq: 1 } });
    second.deliver({ type: 'resumed', payload: { session_id: 's1', replayed: 0 } });
    second.drop(1006);
    // The server-paced reconnect did not use up attempt 0 of the backoff.
    expect(scheduled.at(-1)).toEqual({ attempt: 0, delay_ms: 750 });
    client.close();
  });

  it('a fatal close while resuming stops reconnecting for good', async () => {
    const { client, clock, network, errors } = setup();
    const first = await identified(network);
    first.drop(1006);
    clock.advance(500);
    const second = await greet(network);
    expect(second.sent[0]?.type).toBe('resume');
    second.deliver({ type: 'goodbye', payload: { code: 4403, reason: 'forbidden', resumable: false } });
    second.drop(4403, 'forbidden');
    expect(client.state).toBe('closed');
    expect(errors).toMatchObject([{ code: 'fatal_close', closeCode: 4403 }]);
    clock.advance(10 * 60_000);
    expect(network.sockets).toHaveLength(2);
    expect(clock.pending).toBe(0);
  });
});

describe('gap repair on a live connection', () => {
  it('a gap not filled within requestTimeoutMs becomes a reset and releases the held events', async () => {
    const { client, clock, network, log } = setup({ requestTimeoutMs: 2000 });
    const socket = await identified(network);
    socket.deliver(chatMessage(1));
    socket.deliver(chatMessage(3));
    socket.deliver(chatMessage(4));
    expect(socket.sentOfType('replay')).toHaveLength(1);
    clock.advance(1999);
    await settle();
    expect(log).toEqual(['m1', 'gap(1,3)']);
    clock.advance(1);
    await settle();
    expect(log).toEqual(['m1', 'gap(1,3)', 'reset(timeout)', 'm3', 'm4']);
    socket.deliver(chatMessage(5));
    expect(log.at(-1)).toBe('m5');
    client.close();
  });

  it('a replay answered without the missing events is a reset; one that filled them is not', async () => {
    const { client, network, log } = setup();
    const socket = await identified(network);
    socket.deliver(chatMessage(1));
    socket.deliver(chatMessage(3));
    let replay = socket.sentOfType('replay')[0];
    socket.deliver({ type: 'ack', ref: replay?.ref, payload: { replayed: 0 } });
    await settle();
    expect(log).toEqual(['m1', 'gap(1,3)', 'reset(replay_incomplete)', 'm3']);

    socket.deliver(chatMessage(5));
    replay = socket.sentOfType('replay')[1];
    expect(replay?.payload).toEqual({ since: 3 });
    socket.deliver(chatMessage(4));
    socket.deliver(chatMessage(5));
    socket.deliver({ type: 'ack', ref: replay?.ref, payload: { replayed: 2 } });
    await settle();
    expect(log.slice(4)).toEqual(['gap(3,5)', 'm4', 'm5']);
    client.close();
  });

  it('a refused replay after the gap filled itself is no reset', async () => {
    const { client, network, log } = setup();
    const socket = await identified(network);
    socket.deliver(chatMessage(2));
    socket.deliver(chatMessage(1));
    const replay = socket.sentOfType('replay')[0];
    socket.deliver({ type: 'error', ref: replay?.ref, payload: { code: 'replay_unavailable', message: 'gone' } });
    await settle();
    expect(log).toEqual(['gap(0,2)', 'm1', 'm2']);
    client.close();
  });
});
