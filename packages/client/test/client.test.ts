import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { type ClientOptions, createClient, defineEvent, type EventDefinition, type GatewayClient } from '../src/node';
import { FakeServer } from './fake-server';
import { nextEvent, reachState } from './helpers';
import { ManualClock } from './manual-clock';

let server: FakeServer;
const clients: GatewayClient[] = [];

beforeEach(async () => {
  server = await FakeServer.start();
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server.close();
});

function connect<const Defs extends readonly EventDefinition[] = []>(options: Partial<ClientOptions<Defs>> = {}) {
  // Timers run on a manual clock nobody advances unless a test does: no heartbeat or backoff fires by surprise.
  const client = createClient<Defs>({ url: server.url, userId: 'alice', clock: new ManualClock(), ...options });
  clients.push(client as unknown as GatewayClient);
  return client;
}

const at = '2025-01-01T00:00:00.000Z';

describe('client over a real socket', () => {
  it('identifies in dev mode with a user id and reaches ready', async () => {
    const client = connect({ deviceType: 'bot', displayName: 'Alice' });
    const ready = await client.ready();
    expect(ready.user.id).toBe('alice');
    const peer = await server.peer(0);
    expect((await peer.next('identify')).payload).toEqual({
      user_id: 'alice',
      display_name: 'Alice',
      device_type: 'bot',
      protocol_version: 1,
    });
    expect(client.state).toBe('ready');
  });

  it('identifies with a fixed token', async () => {
    clients.push(createClient({ url: server.url, token: 'jwt-abc', clock: new ManualClock() }));
    const peer = await server.peer(0);
    expect((await peer.next('identify')).payload).toEqual({ token: 'jwt-abc', protocol_version: 1 });
  });

  it('gets the token from an async getToken, one call in flight at a time', async () => {
    let calls = 0;
    let release: (token: string) => void = () => {};
    const client = connect({
      getToken: () => {
        calls += 1;
        return new Promise<string>((resolve) => {
          release = resolve;
        });
      },
    });
    await reachState(client, 'handshaking');
    release('fresh');
    await client.ready();
    expect(calls).toBe(1);
    expect((await (await server.peer(0)).next('identify')).payload?.token).toBe('fresh');
  });

  it('subscribes and keeps room presence from subscribed.members', async () => {
    const bob = {
      user_id: 'bob',
      status: 'online',
      devices: [{ device_id: 'b1', device_type: 'web', status: 'online' }],
      updated_at: at,
    };
    server.handle('subscribe', (frame, peer) =>
      peer.send({
        type: 'subscribed',
        ref: frame.ref,
        payload: { rooms: [{ room_id: 'r1', member_count: 1, members: [bob], recent_messages: [] }], refused: [] },
      }),
    );
    const client = connect();
    await client.ready();
    const subscribed = await client.subscribe('r1');
    expect(subscribed.rooms[0]?.room_id).toBe('r1');
    expect(client.presence.inRoom('r1').map((entry) => entry.user_id)).toEqual(['bob']);
    expect(client.presence.count('r1')).toBe(1);
    const unsubscribed = await client.unsubscribe(['r1']);
    expect(unsubscribed.room_ids).toEqual(['r1']);
    expect(client.presence.inRoom('r1')).toEqual([]);
  });

  it('sends a chat message, resolves with the ack and receives the echo with its client_msg_id', async () => {
    const client = connect();
    await client.ready();
    const echo = nextEvent(client, 'chat.message');
    const ack = await client.sendMessage('r1', 'hello', { clientMsgId: 'c-1', kind: 'question' });
    expect(ack).toEqual({ status: 'accepted', message_id: 'm1', client_msg_id: 'c-1', room_id: 'r1' });
    expect(await echo).toMatchObject({ content: 'hello', client_msg_id: 'c-1', kind: 'question' });
    const sent = await (await server.peer(0)).next('chat.send');
    expect(sent.payload).toEqual({ room_id: 'r1', client_msg_id: 'c-1', content: 'hello', kind: 'question' });
  });

  it('edits, deletes, fetches history and stream snapshots with the right frames', async () => {
    const message = {
      message_id: 'm1',
      room_id: 'r1',
      sender_id: 'alice',
      kind: 'text',
      content: 'x',
      created_at: at,
    };
    server.handle('chat.history', (frame, peer) =>
      peer.send({ type: 'ack', ref: frame.ref, payload: { room_id: 'r1', messages: [message] } }),
    );
    server.handle('chat.edit', (frame, peer) =>
      peer.send({ type: 'ack', ref: frame.ref, payload: { message_id: 'm1' } }),
    );
    server.handle('chat.delete', (frame, peer) =>
      peer.send({ type: 'ack', ref: frame.ref, payload: { message_id: 'm1' } }),
    );
    server.handle('chat.stream_fetch', (frame, peer) =>
      peer.send({
        type: 'ack',
        ref: frame.ref,
        payload: { stream_id: 's1', room_id: 'r1', chunks: [{ index: 2, content: 'c' }], ended: true },
      }),
    );
    const client = connect();
    await client.ready();
    const peer = await server.peer(0);
    expect((await client.history('r1', 10)).messages).toHaveLength(1);
    expect(await peer.next('chat.history')).toMatchObject({ payload: { room_id: 'r1', limit: 10 } });
    await expect(client.editMessage('r1', 'm1', 'y')).resolves.toEqual({ message_id: 'm1' });
    expect(await peer.next('chat.edit')).toMatchObject({ payload: { room_id: 'r1', message_id: 'm1', content: 'y' } });
    await expect(client.deleteMessage('r1', 'm1')).resolves.toEqual({ message_id: 'm1' });
    expect(await peer.next('chat.delete')).toMatchObject({ payload: { room_id: 'r1', message_id: 'm1' } });
    expect((await client.fetchStream('s1', 2)).chunks).toEqual([{ index: 2, content: 'c' }]);
    expect(await peer.next('chat.stream_fetch')).toMatchObject({ payload: { stream_id: 's1', from_index: 2 } });
  });

  it('rejects a request the server answers with an error', async () => {
    server.handle('chat.send', (frame, peer) =>
      peer.send({ type: 'error', ref: frame.ref, payload: { code: 'not_subscribed', message: 'subscribe first' } }),
    );
    const client = connect();
    await client.ready();
    await expect(client.sendMessage('nowhere', 'hi')).rejects.toMatchObject({ code: 'not_subscribed' });
  });

  it('throttles typing to one start per 2 s per room and sends stop', async () => {
    const clock = new ManualClock();
    const client = connect({ clock });
    await client.ready();
    const peer = await server.peer(0);
    client.startTyping('r1');
    client.startTyping('r1');
    client.startTyping('r2');
    clock.advance(1999);
    client.startTyping('r1');
    clock.advance(1);
    client.startTyping('r1');
    client.stopTyping('r1');
    client.stopTyping('r1');
    await client.history('r1').catch(() => undefined); // a round trip: everything above has arrived
    const typing = peer.received
      .filter((f) => f.type.startsWith('typing.'))
      .map((f) => `${f.type} ${f.payload?.room_id}`);
    expect(typing).toEqual(['typing.start r1', 'typing.start r2', 'typing.start r1', 'typing.stop r1']);
  });

  it('sets presence with an acked presence.update', async () => {
    const client = connect();
    await client.ready();
    await client.setPresence('dnd', { note: 'focus' });
    expect(await (await server.peer(0)).next('presence.update')).toMatchObject({
      payload: { status: 'dnd', data: { note: 'focus' } },
    });
  });

  it('starts, feeds and stops a recording', async () => {
    const client = connect();
    await client.ready();
    const peer = await server.peer(0);
    await expect(client.startRecording('r1', { app: 'x' })).resolves.toEqual({ recording_id: 'rec-1' });
    expect(client.recordEvent('rec-1', 'mouse_click', { x: 100, y: 200 })).toBe(true);
    await expect(client.stopRecording('rec-1')).resolves.toEqual({ recording_id: 'rec-1', events: 0 });
    expect((await peer.next('recording.start')).payload).toEqual({ room_id: 'r1', metadata: { app: 'x' } });
    expect((await peer.next('recording.event')).payload).toEqual({
      recording_id: 'rec-1',
      event: 'mouse_click',
      data: { x: 100, y: 200 },
    });
    expect((await peer.next('recording.stop')).payload).toEqual({ recording_id: 'rec-1' });
  });

  it('keeps presence for one user with two devices, and typing from the server', async () => {
    const client = connect();
    await client.ready();
    const peer = await server.peer(0);
    const device = (id: string, status: string) => ({ device_id: id, device_type: 'mobile', status });
    const changes: unknown[] = [];
    client.on('presence', (change) => changes.push(change));
    peer.dispatch('presence.diff', {
      joined: [{ user_id: 'bob', status: 'idle', devices: [device('phone', 'idle')], updated_at: at }],
      count: 1,
    });
    peer.dispatch('presence.diff', {
      updated: [
        {
          user_id: 'bob',
          status: 'online',
          devices: [device('phone', 'idle'), device('laptop', 'online')],
          updated_at: at,
        },
      ],
      count: 1,
    });
    await nextEvent(client, 'presence.diff', (diff) => diff.updated !== undefined);
    expect(client.presence.get('bob')?.devices.map((d) => d.device_id)).toEqual(['phone', 'laptop']);
    expect(client.presence.get('bob')?.status).toBe('online');
    expect(changes).toEqual([{ room_id: undefined }, { room_id: undefined }]);
    peer.dispatch('presence.diff', { left: ['bob'], count: 0 });
    await nextEvent(client, 'presence.diff', (diff) => diff.left !== undefined);
    expect(client.presence.list()).toEqual([]);
    expect(client.presence.count()).toBe(0);

    peer.send({ type: 'typing.start', payload: { room_id: 'r1', user_id: 'bob', expires_in_ms: 10_000 } });
    expect(await nextEvent(client, 'typing')).toEqual({ room_id: 'r1', user_ids: ['bob'] });
    expect(client.typing.inRoom('r1')).toEqual(['bob']);
  });

  it('validates and types custom events both ways', async () => {
    const events = [
      defineEvent('game.move', z.object({ x: z.int() }), { direction: 'server' }),
      defineEvent('game.ping', z.object({ n: z.int() }), { direction: 'client' }),
    ] as const;
    const client = connect({ events });
    await client.ready();
    const peer = await server.peer(0);
    const move = nextEvent(client as unknown as GatewayClient, 'error');
    peer.dispatch('game.move', { x: 'left' });
    expect(await move).toMatchObject({ code: 'invalid_frame' });
    const good = new Promise<number>((resolve) => client.once('game.move', (m) => resolve(m.x)));
    peer.dispatch('game.move', { x: 3 });
    expect(await good).toBe(3);
    expect(client.send('game.ping', { n: 1 })).toBe(true);
    expect(() => client.send('game.ping', { n: 1.5 })).toThrow(expect.objectContaining({ code: 'invalid_payload' }));
    expect((await peer.next('game.ping')).payload).toEqual({ n: 1 });
  });

  it('reports garbage from the server through error without throwing', async () => {
    const client = connect();
    await client.ready();
    const peer = await server.peer(0);
    const error = nextEvent(client, 'error');
    peer.sendRaw('this is not json');
    expect(await error).toMatchObject({ code: 'invalid_frame', details: { code: 'invalid_json' } });
    expect(client.state).toBe('ready');
  });

  it('flushes the offline queue after ready, not before identify', async () => {
    const manual = await FakeServer.start({ autoReady: false });
    try {
      const client = createClient({ url: manual.url, userId: 'alice', clock: new ManualClock() });
      clients.push(client);
      const sent = client.sendMessage('r1', 'queued', { clientMsgId: 'q1' });
      const peer = await manual.peer(0);
      const identify = await peer.next('identify');
      expect(peer.received.map((f) => f.type)).toEqual(['identify']);
      peer.send({
        type: 'ready',
        payload: { session_id: 's', user: { id: 'alice' }, device_id: 'd', subscriptions: [], presence: [] },
      });
      expect((await peer.next('chat.send')).payload?.client_msg_id).toBe('q1');
      expect(peer.received.indexOf(identify)).toBe(0);
      await expect(sent).resolves.toMatchObject({ client_msg_id: 'q1' });
    } finally {
      await manual.close();
    }
  });

  it('stops on a fatal close with a typed error', async () => {
    const client = connect();
    await client.ready();
    const error = nextEvent(client, 'error');
    (await server.peer(0)).goodbye(4401, 'authentication failed');
    expect(await error).toMatchObject({ code: 'fatal_close', closeCode: 4401 });
    expect(client.state).toBe('closed');
    expect(server.peers).toHaveLength(1);
  });

  it('reconnects when the server says reconnect, resumes, and identifies afresh after invalid_session', async () => {
    const clock = new ManualClock();
    const client = connect({ clock, random: () => 0 });
    await client.ready();
    const first = await server.peer(0);
    const reset = nextEvent(client, 'reset');
    const scheduled = nextEvent(client, 'reconnecting');
    first.send({ type: 'reconnect', payload: { after_ms: 250, jitter_ms: 100 } });
    expect(await scheduled).toEqual({ attempt: 0, delay_ms: 250 });
    clock.advance(250);
    const second = await server.peer(1);
    expect((await second.next('resume')).payload).toMatchObject({ session_id: 'session-1', seq: 0 });
    await second.next('identify');
    expect(await reset).toEqual({ reason: 'invalid_session', rooms: [] });
    await reachState(client, 'ready');
    expect(client.sessionId).toBe('session-2');
    expect((await first.whenClosed()).code).toBe(4000);
  });

  it('resumes after the server cuts the socket: missed dispatches once and in order, then resumed', async () => {
    const resuming = await FakeServer.start({ resume: 'replay' });
    try {
      const clock = new ManualClock();
      const client = createClient({ url: resuming.url, userId: 'alice', clock, random: () => 0 });
      clients.push(client);
      const seen: string[] = [];
      client.on('chat.message', (m) => seen.push(m.content));
      client.on('resumed', ({ replayed }) => seen.push(`resumed(${replayed})`));
      client.on('reset', () => seen.push('reset'));
      await client.ready();
      const first = await resuming.peer(0);
      const message = (content: string) => ({
        message_id: content,
        room_id: 'r1',
        sender_id: 'bob',
        kind: 'text',
        content,
        created_at: at,
      });
      first.dispatch('chat.message', message('one'));
      await nextEvent(client, 'chat.message');

      const scheduled = nextEvent(client, 'reconnecting');
      first.socket.terminate();
      expect(await scheduled).toEqual({ attempt: 0, delay_ms: 500 });
      await first.whenClosed();
      first.dispatch('chat.message', message('two'));
      first.dispatch('chat.message', message('three'));
      const resumed = nextEvent(client, 'resumed');
      clock.advance(500);
      expect(await resumed).toEqual({ session_id: 'session-1', replayed: 2 });
      const second = await resuming.peer(1);
      expect((await second.next('resume')).payload).toEqual({ session_id: 'session-1', seq: 1 });
      second.dispatch('chat.message', message('four'));
      await nextEvent(client, 'chat.message', (m) => m.content === 'four');
      expect(seen).toEqual(['one', 'two', 'three', 'resumed(2)', 'four']);
      expect(second.received.map((f) => f.type)).not.toContain('identify');
    } finally {
      await resuming.close();
    }
  });

  it('close() sends a clean 1000 and does not reconnect', async () => {
    const client = connect();
    await client.ready();
    const peer = await server.peer(0);
    client.close();
    expect(await peer.whenClosed()).toEqual({ code: 1000, reason: 'client closed' });
    expect(client.state).toBe('closed');
    expect(server.peers).toHaveLength(1);
  });

  it('closes a socket still connecting without crashing (a TCP server that never upgrades)', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const address = silent.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const client = createClient({ url: `ws://127.0.0.1:${port}/ws`, clock: new ManualClock() });
      expect(client.state).toBe('connecting');
      client.close();
      expect(client.state).toBe('closed');
      // Give ws its turn to abort the handshake; an undelivered 'error' would surface as an uncaught exception.
      await new Promise<void>((resolve) => setImmediate(resolve));
    } finally {
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
