import { CloseCode } from '@gateway/protocol';
import { describe, expect, it } from 'vitest';
import { ManualClock } from './helpers/manual-clock';
import { dropConnection, lastSeq, resume } from './helpers/resume';
import { startTestServer } from './helpers/server';
import { SECRET, tokenFor } from './helpers/tokens';

const quiet = { heartbeatIntervalMs: 3_600_000 };

describe('impersonation', () => {
  it('takes the sender of chat, typing, presence and recording from the token, never from client fields', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...quiet, jwtSecret: SECRET, clock });
    const watcher = await t.connect();
    watcher.send({
      type: 'identify',
      payload: { token: await tokenFor('watcher', clock.now(), 600_000), subscriptions: ['r'] },
    });
    await watcher.next('ready');
    const mallory = await t.connect();
    const token = await tokenFor('mallory', clock.now(), 600_000);
    mallory.send({ type: 'identify', payload: { token, user_id: 'ceo', subscriptions: ['r'] } });
    expect((await mallory.next('ready')).payload.user.id).toBe('mallory');
    const forged = { sender_id: 'ceo', user_id: 'ceo', sender_name: 'CEO' };

    mallory.send({ type: 'typing.start', payload: { room_id: 'r', ...forged } });
    mallory.send({
      type: 'chat.send',
      ref: 'c',
      payload: { room_id: 'r', client_msg_id: 'c1', content: 'hi', ...forged },
    });
    await mallory.reply('c');
    mallory.send({ type: 'presence.update', ref: 'p', payload: { status: 'idle', ...forged } });
    await mallory.reply('p');
    mallory.send({ type: 'recording.start', ref: 'rs', payload: { room_id: 'r', ...forged } });
    const recordingId = (await mallory.reply('rs')).payload.recording_id;
    mallory.send({
      type: 'recording.event',
      ref: 're',
      payload: { recording_id: recordingId, event: 'click', ...forged },
    });
    await mallory.reply('re');
    await watcher.barrier();

    expect((await watcher.next('typing.start')).payload.user_id).toBe('mallory');
    const message = (await watcher.next('chat.message')).payload;
    expect([message.sender_id, message.sender_name]).toEqual(['mallory', undefined]);
    expect((await watcher.nextChange('updated', 'mallory')).entry).toMatchObject({
      user_id: 'mallory',
      status: 'idle',
    });
    const updated = watcher.changes().filter((change) => change.kind === 'updated');
    expect(updated.map((change) => [change.userId, change.entry.user_id])).toEqual([['mallory', 'mallory']]);
    expect((await watcher.next('recording.start')).payload.user_id).toBe('mallory');
    expect((await watcher.next('recording.event')).payload.user_id).toBe('mallory');
    expect(JSON.stringify(watcher.frames)).not.toContain('ceo');
  });
});

describe('cross-room leaks', () => {
  it('refuses a room the authorize hook refuses, and its events never reach the refused connection', async () => {
    const t = await startTestServer({
      ...quiet,
      authorize: ({ user, room_id }) => room_id !== 'secret' || user.id === 'ann',
    });
    const ann = await t.joinRooms('ann', ['secret', 'lobby']);
    const { client: bob } = await t.join({ user_id: 'bob', subscriptions: ['secret'] });
    bob.send({ type: 'subscribe', ref: 's', payload: { room_ids: ['secret', 'lobby'] } });
    const subscribed = await bob.reply('s');
    expect(subscribed.payload.refused).toEqual([{ room_id: 'secret', code: 'forbidden', message: expect.any(String) }]);
    expect(subscribed.payload.rooms.map((room: { room_id: string }) => room.room_id)).toEqual(['lobby']);

    ann.send({ type: 'chat.send', ref: 'a', payload: { room_id: 'secret', client_msg_id: 'a1', content: 'psst' } });
    ann.send({ type: 'typing.start', payload: { room_id: 'secret' } });
    t.server.gateway.broadcast('chat.message.delete', { room_id: 'secret', message_id: 'x' }, { room: 'secret' });
    ann.send({ type: 'chat.send', ref: 'b', payload: { room_id: 'lobby', client_msg_id: 'a2', content: 'hello' } });
    await bob.next('chat.message');
    await bob.barrier();
    // Only the refusals themselves (at identify and in the subscribe reply) name the room.
    expect(bob.all('ready')[0]?.payload.refused).toEqual([
      { room_id: 'secret', code: 'forbidden', message: expect.any(String) },
    ]);
    const others = bob.frames.filter((frame) => frame.type !== 'subscribed' && frame.type !== 'ready');
    expect(JSON.stringify(others)).not.toContain('"secret"');
    bob.send({ type: 'chat.history', ref: 'h', payload: { room_id: 'secret' } });
    expect((await bob.reply('h')).payload.code).toBe('not_subscribed');
  });

  it('gateway.unsubscribe revokes a detached session: a resume replays nothing of that room', async () => {
    const t = await startTestServer({ ...quiet, clock: new ManualClock() });
    const { client: bob, ready } = await t.join({ user_id: 'bob', subscriptions: ['kept', 'revoked'] });
    const ann = await t.joinRooms('ann', ['kept', 'revoked']);
    // Everything of ann's arrival reaches bob before the drop, so a resume has no presence to catch up on.
    await bob.nextChange('joined', 'ann', 'kept');
    await bob.nextChange('joined', 'ann', 'revoked');
    await bob.barrier();
    const seq = lastSeq(bob);
    await dropConnection(t, bob);

    expect(t.server.gateway.unsubscribe({ sessionId: ready.payload.session_id }, 'revoked', 'kicked')).toBe(1);
    expect(t.server.gateway.room('revoked').online_users).toEqual(['ann']);
    ann.send({
      type: 'chat.send',
      ref: '1',
      payload: { room_id: 'revoked', client_msg_id: 'r1', content: 'after kick' },
    });
    ann.send({
      type: 'chat.send',
      ref: '2',
      payload: { room_id: 'kept', client_msg_id: 'k1', content: 'still yours' },
    });
    await ann.reply('2');
    t.server.gateway.broadcast('chat.message.delete', { room_id: 'revoked', message_id: 'm' }, { room: 'revoked' });

    const { client, answer } = await resume(t, { session_id: ready.payload.session_id, seq });
    expect(answer.type).toBe('resumed');
    const replayed = client.frames.filter((frame) => frame.seq !== undefined);
    expect(replayed.map((frame) => frame.payload.content)).toEqual(['still yours']);
    expect(JSON.stringify(client.frames)).not.toContain('revoked');
  });

  it('gateway.unsubscribe tells an attached session with unsubscribed (no ref) and stops its events', async () => {
    const t = await startTestServer(quiet);
    const bob = await t.joinRooms('bob', ['r', 'other']);
    const ann = await t.joinRooms('ann', ['r']);
    expect(t.server.gateway.unsubscribe({ userId: 'bob' }, 'r')).toBe(1);
    expect(await bob.next('unsubscribed')).toEqual({ type: 'unsubscribed', payload: { room_ids: ['r'] } });
    ann.send({ type: 'chat.send', ref: 'x', payload: { room_id: 'r', client_msg_id: 'x1', content: 'gone?' } });
    await ann.next('chat.message');
    await bob.barrier();
    expect(bob.all('chat.message')).toEqual([]);
    expect(t.server.gateway.unsubscribe({ userId: 'bob' }, 'r')).toBe(0);
  });
});

describe('resume hijack', () => {
  it("answers invalid_session to a resume with another user's token and leaves the session intact", async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...quiet, jwtSecret: SECRET, clock });
    const ann = await t.connect();
    ann.send({
      type: 'identify',
      payload: { token: await tokenFor('ann', clock.now(), 600_000), subscriptions: ['r'] },
    });
    const ready = await ann.next('ready');
    await dropConnection(t, ann);

    const hijack = await resume(t, {
      session_id: ready.payload.session_id,
      seq: 0,
      token: await tokenFor('mallory', clock.now(), 600_000),
    });
    expect(hijack.answer).toMatchObject({ type: 'invalid_session', payload: { resumable: false } });
    expect(hijack.client.frames.some((frame) => frame.seq !== undefined)).toBe(false);
    expect(t.server.gateway.stats().sessions).toBe(1);

    const owner = await resume(t, {
      session_id: ready.payload.session_id,
      seq: 0,
      token: await tokenFor('ann', clock.now(), 600_000),
    });
    expect(owner.answer.type).toBe('resumed');
  });

  it('closes 4401 for a resume without a token in JWT mode', async () => {
    const t = await startTestServer({ ...quiet, jwtSecret: SECRET });
    const client = await t.connect();
    client.send({ type: 'resume', payload: { session_id: 'someone-elses', seq: 0 } });
    expect((await client.closed).code).toBe(CloseCode.authentication_failed);
  });
});

describe('Origin allow-list', () => {
  const allowedOrigins = ['https://app.example.com', 'http://localhost:5173'];

  it('serves an allowed origin', async () => {
    const t = await startTestServer({ ...quiet, allowedOrigins });
    const client = await t.open({ origin: 'https://APP.example.com' });
    await client.next('hello');
  });

  it('sends goodbye 4403 (not resumable) and closes a browser origin not on the list', async () => {
    const t = await startTestServer({ ...quiet, allowedOrigins });
    const client = await t.open({ origin: 'https://evil.example' });
    expect((await client.next('goodbye')).payload).toEqual({
      code: 4403,
      reason: expect.any(String),
      resumable: false,
    });
    expect((await client.closed).code).toBe(CloseCode.forbidden);
    expect(client.all('hello')).toEqual([]);
    expect(t.server.gateway.stats().connections).toBe(0);
  });

  it('lets a connection without Origin (a bot) through', async () => {
    const t = await startTestServer({ ...quiet, allowedOrigins });
    const { ready } = await t.join({ user_id: 'bot' });
    expect(ready.payload.user.id).toBe('bot');
  });
});
