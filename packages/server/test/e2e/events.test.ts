import { defineEvent, type GatewayClientError } from '@gateway/client';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { barrier, nextEvent, readyClient, record, recordTypes, startE2EServer, until } from './helpers';

const ping = defineEvent('app.ping', z.object({ n: z.number() }), { direction: 'client' });
const pong = defineEvent('app.pong', z.object({ n: z.number(), by: z.string() }), { direction: 'server' });
const notice = defineEvent('app.notice', z.object({ text: z.string() }), { direction: 'server' });
const tick = defineEvent('app.tick', z.object({ i: z.number() }), { direction: 'server' });
const blip = defineEvent('app.blip', z.object({ i: z.number() }), { direction: 'server', ephemeral: true });

describe('e2e: custom events', () => {
  it('one set of definitions types both sides: app.ping is handled, app.pong comes back typed', async () => {
    const events = [ping, pong] as const;
    const server = await startE2EServer({ events });
    server.gateway.handle('app.ping', (ctx, payload) => ({
      type: 'app.pong',
      payload: { n: payload.n + 1, by: `${ctx.user.id}@${ctx.device_id}` },
    }));
    const alice = await readyClient(server, 'alice', { events, deviceId: 'cli' });

    const ponged = nextEvent(alice, 'app.pong');
    expect(alice.send('app.ping', { n: 1 })).toBe(true);
    const reply = await ponged;
    const n: number = reply.n;
    expect(n).toBe(2);
    expect(reply).toEqual({ n: 2, by: 'alice@cli' });

    // As a request the event is acked after the handler's reply went out.
    const pongs = record(alice, 'app.pong');
    expect(await alice.request('app.ping', { n: 41 })).toEqual({});
    expect(pongs).toEqual([{ n: 42, by: 'alice@cli' }]);

    // An invalid payload never leaves the client…
    let refused: unknown;
    try {
      alice.send('app.ping', { n: 'one' } as unknown as { n: number });
    } catch (error) {
      refused = error;
    }
    expect(refused).toMatchObject({ name: 'GatewayClientError', code: 'invalid_payload' });

    // …and a client without the definitions that sends one anyway is answered invalid_frame by the server.
    const stranger = await readyClient(server, 'stranger');
    const sendAny = stranger.request.bind(stranger) as unknown as (type: string, payload: unknown) => Promise<unknown>;
    const invalid = await sendAny('app.ping', { n: 'one' }).catch((error: GatewayClientError) => error);
    expect(invalid).toMatchObject({ code: 'invalid_frame' });
    const unknown = await sendAny('app.unknown', { n: 1 }).catch((error: GatewayClientError) => error);
    expect(unknown).toMatchObject({ code: 'unknown_type' });
    expect(stranger.state).toBe('ready');
  });
});

describe('e2e: programmatic fan-out', () => {
  it('broadcast to all, to a room with exclude, and send to a user or a session reach the right clients', async () => {
    const events = [notice] as const;
    const server = await startE2EServer({ events });
    const a = await readyClient(server, 'a', { events, rooms: ['room-x'] });
    const b = await readyClient(server, 'b', { events, rooms: ['room-x'] });
    const c = await readyClient(server, 'c', { events, deviceId: 'c-1' });
    const cPhone = await readyClient(server, 'c', { events, deviceId: 'c-2' });
    const clients = { a, b, c, cPhone };
    const texts = Object.fromEntries(
      Object.entries(clients).map(([name, client]) => [name, record(client, 'app.notice')]),
    ) as Record<keyof typeof clients, { text: string }[]>;
    const { gateway } = server;
    const aSession = a.sessionId;
    const bSession = b.sessionId;
    if (aSession === undefined || bSession === undefined) throw new Error('ready clients have sessions');

    gateway.broadcast('app.notice', { text: 'everyone' });
    gateway.broadcast('app.notice', { text: 'room-x without b' }, { room: 'room-x', exclude: { users: ['b'] } });
    gateway.broadcast('app.notice', { text: 'all but a' }, { exclude: { sessions: [aSession] } });
    expect(gateway.send({ userId: 'c' }, 'app.notice', { text: 'to user c' })).toBe(true);
    expect(gateway.send({ sessionId: bSession }, 'app.notice', { text: 'to b' })).toBe(true);
    expect(gateway.send({ userId: 'nobody' }, 'app.notice', { text: 'lost' })).toBe(false);
    expect(gateway.send({ sessionId: 'no-such-session' }, 'app.notice', { text: 'lost' })).toBe(false);
    gateway.broadcast('app.notice', { text: 'end' });

    for (const [name, client] of Object.entries(clients)) {
      const seen = texts[name as keyof typeof clients];
      await until(client, 'app.notice', () => seen.at(-1)?.text === 'end');
    }
    const got = (name: keyof typeof clients) => texts[name].map((n) => n.text);
    expect(got('a')).toEqual(['everyone', 'room-x without b', 'end']);
    expect(got('b')).toEqual(['everyone', 'all but a', 'to b', 'end']);
    expect(got('c')).toEqual(['everyone', 'all but a', 'to user c', 'end']);
    expect(got('cPhone')).toEqual(['everyone', 'all but a', 'to user c', 'end']);
  });
});

describe('e2e: sequencing', () => {
  it('200 mixed dispatches arrive with consecutive seqs (no gap) and in the order the server sent them', async () => {
    // Each batch: one chat message, 8 sequenced and 2 ephemeral server events; now and then a presence change.
    const BATCHES = 25;
    const events = [tick, blip] as const;
    const server = await startE2EServer({ events });
    const { gateway } = server;
    const rx = await readyClient(server, 'rx', { events, rooms: ['r'] });
    const gaps = record(rx, 'gap');
    const resets = record(rx, 'reset');
    const sequenced = [
      'app.tick',
      'chat.message',
      'chat.stream_start',
      'chat.stream_chunk',
      'chat.stream_end',
      'presence.diff',
    ] as const;
    const log = recordTypes(rx, sequenced);
    const blips = record(rx, 'app.blip');
    const tx = await readyClient(server, 'tx', { rooms: ['r'] });
    const stream = gateway.startStream({ room_id: 'r', sender_id: 'assistant' });

    for (let batch = 0; batch < BATCHES; batch++) {
      const sent = tx.sendMessage('r', `message ${batch}`);
      for (let i = batch * 10; i < batch * 10 + 10; i++) {
        if (i % 5 === 0) gateway.broadcast('app.tick', { i });
        else if (i % 5 === 1) gateway.send({ userId: 'rx' }, 'app.tick', { i });
        else if (i % 5 === 2) gateway.broadcast('app.tick', { i }, { room: 'r' });
        else if (i % 5 === 3) stream.write(`${i} `);
        else gateway.broadcast('app.blip', { i });
      }
      if (batch % 4 === 3) await tx.setPresence(batch % 8 === 3 ? 'idle' : 'online');
      await sent;
    }
    await stream.end();
    gateway.broadcast('app.tick', { i: -1 });
    const isLastTick = (entry: { type: string; payload: unknown } | undefined) =>
      entry?.type === 'app.tick' && (entry.payload as { i: number }).i === -1;
    await until(rx, 'app.tick', () => isLastTick(log.at(-1)));
    await barrier(rx);

    const rxSession = rx.sessionId;
    if (rxSession === undefined) throw new Error('a ready client has a session');
    const sent = gateway.eventsSince(rxSession, 0);
    if (sent === undefined) throw new Error('the replay buffer should reach back to seq 1');
    expect(sent.length).toBeGreaterThan(200);
    expect(sent.map((event) => event.seq)).toEqual(sent.map((_, i) => i + 1));
    expect(new Set(sent.map((event) => event.type))).toEqual(
      new Set(sent.map((event) => event.type).filter((type) => (sequenced as readonly string[]).includes(type))),
    );
    // The diffs naming rx itself (global and room) may come before the log starts: rx hears of its own
    // arrival, and `readyClient` resolves once rx is subscribed. Everything from the log's start is in it.
    const early = sent.slice(0, sent.length - log.length);
    expect(early.map((event) => event.type)).toEqual(early.map(() => 'presence.diff'));
    expect(early.length).toBeLessThanOrEqual(2);
    expect(log).toEqual(sent.slice(early.length).map(({ type, payload }) => ({ type, payload })));
    expect(gaps).toEqual([]);
    expect(resets).toEqual([]);
    expect(blips.map((b) => b.i)).toEqual(Array.from({ length: BATCHES * 2 }, (_, k) => k * 5 + 4));
    const ticks = log.filter((entry) => entry.type === 'app.tick').map((entry) => (entry.payload as { i: number }).i);
    expect(ticks).toEqual([...Array.from({ length: BATCHES * 10 }, (_, i) => i).filter((i) => i % 5 < 3), -1]);
    const messages = log.filter((entry) => entry.type === 'chat.message');
    expect(messages.map((entry) => (entry.payload as { content: string }).content)).toEqual(
      Array.from({ length: BATCHES }, (_, batch) => `message ${batch}`),
    );
  });
});
