import { CloseCode } from '@gateway/protocol';
import { describe, expect, it } from 'vitest';
import { TokenExpiredError } from '../src/index';
import { ManualClock } from './helpers/manual-clock';
import { dropConnection, framesOf, lastSeq, resume } from './helpers/resume';
import { startTestServer } from './helpers/server';

// The heartbeat interval is an hour, so advancing the clock through a resume window never expires the watchers.
const WINDOW = 10_000;
const quiet = { resumeWindowMs: WINDOW, heartbeatIntervalMs: 3_600_000 };

const PRESENCE = 'presence.diff';

describe('resume window', () => {
  it('resumes at window − 1 ms without a presence change; after the window the session ends exactly then', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...quiet, clock });
    const watcher = await t.joinRooms('watcher', ['r']);
    const { client: ann, ready } = await t.join({ user_id: 'ann', subscriptions: ['r'] });
    const sessionId: string = ready.payload.session_id;
    await watcher.nextChange('joined', 'ann', undefined);
    await watcher.nextChange('joined', 'ann', 'r');
    const presenceBefore = framesOf(watcher, PRESENCE).length;

    await dropConnection(t, ann);
    expect(t.server.gateway.stats()).toMatchObject({ sessions: 2, sessions_attached: 1, sessions_detached: 1 });
    clock.advance(WINDOW - 1);
    const first = await resume(t, { session_id: sessionId, seq: lastSeq(ann) });
    expect(first.answer).toEqual({ type: 'resumed', ref: 'resume', payload: { session_id: sessionId, replayed: 0 } });
    await watcher.barrier();
    expect(framesOf(watcher, PRESENCE)).toHaveLength(presenceBefore); // no flap
    expect(t.server.gateway.room('r').online_users.sort()).toEqual(['ann', 'watcher']);

    // Lost again: the window starts afresh from this loss.
    await dropConnection(t, first.client);
    clock.advance(WINDOW - 1);
    await watcher.barrier();
    expect(framesOf(watcher, PRESENCE)).toHaveLength(presenceBefore);
    clock.advance(1);
    const leaves = [await watcher.nextChange('left', 'ann', undefined), await watcher.nextChange('left', 'ann', 'r')];
    expect(leaves.map((leave) => leave.frame.payload)).toEqual([
      { left: ['ann'], count: 1 },
      { room_id: 'r', left: ['ann'], count: 1 },
    ]);
    expect(t.server.gateway.stats()).toMatchObject({ sessions: 1, sessions_detached: 0 });

    clock.advance(1);
    const late = await resume(t, { session_id: sessionId, seq: lastSeq(first.client) });
    expect(late.answer).toMatchObject({ type: 'invalid_session', payload: { resumable: false } });
    expect(t.server.gateway.stats()).toMatchObject({ resumes_ok: 1, resumes_refused: 1 });
  });

  it('ends the session at once on a clean client close (1000); any other loss keeps it', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...quiet, clock });
    const { client: watcher } = await t.join({ user_id: 'watcher' });
    const { client: ann, ready } = await t.join({ user_id: 'ann' });
    await watcher.nextChange('joined', 'ann');
    ann.close(1000);
    expect((await watcher.nextChange('left', 'ann')).frame.payload).toEqual({ left: ['ann'], count: 1 });
    expect(t.server.gateway.stats().sessions).toBe(1);
    const refused = await resume(t, { session_id: ready.payload.session_id, seq: 0 });
    expect(refused.answer).toMatchObject({ type: 'invalid_session', payload: { resumable: false } });

    // A close with another code (a proxy's 1001, a client's own 4000) is not the client saying it is done.
    const { client: bob } = await t.join({ user_id: 'bob' });
    await watcher.nextChange('joined', 'bob');
    bob.close(4000);
    await bob.closed;
    await expect.poll(() => t.server.gateway.stats().sessions_detached, { timeout: 2000 }).toBe(1);
    await watcher.barrier();
    expect(watcher.changes().filter((change) => change.kind === 'left')).toHaveLength(1);
  });

  it('keeps the session of a dead client (heartbeat sweep, 4001) for a resume', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ clock, heartbeatIntervalMs: 1000, heartbeatGraceMs: 500 });
    const { client: ann, ready } = await t.join({ user_id: 'ann' });
    clock.advance(2000);
    expect((await ann.next('goodbye')).payload).toMatchObject({ code: CloseCode.heartbeat_timeout, resumable: true });
    expect((await ann.closed).code).toBe(CloseCode.heartbeat_timeout);
    expect(t.server.gateway.stats()).toMatchObject({ connections: 0, sessions: 1, sessions_detached: 1 });
    expect(t.server.gateway.presence().map((entry) => entry.user_id)).toEqual(['ann']);
    const { answer } = await resume(t, { session_id: ready.payload.session_id, seq: 0 });
    expect(answer.type).toBe('resumed');
  });
});

describe('resume replays what was missed', () => {
  it('writes the missed dispatches in order, then resumed, before any live event; typing is not replayed', async () => {
    let verifying: (() => void) | undefined;
    const t = await startTestServer({
      ...quiet,
      // The token is the user id; a resume's verification waits until the test lets it through.
      verifyToken: async (token) => {
        if (token.startsWith('hold:')) await new Promise<void>((resolve) => (verifying = resolve));
        return { id: token.replace('hold:', '') };
      },
    });
    const watcher = await t.joinRooms('watcher', ['r'], { token: 'watcher' });
    const { client: ann, ready } = await t.join({ token: 'ann', subscriptions: ['r'] });
    t.server.gateway.broadcast('system', { message: 'seen' }, { room: 'r' });
    await ann.next('system');
    const seen = lastSeq(ann);

    await dropConnection(t, ann);
    for (const n of [1, 2]) t.server.gateway.broadcast('system', { message: `missed ${n}` }, { room: 'r' });
    watcher.send({ type: 'typing.start', payload: { room_id: 'r' } });
    watcher.send({ type: 'chat.send', ref: 'c', payload: { room_id: 'r', client_msg_id: 'w1', content: 'hi ann' } });
    await watcher.reply('c');

    const next = await t.connect();
    next.send({
      type: 'resume',
      ref: 'resume',
      payload: { session_id: ready.payload.session_id, seq: seen, token: 'hold:ann' },
    });
    await expect.poll(() => verifying, { timeout: 2000 }).toBeDefined();
    // Sent while the token is being verified: still missed, so still replayed, and in its place.
    t.server.gateway.broadcast('system', { message: 'missed 3' }, { room: 'r' });
    verifying?.();
    const resumed = await next.reply('resume');
    expect(resumed.payload).toEqual({ session_id: ready.payload.session_id, replayed: 4 });
    t.server.gateway.broadcast('system', { message: 'live' }, { room: 'r' });
    await next.next('system');
    await next.next('system');
    await next.next('system');
    await next.next('system');

    const after = next.frames.filter((frame) => frame.type !== 'hello');
    expect(after.map((frame) => [frame.type, frame.seq, frame.payload?.message ?? frame.payload?.content])).toEqual([
      ['system', seen + 1, 'missed 1'],
      ['system', seen + 2, 'missed 2'],
      ['chat.message', seen + 3, 'hi ann'],
      ['system', seen + 4, 'missed 3'],
      ['resumed', undefined, undefined],
      ['system', seen + 5, 'live'],
    ]);
    expect(next.all('typing.start')).toEqual([]);
    expect(t.server.gateway.stats()).toMatchObject({ resumes_ok: 1, replayed_events: 4 });
  });

  it('answers invalid_session and ends the session when the buffer overflowed while detached', async () => {
    const t = await startTestServer({ ...quiet, replayBufferEvents: 3 });
    const { client: watcher } = await t.join({ user_id: 'watcher' });
    const { client: ann, ready } = await t.join({ user_id: 'ann' });
    await watcher.nextChange('joined', 'ann');
    await dropConnection(t, ann);
    for (let n = 1; n <= 4; n++) t.server.gateway.send({ userId: 'ann' }, 'system', { message: `n${n}` });
    const { client, answer } = await resume(t, { session_id: ready.payload.session_id, seq: lastSeq(ann) });
    expect(answer).toMatchObject({ type: 'invalid_session', payload: { resumable: false } });
    // Ended at once: no stale device lingers in presence for the rest of the window.
    expect((await watcher.nextChange('left', 'ann')).frame.payload).toEqual({ left: ['ann'], count: 1 });
    expect(t.server.gateway.stats()).toMatchObject({ sessions: 1, resumes_refused: 1 });
    // The same connection may identify afresh.
    client.send({ type: 'identify', payload: { user_id: 'ann' } });
    expect((await client.next('ready')).payload.session_id).not.toBe(ready.payload.session_id);
  });

  it('answers invalid_session and ends the session for a seq ahead of it', async () => {
    const t = await startTestServer(quiet);
    const { client: ann, ready } = await t.join({ user_id: 'ann' });
    await dropConnection(t, ann);
    const { answer } = await resume(t, { session_id: ready.payload.session_id, seq: 5 });
    expect(answer).toMatchObject({ type: 'invalid_session', payload: { resumable: false } });
    expect(t.server.gateway.stats().sessions).toBe(0);
  });

  it('refuses resume after ready with already_identified', async () => {
    const t = await startTestServer(quiet);
    const { client, ready } = await t.join({ user_id: 'ann' });
    client.send({ type: 'resume', ref: 'again', payload: { session_id: ready.payload.session_id, seq: 0 } });
    expect(await client.reply('again')).toMatchObject({ type: 'error', payload: { code: 'already_identified' } });
  });
});

describe('resume tokens', () => {
  const verifyToken = async (token: string) => {
    if (token === 'expired') throw new TokenExpiredError('expired');
    if (token === 'forged') return null;
    return { id: token };
  };

  it('refuses a token of another user without ending the session; expired and forged tokens close the connection', async () => {
    const t = await startTestServer({ ...quiet, verifyToken });
    const { client: ann, ready } = await t.join({ token: 'ann' });
    const sessionId: string = ready.payload.session_id;
    await dropConnection(t, ann);

    const mallory = await resume(t, { session_id: sessionId, seq: 0, token: 'mallory' });
    expect(mallory.answer).toMatchObject({ type: 'invalid_session', payload: { resumable: false } });
    expect(t.server.gateway.stats().sessions_detached).toBe(1); // naming a session id must not end it

    const missing = await t.connect();
    missing.send({ type: 'resume', payload: { session_id: sessionId, seq: 0 } });
    expect((await missing.next('goodbye')).payload).toMatchObject({ code: CloseCode.authentication_failed });
    expect((await missing.closed).code).toBe(CloseCode.authentication_failed);

    const expired = await t.connect();
    expired.send({ type: 'resume', payload: { session_id: sessionId, seq: 0, token: 'expired' } });
    expect((await expired.next('goodbye')).payload).toMatchObject({ code: CloseCode.token_expired });
    expect((await expired.closed).code).toBe(CloseCode.token_expired);

    const forged = await t.connect();
    forged.send({ type: 'resume', payload: { session_id: sessionId, seq: 0, token: 'forged' } });
    expect((await forged.closed).code).toBe(CloseCode.authentication_failed);

    expect(t.server.gateway.stats().sessions_detached).toBe(1);
    const { answer } = await resume(t, { session_id: sessionId, seq: 0, token: 'ann' });
    expect(answer.type).toBe('resumed');
  });
});

describe('zombie takeover', () => {
  it('closes the still-open old connection with goodbye 4102 and moves the session to the new one', async () => {
    const t = await startTestServer(quiet);
    const { client: watcher } = await t.join({ user_id: 'watcher' });
    const { client: zombie, ready } = await t.join({ user_id: 'ann', subscriptions: ['r'] });
    await watcher.nextChange('joined', 'ann');
    const presenceBefore = framesOf(watcher, PRESENCE).length;

    const { client: fresh, answer } = await resume(t, { session_id: ready.payload.session_id, seq: lastSeq(zombie) });
    expect(answer.type).toBe('resumed');
    expect((await zombie.next('goodbye')).payload).toEqual({
      code: CloseCode.session_replaced,
      reason: expect.any(String),
      resumable: false,
    });
    expect((await zombie.closed).code).toBe(4102);

    t.server.gateway.broadcast('system', { message: 'after takeover' }, { room: 'r' });
    expect((await fresh.next('system')).payload).toEqual({ message: 'after takeover' });
    expect(zombie.all('system')).toEqual([]);
    await watcher.barrier();
    expect(framesOf(watcher, PRESENCE)).toHaveLength(presenceBefore);
    expect(t.server.gateway.stats()).toMatchObject({ connections: 2, sessions: 2, sessions_attached: 2 });
  });
});

describe('idempotent sends', () => {
  it('delivers a chat send retried from another session of the same user once, acking it as a duplicate', async () => {
    const t = await startTestServer(quiet);
    const watcher = await t.joinRooms('watcher', ['r']);
    const { client: first } = await t.join({ user_id: 'ann', subscriptions: ['r'] });
    const send = { type: 'chat.send', payload: { room_id: 'r', client_msg_id: 'once', content: 'hello' } };
    first.send({ ...send, ref: 'a' });
    const original = await first.reply('a');
    first.close(1000); // the session ends; the app retries from a new one

    const { client: second } = await t.join({ user_id: 'ann', subscriptions: ['r'] });
    second.send({ ...send, ref: 'b' });
    const retried = await second.reply('b');
    expect(retried.payload).toEqual({ ...original.payload, duplicate: true });

    // Another user's identical client_msg_id is a different message.
    watcher.send({ ...send, ref: 'w' });
    expect((await watcher.reply('w')).payload.duplicate).toBeUndefined();
    await watcher.barrier();
    expect(watcher.all('chat.message').map((m) => m.payload.sender_id)).toEqual(['ann', 'watcher']);
  });
});
