import { CloseCode } from '@gateway/protocol';
import { describe, expect, it } from 'vitest';
import { createGateway, type SharedState } from '../src/index';
import { InMemoryBanStore } from '../src/memory/ban-store';
import { inMemorySharedState } from '../src/memory/shared-state';
import { ManualClock } from './helpers/manual-clock';
import { dropConnection, lastSeq, resume } from './helpers/resume';
import { startTestServer } from './helpers/server';
import type { TestClient } from './helpers/ws-client';

// The heartbeat interval is an hour, so advancing the clock through a ban never expires a watcher.
const quiet = { resumeWindowMs: 60_000, heartbeatIntervalMs: 3_600_000 };
/** Custom auth where the token is the user id: a resume then names its user, as it does in production. */
const verifyToken = async (token: string) => ({ id: token });
const MINUTE = 60_000;

/** The goodbye a client got, and the close code and reason that followed it. */
async function farewell(client: TestClient) {
  const goodbye = await client.next('goodbye');
  const closed = await client.closed;
  return { goodbye: goodbye.payload, closed };
}

describe('gateway.disconnect', () => {
  it('ends every session of a user, attached ones with goodbye and 4103; presence leaves; others stay', async () => {
    const t = await startTestServer({ ...quiet, clock: new ManualClock() });
    const bob = await t.joinRooms('bob', ['r']);
    const { client: phone } = await t.join({ user_id: 'ann', subscriptions: ['r'] });
    const { client: laptop } = await t.join({ user_id: 'ann', subscriptions: ['r'] });
    // Bob has seen her arrive, so her leave is a change to him rather than a come-and-go inside one diff.
    await bob.nextChange('joined', 'ann', 'r');

    const result = await t.server.gateway.disconnect({ userId: 'ann' }, { reason: 'Spam in #r.' });

    expect(result).toEqual({ disconnected: 2 });
    for (const client of [phone, laptop]) {
      expect(await farewell(client)).toEqual({
        goodbye: { code: CloseCode.disconnected, reason: 'Spam in #r.', resumable: false },
        closed: { code: CloseCode.disconnected, reason: 'Spam in #r.' },
      });
    }
    // Both sessions end in one go: one leave per scope, everyone and the room.
    expect((await bob.nextChange('left', 'ann')).frame.payload).toEqual({ left: ['ann'], count: 1 });
    expect((await bob.nextChange('left', 'ann', 'r')).frame.payload).toEqual({ room_id: 'r', left: ['ann'], count: 1 });
    await bob.barrier();
    expect(bob.changes().filter((change) => change.kind === 'left')).toHaveLength(2);
    expect(t.server.gateway.stats()).toMatchObject({ sessions: 1, users: 1 });
    expect(t.server.gateway.room('r').online_users).toEqual(['bob']);
    // Nothing but a disconnect: ann may identify again at once.
    const { ready } = await t.join({ user_id: 'ann' });
    expect(ready.payload.user.id).toBe('ann');
  });

  it('ends one session by its id with the default reason, and leaves the user’s other session alone', async () => {
    const t = await startTestServer({ ...quiet, clock: new ManualClock() });
    const { client: phone, ready } = await t.join({ user_id: 'ann' });
    const { client: laptop } = await t.join({ user_id: 'ann' });

    const result = await t.server.gateway.disconnect({ sessionId: ready.payload.session_id });

    expect(result).toEqual({ disconnected: 1 });
    expect((await farewell(phone)).goodbye).toEqual({
      code: CloseCode.disconnected,
      reason: 'An operator ended this session.',
      resumable: false,
    });
    await laptop.barrier();
    expect(laptop.all('goodbye')).toHaveLength(0);
    expect(t.server.gateway.stats()).toMatchObject({ sessions: 1, sessions_attached: 1 });
  });

  it('ends a detached session at once, so its resume gets invalid_session', async () => {
    const t = await startTestServer({ ...quiet, clock: new ManualClock() });
    const watcher = await t.joinRooms('watcher', ['r']);
    const { client: ann, ready } = await t.join({ user_id: 'ann', subscriptions: ['r'] });
    await watcher.nextChange('joined', 'ann', 'r');
    await dropConnection(t, ann);
    expect(t.server.gateway.stats()).toMatchObject({ sessions_detached: 1 });

    expect(await t.server.gateway.disconnect({ userId: 'ann' })).toEqual({ disconnected: 1 });

    // The leave comes now, not at the end of the resume window.
    expect((await watcher.nextChange('left', 'ann')).frame.payload).toEqual({ left: ['ann'], count: 1 });
    expect((await watcher.nextChange('left', 'ann', 'r')).frame.payload).toEqual({
      room_id: 'r',
      left: ['ann'],
      count: 1,
    });
    expect(t.server.gateway.stats()).toMatchObject({ sessions: 1, sessions_detached: 0 });
    const { answer } = await resume(t, { session_id: ready.payload.session_id, seq: lastSeq(ann) });
    expect(answer).toMatchObject({ type: 'invalid_session', payload: { resumable: false } });
  });

  it('counts nobody for a user or session it does not have', async () => {
    const t = await startTestServer({ ...quiet, clock: new ManualClock() });
    expect(await t.server.gateway.disconnect({ userId: 'nobody' })).toEqual({ disconnected: 0 });
    expect(await t.server.gateway.disconnect({ sessionId: 'no-such-session' })).toEqual({ disconnected: 0 });
  });

  it.each([
    ['no target', {}, undefined, /either userId or sessionId/],
    ['both targets', { userId: 'a', sessionId: 's' }, undefined, /either userId or sessionId/],
    ['an empty user id', { userId: '' }, undefined, /userId is not a valid id/],
    ['a zero ban', { userId: 'a' }, { ban: { ms: 0 } }, /positive integer/],
    ['a fractional ban', { userId: 'a' }, { ban: { ms: 1.5 } }, /positive integer/],
    ['a long reason', { userId: 'a' }, { reason: 'x'.repeat(257) }, /at most 256/],
  ])('rejects %s with a TypeError and disconnects nobody', async (_name, target, options, message) => {
    const gateway = createGateway({ clock: new ManualClock() });
    // Malformed on purpose, as a JavaScript caller could pass it.
    const disconnecting = gateway.disconnect(target as never, options);
    await expect(disconnecting).rejects.toThrow(message);
    await expect(disconnecting).rejects.toBeInstanceOf(TypeError);
    await gateway.stop();
  });
});

describe('bans', () => {
  it('closes the user with 4409, refuses identify and resume with goodbye + 4409, and lifts after the ban', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...quiet, clock, verifyToken });
    const { client: ann, ready } = await t.join({ token: 'ann' });
    const sessionId: string = ready.payload.session_id;
    const until = new Date(clock.now() + 10 * MINUTE).toISOString();

    const result = await t.server.gateway.disconnect({ userId: 'ann' }, { reason: 'Spam.', ban: { ms: 10 * MINUTE } });

    expect(result).toEqual({ disconnected: 1 });
    const told = `Banned until ${until}: Spam.`;
    expect(await farewell(ann)).toEqual({
      goodbye: { code: CloseCode.banned, reason: told, resumable: false },
      closed: { code: CloseCode.banned, reason: told },
    });

    // 10 minutes − 1 ms: identify and resume are both refused, with the same words.
    clock.advance(10 * MINUTE - 1);
    const identifying = await t.connect();
    identifying.send({ type: 'identify', payload: { token: 'ann' } });
    expect(await farewell(identifying)).toEqual({
      goodbye: { code: CloseCode.banned, reason: told, resumable: false },
      closed: { code: CloseCode.banned, reason: told },
    });
    const resuming = await t.connect();
    resuming.send({ type: 'resume', ref: 'resume', payload: { session_id: sessionId, seq: 0, token: 'ann' } });
    expect((await farewell(resuming)).goodbye).toMatchObject({ code: CloseCode.banned, resumable: false });
    expect(resuming.all('invalid_session')).toHaveLength(0);
    // Someone else is not refused.
    const { ready: bob } = await t.join({ token: 'bob' });
    expect(bob.payload.user.id).toBe('bob');

    // The ban ends: the old session is gone for good, a fresh identify is welcome.
    clock.advance(1);
    const { answer } = await resume(t, { session_id: sessionId, seq: 0, token: 'ann' });
    expect(answer).toMatchObject({ type: 'invalid_session' });
    const { ready: again } = await t.join({ token: 'ann' });
    expect(again.payload.user.id).toBe('ann');
  });

  it('bans the user of a session: every session of that user ends with 4409', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...quiet, clock });
    const { client: phone, ready } = await t.join({ user_id: 'ann' });
    const { client: laptop } = await t.join({ user_id: 'ann' });
    await dropConnection(t, laptop);

    const result = await t.server.gateway.disconnect({ sessionId: ready.payload.session_id }, { ban: { ms: MINUTE } });

    expect(result).toEqual({ disconnected: 2 });
    expect((await farewell(phone)).goodbye).toMatchObject({ code: CloseCode.banned });
    expect(t.server.gateway.stats()).toMatchObject({ sessions: 0 });
    const again = await t.connect();
    again.send({ type: 'identify', payload: { user_id: 'ann' } });
    expect((await farewell(again)).closed.code).toBe(CloseCode.banned);
  });

  it('refuses by what the store says: a dev-mode resume is judged by the user of the session it names', async () => {
    const clock = new ManualClock();
    // The store another instance shares, which banned ann while its command never came here (an outage).
    const shared = new InMemoryBanStore({ now: () => clock.now() });
    const t = await startTestServer({ ...quiet, clock, sharedState: withBans(shared) });
    const { client: ann, ready } = await t.join({ user_id: 'ann' });
    await dropConnection(t, ann);
    shared.ban('ann', { until: clock.now() + MINUTE / 2 });

    const resuming = await t.connect();
    resuming.send({ type: 'resume', ref: 'resume', payload: { session_id: ready.payload.session_id, seq: 0 } });
    expect((await farewell(resuming)).goodbye).toMatchObject({ code: CloseCode.banned, resumable: false });

    // The refusal leaves the session to its window: after a ban shorter than that, it resumes.
    clock.advance(MINUTE / 2);
    const { answer } = await resume(t, { session_id: ready.payload.session_id, seq: lastSeq(ann) });
    expect(answer).toMatchObject({ type: 'resumed' });
  });

  it('keeps a longer ban when a shorter one comes after it', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...quiet, clock });
    await t.server.gateway.disconnect({ userId: 'ann' }, { ban: { ms: 10 * MINUTE } });
    await t.server.gateway.disconnect({ userId: 'ann' }, { ban: { ms: MINUTE } });
    clock.advance(5 * MINUTE);
    const again = await t.connect();
    again.send({ type: 'identify', payload: { user_id: 'ann' } });
    expect((await farewell(again)).closed.code).toBe(CloseCode.banned);
  });

  it('refuses a ban when the shared state keeps none, naming the fix, and disconnects nobody', async () => {
    const { bans: _bans, ...withoutBans } = inMemorySharedState;
    const t = await startTestServer({ ...quiet, clock: new ManualClock(), sharedState: withoutBans });
    const { client: ann } = await t.join({ user_id: 'ann' });
    await expect(t.server.gateway.disconnect({ userId: 'ann' }, { ban: { ms: MINUTE } })).rejects.toThrow(
      /sharedState has no `bans`/,
    );
    await ann.barrier();
    expect(ann.all('goodbye')).toHaveLength(0);
  });
});

function withBans(store: InMemoryBanStore): SharedState {
  return { ...inMemorySharedState, bans: () => store };
}
