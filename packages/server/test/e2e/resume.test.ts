import { defineEvent } from '@gateway/client';
import { describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import * as z from 'zod/mini';
import {
  ManualClock,
  nextEvent,
  readyClient,
  record,
  recordTypes,
  startE2EServer,
  trackedWebSocket,
  until,
} from './helpers';

// The real client against the real server over real sockets (127.0.0.1, port 0), through the faults
// issue 3 is about: a socket cut while the server keeps publishing, and a server restarted on its port.
// The clients run on manual clocks with random() = 0: a reconnect waits exactly minDelayMs (100 ms here)
// of that clock, so the test decides when it happens, and no heartbeat or timeout fires by surprise.

const tick = defineEvent('app.tick', z.object({ i: z.number() }), { direction: 'server' });
const events = [tick] as const;
const reconnect = { minDelayMs: 100, maxDelayMs: 1_000 };

/** Destroys the client's TCP socket without a close frame: to both sides it is a dropped connection (1006). */
function cut(sockets: readonly WebSocket[]): void {
  const socket = sockets.at(-1);
  if (socket === undefined) throw new Error('the client has no socket to cut');
  socket.terminate();
}

const ticks = (n: number, from = 1) => Array.from({ length: n }, (_, k) => from + k);

describe('e2e: resume', () => {
  it('a cut socket resumes: every event once and in order, `resumed` with the replayed count, sends exactly once', async () => {
    const server = await startE2EServer({ events });
    const clock = new ManualClock();
    const tracked = trackedWebSocket();
    const alice = await readyClient(server, 'alice', {
      events,
      rooms: ['room-1'],
      clock,
      random: () => 0,
      reconnect,
      WebSocket: tracked.WebSocket,
    });
    const sessionId = alice.sessionId;
    const bob = await readyClient(server, 'bob', { events, rooms: ['room-1'] });
    const aliceSaw = recordTypes(alice, ['app.tick', 'chat.message', 'resumed', 'reset', 'ready']);
    const bobMessages = record(bob, 'chat.message');
    const publish = (from: number, n: number) => {
      for (const i of ticks(n, from)) server.gateway.broadcast('app.tick', { i }, { room: 'room-1' });
    };

    publish(1, 5);
    await nextEvent(alice, 'app.tick', (t) => t.i === 5);

    // A send on the wire when the socket dies, then the cut; the server notices and keeps publishing.
    const inFlight = alice.sendMessage('room-1', 'in flight', { clientMsgId: 'alice-in-flight' });
    const reconnecting = nextEvent(alice, 'reconnecting');
    cut(tracked.sockets);
    expect(await reconnecting).toEqual({ attempt: 0, delay_ms: 100 });
    await expect.poll(() => server.gateway.stats().connections, { timeout: 3000 }).toBe(1);
    publish(6, 10);
    const queued = alice.sendMessage('room-1', 'while away', { clientMsgId: 'alice-away' });
    expect(alice.state).toBe('reconnecting');

    const resumed = nextEvent(alice, 'resumed');
    clock.advance(100);
    const { replayed } = await resumed;
    expect(alice.state).toBe('ready');
    const [sentInFlight, sentQueued] = await Promise.all([inFlight, queued]);
    publish(16, 5);
    await nextEvent(alice, 'app.tick', (t) => t.i === 20);
    await until(bob, 'chat.message', () => bobMessages.length === 2);

    // The app saw ticks 1..20 once, in order, the missed ones before `resumed`; no reset, no new ready.
    const seenTicks = aliceSaw.flatMap((e) => (e.type === 'app.tick' ? [(e.payload as { i: number }).i] : []));
    expect(seenTicks).toEqual(ticks(20));
    const types = aliceSaw.map((e) => e.type);
    expect(types.filter((type) => type === 'reset' || type === 'ready')).toEqual([]);
    const resumedAt = types.indexOf('resumed');
    expect(aliceSaw.slice(0, resumedAt).filter((e) => e.type === 'app.tick')).toHaveLength(15);
    // Replayed: ticks 6..15, plus the echo of the in-flight send if the server got it before the cut.
    const echoedBeforeResume = aliceSaw.slice(0, resumedAt).filter((e) => e.type === 'chat.message').length;
    expect(replayed).toBe(10 + echoedBeforeResume);
    expect(alice.sessionId).toBe(sessionId);

    // Each message delivered exactly once, to both, whether or not the first attempt reached the server.
    expect(bobMessages.map((m) => m.client_msg_id)).toEqual(['alice-in-flight', 'alice-away']);
    const aliceMessages = aliceSaw.flatMap((e) => (e.type === 'chat.message' ? [e.payload] : []));
    expect(aliceMessages.map((m) => (m as { client_msg_id?: string }).client_msg_id)).toEqual([
      'alice-in-flight',
      'alice-away',
    ]);
    expect(bobMessages.map((m) => m.message_id)).toEqual([sentInFlight.message_id, sentQueued.message_id]);
    expect(tracked.sockets).toHaveLength(2);
  });

  it('a drain (server-paced reconnect) resumes the session without a reset', async () => {
    const server = await startE2EServer({ events });
    const clock = new ManualClock();
    const alice = await readyClient(server, 'alice', { events, rooms: ['room-1'], clock, random: () => 0, reconnect });
    const sessionId = alice.sessionId;
    const resets = record(alice, 'reset');
    const scheduled = nextEvent(alice, 'reconnecting');
    server.gateway.drain({ afterMs: 250, jitterMs: 100 });
    // random() = 0: after_ms exactly, and the backoff attempt is not used up.
    expect(await scheduled).toEqual({ attempt: 0, delay_ms: 250 });
    server.gateway.broadcast('app.tick', { i: 1 }, { room: 'room-1' });
    const resumed = nextEvent(alice, 'resumed');
    const replayedTick = nextEvent(alice, 'app.tick');
    clock.advance(250);
    expect(await replayedTick).toEqual({ i: 1 });
    expect(await resumed).toMatchObject({ session_id: sessionId, replayed: 1 });
    expect(alice.sessionId).toBe(sessionId);
    expect(resets).toEqual([]);
  });

  it('a server restarted on the same port: reset, rooms subscribed again, chat works', async () => {
    const first = await startE2EServer();
    const clock = new ManualClock();
    const alice = await readyClient(first, 'alice', { rooms: ['room-1'], clock, random: () => 0, reconnect });
    const oldSession = alice.sessionId;
    const errors = record(alice, 'error');

    const scheduled = nextEvent(alice, 'reconnecting');
    await first.close();
    const { delay_ms: delay } = await scheduled;
    expect(alice.state).toBe('reconnecting');

    // Same port, fresh process state: the old session is unknown there.
    const second = await startE2EServer({ port: first.port });
    const order = recordTypes(alice, ['resumed', 'reset', 'ready', 'subscribed']);
    const subscribed = nextEvent(alice, 'subscribed');
    clock.advance(delay);
    const again = await subscribed;
    expect(order.map((e) => e.type)).toEqual(['reset', 'ready', 'subscribed']);
    // The room's log went with the old process: its epoch changed, so the room is the app's to refetch.
    expect(order[0]?.payload).toEqual({ reason: 'invalid_session', rooms: ['room-1'] });
    expect(alice.sessionId).not.toBe(oldSession);
    expect(again.rooms.map((room) => room.room_id)).toEqual(['room-1']);
    expect(again.refused).toEqual([]);
    expect(second.gateway.room('room-1').online_users).toEqual(['alice']);

    // Chat works both ways on the new server.
    const carol = await readyClient(second, 'carol', { rooms: ['room-1'] });
    const atAlice = nextEvent(alice, 'chat.message', (m) => m.sender_id === 'carol');
    await carol.sendMessage('room-1', 'welcome back');
    expect(await atAlice).toMatchObject({ content: 'welcome back', room_id: 'room-1' });
    const atCarol = nextEvent(carol, 'chat.message', (m) => m.sender_id === 'alice');
    const ack = await alice.sendMessage('room-1', 'thanks');
    expect(await atCarol).toMatchObject({ content: 'thanks', message_id: ack.message_id });
    expect(errors).toEqual([]);
  });
});
