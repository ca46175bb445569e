import { CloseCode } from '@gateway/protocol';
import { describe, expect, it } from 'vitest';
import { ManualClock } from './helpers/manual-clock';
import { dropConnection, resume } from './helpers/resume';
import { startTestServer } from './helpers/server';

const quiet = { heartbeatIntervalMs: 3_600_000 };

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { n: value };
  return value;
}

describe('limits announced in hello', () => {
  it('announces the configured limits', async () => {
    const t = await startTestServer({
      ...quiet,
      maxConnectionsPerUser: 3,
      maxJsonDepth: 12,
      rateLimits: { typing: { burst: 2, perSecond: 1 } },
    });
    const client = await t.open();
    const hello = await client.next('hello');
    expect(hello.payload.limits).toMatchObject({
      max_connections_per_user: 3,
      max_json_depth: 12,
      rate_limits: {
        general: { burst: 200, per_second: 100 },
        typing: { burst: 2, per_second: 1 },
        recording: { burst: 100, per_second: 60 },
      },
    });
  });
});

describe('rate limits', () => {
  it('refuses typing frames over their bucket with retry_after_ms, unprocessed, and refills on the clock', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...quiet, clock });
    const ann = await t.joinRooms('ann', ['r']);
    for (let i = 0; i < 5; i++) ann.send({ type: 'typing.stop', ref: `t${i}`, payload: { room_id: 'r' } });
    ann.send({ type: 'typing.start', ref: 'over', payload: { room_id: 'r' } });
    const refused = await ann.reply('over');
    expect(refused).toEqual({
      type: 'error',
      ref: 'over',
      payload: { code: 'rate_limited', message: expect.any(String), retry_after_ms: 2000 },
    });
    // Other classes are untouched: a chat message goes through.
    ann.send({ type: 'chat.send', ref: 'c', payload: { room_id: 'r', client_msg_id: 'c', content: 'x' } });
    expect((await ann.reply('c')).type).toBe('ack');
    clock.advance(2000);
    const bob = await t.joinRooms('bob', ['r']);
    ann.send({ type: 'typing.start', payload: { room_id: 'r' } });
    expect((await bob.next('typing.start')).payload.user_id).toBe('ann');
  });

  it('counts heartbeats in their own bucket only: a client throttled for chat still proves it is alive', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({
      ...quiet,
      clock,
      rateLimits: { general: { burst: 2, perSecond: 1 }, heartbeat: { burst: 5, perSecond: 1 } },
    });
    const { client } = await t.join({ user_id: 'ann', subscriptions: ['r'] }); // identify: 1 general token
    client.send({ type: 'chat.history', ref: 'h1', payload: { room_id: 'r' } }); // the last general token
    client.send({ type: 'chat.history', ref: 'h2', payload: { room_id: 'r' } });
    expect((await client.reply('h2')).payload).toMatchObject({ code: 'rate_limited' });
    for (let i = 0; i < 5; i++) client.send({ type: 'heartbeat', ref: `hb${i}`, payload: {} });
    expect((await client.reply('hb4')).type).toBe('heartbeat_ack');
    client.send({ type: 'heartbeat', ref: 'hb5', payload: {} });
    expect((await client.reply('hb5')).payload).toMatchObject({ code: 'rate_limited', retry_after_ms: 1000 });
    clock.advance(1000);
    client.send({ type: 'heartbeat', ref: 'hb6', payload: {} });
    expect((await client.reply('hb6')).type).toBe('heartbeat_ack');
  });

  it('closes a heartbeat flood 4004 like any other flood, on the bare heartbeat shape of the fast path too', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...quiet, clock, floodLimit: 50 });
    const { client } = await t.join({ user_id: 'ann' });
    // The exact bytes the reference client writes, which skip decoding: they must still be counted.
    for (let i = 0; i < 200; i++) client.sendRaw('{"type":"heartbeat","payload":{"last_seq":0}}');
    expect((await client.next('goodbye')).payload).toMatchObject({ code: CloseCode.flood, resumable: true });
    expect((await client.closed).code).toBe(CloseCode.flood);
    expect(client.all('heartbeat_ack')).toHaveLength(20); // the default burst, then only refusals
  });

  it('lets a connection send almost nothing before ready: the 11th frame closes it 4400', async () => {
    const t = await startTestServer({ ...quiet });
    const client = await t.connect();
    for (let i = 0; i < 9; i++) client.sendRaw('{"type":"heartbeat"}');
    await client.barrier(); // the 10th
    expect(client.all('heartbeat_ack')).toHaveLength(10);
    client.sendRaw('{"type":"heartbeat"}');
    expect((await client.next('goodbye')).payload).toMatchObject({ code: CloseCode.protocol_violation });
    expect((await client.closed).code).toBe(CloseCode.protocol_violation);
    expect(t.server.gateway.stats().connections).toBe(0);
  });

  it('limits recording events and every frame (general), but not heartbeats', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({
      ...quiet,
      clock,
      rateLimits: { general: { burst: 6, perSecond: 1 }, recording: { burst: 2, perSecond: 10 } },
    });
    const { client } = await t.join({ user_id: 'ann', subscriptions: ['r'] }); // identify: 1 token
    client.send({ type: 'recording.start', ref: 's', payload: { room_id: 'r', recording_id: 'rec' } }); // 2
    await client.reply('s');
    for (let i = 0; i < 3; i++) {
      client.send({ type: 'recording.event', ref: `e${i}`, payload: { recording_id: 'rec', event: 'click' } });
    } // 3, 4, 5 (the third refused by the recording bucket, at 100 ms)
    expect((await client.reply('e1')).type).toBe('ack');
    expect((await client.reply('e2')).payload).toMatchObject({ code: 'rate_limited', retry_after_ms: 100 });
    client.send({ type: 'chat.history', ref: 'h1', payload: { room_id: 'r' } }); // 6
    expect((await client.reply('h1')).type).toBe('ack');
    client.send({ type: 'chat.history', ref: 'h2', payload: { room_id: 'r' } });
    expect((await client.reply('h2')).payload).toMatchObject({ code: 'rate_limited', retry_after_ms: 1000 });
    for (let i = 0; i < 20; i++) client.send({ type: 'heartbeat', ref: `hb${i}`, payload: {} });
    expect((await client.reply('hb19')).type).toBe('heartbeat_ack');
  });

  it('closes a flooding connection 4004 (resumable) while another connection keeps getting answers', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({
      ...quiet,
      clock,
      floodLimit: 50,
      rateLimits: { general: { burst: 20, perSecond: 1 } },
    });
    const { client: flooder } = await t.join({ user_id: 'flooder', subscriptions: ['r'] });
    const { client: calm } = await t.join({ user_id: 'calm', subscriptions: ['r'] });
    for (let i = 0; i < 200; i++) {
      flooder.send({ type: 'chat.history', ref: `f${i}`, payload: { room_id: 'r' } });
      if (i % 20 === 0) calm.send({ type: 'chat.history', ref: `c${i}`, payload: { room_id: 'r' } });
    }
    const goodbye = await flooder.next('goodbye');
    expect(goodbye.payload).toMatchObject({ code: 4004, resumable: true });
    expect((await flooder.closed).code).toBe(CloseCode.flood);
    const refused = flooder.all('error').filter((frame) => frame.payload.code === 'rate_limited');
    expect(refused).toHaveLength(51); // 19 answered after identify, then more than floodLimit refused
    for (let i = 0; i < 200; i += 20) expect((await calm.reply(`c${i}`)).type).toBe('ack');
    expect(t.server.gateway.stats()).toMatchObject({ sessions: 2, sessions_detached: 1 });
  });
});

describe('connections per user', () => {
  it('closes an identify beyond maxConnectionsPerUser with 4429; a resume does not count twice', async () => {
    const t = await startTestServer({ ...quiet, maxConnectionsPerUser: 2 });
    const { client: first, ready } = await t.join({ user_id: 'ann' });
    await t.join({ user_id: 'ann' });
    const third = await t.connect();
    third.send({ type: 'identify', payload: { user_id: 'ann' } });
    expect((await third.next('goodbye')).payload).toMatchObject({ code: 4429, resumable: false });
    expect((await third.closed).code).toBe(CloseCode.too_many_connections);
    await t.join({ user_id: 'bob' });

    await dropConnection(t, first);
    const { answer } = await resume(t, { session_id: ready.payload.session_id, seq: 0 });
    expect(answer.type).toBe('resumed');
    expect(t.server.gateway.stats()).toMatchObject({ sessions: 3, connections: 3 });
  });

  it('lets a new identify replace a detached session of the user instead of refusing it', async () => {
    const t = await startTestServer({ ...quiet, maxConnectionsPerUser: 1 });
    const { client: old, ready } = await t.join({ user_id: 'ann' });
    await dropConnection(t, old);
    const { ready: fresh } = await t.join({ user_id: 'ann' });
    expect(fresh.payload.session_id).not.toBe(ready.payload.session_id);
    expect(t.server.gateway.stats()).toMatchObject({ sessions: 1, sessions_detached: 0 });
  });
});

describe('frame shape limits', () => {
  it('answers frame_too_deep (unparsed, no ref) past maxJsonDepth and accepts the depth itself', async () => {
    const t = await startTestServer(quiet);
    const { client } = await t.join({ user_id: 'ann', subscriptions: ['r'] });
    // envelope (1) → payload (2) → metadata (3) → …: metadata nested 30 deep makes 32 levels.
    const send = (ref: string, depth: number) =>
      client.send({
        type: 'chat.send',
        ref,
        payload: { room_id: 'r', client_msg_id: ref, content: 'x', metadata: nested(depth) },
      });
    send('ok', 30);
    expect((await client.reply('ok')).type).toBe('ack');
    send('deep', 31);
    const error = await client.next('error');
    expect(error).toEqual({ type: 'error', payload: { code: 'frame_too_deep', message: expect.any(String) } });
    client.sendRaw(`${'['.repeat(5000)}${']'.repeat(5000)}`);
    expect((await client.next('error')).payload.code).toBe('frame_too_deep');
    client.sendRaw(
      '{"type":"heartbeat","ref":"s","payload":{"x":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\""}}',
    );
    expect((await client.reply('s')).type).toBe('heartbeat_ack');
  });

  it('closes 1009 after repeated oversize frames, with goodbye first and the session ended', async () => {
    const t = await startTestServer({ ...quiet, maxFrameBytes: 1024 });
    const { client } = await t.join({ user_id: 'ann' });
    for (let i = 0; i < 10; i++) client.sendRaw(`"${'x'.repeat(1500)}"`);
    expect((await client.next('goodbye')).payload).toMatchObject({ code: 1009, resumable: false });
    expect(client.all('error').map((frame) => frame.payload.code)).toEqual(Array(10).fill('frame_too_large'));
    expect((await client.closed).code).toBe(1009);
    expect(t.server.gateway.stats().sessions).toBe(0);
  });
});

describe('rooms per connection', () => {
  it('refuses a subscribe beyond maxRoomsPerConnection with too_many_rooms and keeps the granted rooms', async () => {
    const t = await startTestServer({ ...quiet, maxRoomsPerConnection: 2 });
    const { client } = await t.join({ user_id: 'ann' });
    expect(client.all('hello')[0]?.payload.limits).toMatchObject({ max_rooms_per_connection: 2 });
    client.send({ type: 'subscribe', ref: 's1', payload: { room_ids: ['a', 'b'] } });
    const first = await client.reply('s1');
    expect(first.payload.refused).toEqual([]);
    client.send({ type: 'subscribe', ref: 's2', payload: { room_ids: ['c', 'a'] } });
    const second = await client.reply('s2');
    expect(second.type).toBe('subscribed');
    // A room the session is in already does not count again.
    expect(second.payload.rooms.map((room: { room_id: string }) => room.room_id)).toEqual(['a']);
    expect(second.payload.refused).toEqual([{ room_id: 'c', code: 'too_many_rooms', message: expect.any(String) }]);
    // Leaving a room frees its place.
    client.send({ type: 'unsubscribe', ref: 'u', payload: { room_ids: ['b'] } });
    await client.reply('u');
    client.send({ type: 'subscribe', ref: 's3', payload: { room_ids: ['c'] } });
    expect((await client.reply('s3')).payload.refused).toEqual([]);
  });

  it('counts the rooms subscribed at identify toward the limit', async () => {
    const t = await startTestServer({ ...quiet, maxRoomsPerConnection: 2 });
    const { client, ready } = await t.join({ user_id: 'ann', subscriptions: ['a', 'b'] });
    expect(ready.payload.subscriptions).toEqual(['a', 'b']);
    client.send({ type: 'subscribe', ref: 's', payload: { room_ids: ['c'] } });
    const reply = await client.reply('s');
    expect(reply.payload.rooms).toEqual([]);
    expect(reply.payload.refused).toEqual([{ room_id: 'c', code: 'too_many_rooms', message: expect.any(String) }]);
  });
});

describe('rooms refused at identify', () => {
  it('lists the rooms the authorize hook or the room limit refused in ready.refused, with their codes', async () => {
    const t = await startTestServer({
      ...quiet,
      maxRoomsPerConnection: 2,
      authorize: ({ room_id }) => (room_id === 'secret' ? { allowed: false, reason: 'Members only.' } : true),
    });
    const { ready } = await t.join({ user_id: 'ann', subscriptions: ['a', 'secret', 'b', 'c'] });
    expect(ready.payload.subscriptions).toEqual(['a', 'b']);
    expect(ready.payload.refused).toEqual([
      { room_id: 'secret', code: 'forbidden', message: 'Members only.' },
      { room_id: 'c', code: 'too_many_rooms', message: 'At most 2 rooms per connection.' },
    ]);
    const { ready: plain } = await t.join({ user_id: 'bob', subscriptions: ['a'] });
    expect(plain.payload.refused).toEqual([]);
  });
});
