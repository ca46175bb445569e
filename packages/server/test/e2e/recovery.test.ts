import { describe, expect, it } from 'vitest';
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

// The real client against the real server, offline for longer than the resume window (a phone locked over
// lunch), with the server's default room logs: its rooms come back from their positions, without a refetch.
// Two manual clocks: the server's decides when the session expires, the client's when it reconnects.

const WINDOW = 10_000;
const reconnect = { minDelayMs: 100, maxDelayMs: 1_000 };

describe('e2e: rooms recovered after the session is gone', () => {
  it('shows every message once and in order, resets nothing it recovered, and subscribes nothing again', async () => {
    const serverClock = new ManualClock();
    const server = await startE2EServer({ clock: serverClock, resumeWindowMs: WINDOW, heartbeatIntervalMs: 3_600_000 });
    const clock = new ManualClock();
    const tracked = trackedWebSocket();
    const alice = await readyClient(server, 'alice', {
      rooms: ['room-1', 'room-2'],
      clock,
      random: () => 0,
      reconnect,
      WebSocket: tracked.WebSocket,
    });
    const bob = await readyClient(server, 'bob', { rooms: ['room-1', 'room-2'] });
    const seen = record(alice, 'chat.message');
    const events = recordTypes(alice, ['resumed', 'reset', 'ready', 'recovery', 'subscribed']);
    const say = async (room: string, ...contents: string[]) => {
      for (const content of contents) await bob.sendMessage(room, content);
    };

    await say('room-1', 'm1', 'm2');
    await until(alice, 'chat.message', () => seen.length === 2);
    const oldSession = alice.sessionId;

    // Offline: the socket is cut, the client waits for its clock; meanwhile the rooms go on.
    tracked.sockets.at(-1)?.terminate();
    await expect.poll(() => server.gateway.stats().sessions_detached, { timeout: 2000 }).toBe(1);
    await say('room-1', 'm3', 'm4');
    await say('room-2', 'n1');
    // The resume window passes on the server: the session is gone, and with it its replay buffer.
    serverClock.advance(WINDOW);
    await expect.poll(() => server.gateway.stats().sessions_detached, { timeout: 2000 }).toBe(0);
    await say('room-1', 'm5');

    const back = nextEvent(alice, 'ready');
    clock.advance(reconnect.minDelayMs);
    await back;
    expect(alice.sessionId).not.toBe(oldSession);
    await until(alice, 'chat.message', () => seen.length === 6);
    await say('room-1', 'live');
    await until(alice, 'chat.message', () => seen.length === 7);

    expect(seen.map((message) => `${message.room_id}:${message.content}`)).toEqual([
      'room-1:m1',
      'room-1:m2',
      'room-1:m3',
      'room-1:m4',
      'room-1:m5',
      'room-2:n1',
      'room-1:live',
    ]);
    expect(events.map((event) => event.type)).toEqual(['reset', 'recovery', 'recovery', 'ready']);
    expect(events.filter((event) => event.type !== 'ready').map((event) => event.payload)).toEqual([
      { reason: 'invalid_session', rooms: [] },
      { room_id: 'room-1', recovered: true, replayed: 3 },
      { room_id: 'room-2', recovered: true, replayed: 1 },
    ]);
  });
});
