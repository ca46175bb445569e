import { CloseCode } from '@gateway/protocol';
import { describe, expect, it } from 'vitest';
import { ManualClock } from './helpers/manual-clock';
import { redisAvailability, redisForSuite, redisSuiteTitle } from './helpers/redis-server';
import { request } from './helpers/requests';
import { dropConnection, lastSeq, resume } from './helpers/resume';
import { startTestServer, type TestServer } from './helpers/server';
import type { TestClient } from './helpers/ws-client';

const redis = redisAvailability();
const shared = redisForSuite(redis);
let prefixes = 0;
const MINUTE = 60_000;
/** Custom auth where the token is the user id: a resume names its user, as it does in production. */
const verifyToken = async (token: string) => ({ id: token });

/**
 * Two gateways in this process on one Redis under a fresh prefix, as two instances behind a balancer
 * would be, on one manual clock (the heartbeat is an hour, so moving it through a ban expires nobody).
 */
async function pair(options: { verifyToken?: typeof verifyToken } = { verifyToken }) {
  const prefix = `mod${++prefixes}:`;
  const clock = new ManualClock();
  const common = { redisUrl: shared.url(), redisPrefix: prefix, clock, heartbeatIntervalMs: 3_600_000, ...options };
  const a = await startTestServer(common);
  const b = await startTestServer(common);
  return { prefix, clock, a, b };
}

async function farewell(client: TestClient) {
  const goodbye = await client.next('goodbye');
  return { goodbye: goodbye.payload, closed: await client.closed };
}

/** A fresh connection that identifies as `token`'s user; the first frame answering it. */
async function identify(t: TestServer<[]>, token: string) {
  const client = await t.connect();
  client.send({ type: 'identify', payload: { token } });
  return client;
}

describe.skipIf(!redis.available)(redisSuiteTitle('moderation across instances', redis), () => {
  it('a disconnect asked of A ends the user’s session on B, and B’s users see her leave', async () => {
    const { a, b } = await pair();
    const { client: ann } = await b.join({ token: 'ann', subscriptions: ['r'] });
    const bob = await a.joinRooms('bob', ['r'], { token: 'bob' });
    await expect.poll(() => a.server.gateway.room('r').online_users.sort()).toEqual(['ann', 'bob']);

    // A holds none of her sessions: it counts none, and B ends hers when the command reaches it.
    expect(await a.server.gateway.disconnect({ userId: 'ann' }, { reason: 'Off topic.' })).toEqual({ disconnected: 0 });

    expect(await farewell(ann)).toEqual({
      goodbye: { code: CloseCode.disconnected, reason: 'Off topic.', resumable: false },
      closed: { code: CloseCode.disconnected, reason: 'Off topic.' },
    });
    expect((await bob.nextChange('left', 'ann')).frame.payload).toEqual({ left: ['ann'], count: 1 });
    expect((await bob.nextChange('left', 'ann', 'r')).frame.payload).toEqual({ room_id: 'r', left: ['ann'], count: 1 });
    await expect.poll(() => b.server.gateway.stats().sessions).toBe(0);
  });

  it('a session detached on B and disconnected from A cannot be resumed anywhere', async () => {
    const { prefix, a, b } = await pair();
    const { client: ann, ready } = await b.join({ token: 'ann' });
    const sessionId: string = ready.payload.session_id;
    await request(ann, 'subscribe', { room_ids: ['r'] });
    const seq = lastSeq(ann);
    await dropConnection(b, ann);
    await expect.poll(() => shared.commands().exists(`${prefix}session:${sessionId}`)).toBe(1);

    expect(await a.server.gateway.disconnect({ sessionId })).toEqual({ disconnected: 0 });

    await expect.poll(() => b.server.gateway.stats().sessions).toBe(0);
    // Its record goes with it, so another instance cannot rebuild it either.
    await expect.poll(() => shared.commands().exists(`${prefix}session:${sessionId}`)).toBe(0);
    for (const t of [a, b]) {
      const { answer } = await resume(t, { session_id: sessionId, seq, token: 'ann' });
      expect(answer).toMatchObject({ type: 'invalid_session', payload: { resumable: false } });
    }
  });

  it('a ban asked of A closes her on B with 4409 and refuses her identify and resume on both until it ends', async () => {
    const { prefix, clock, a, b } = await pair();
    const { client: ann, ready } = await b.join({ token: 'ann' });
    const told = `Banned until ${new Date(clock.now() + 10 * MINUTE).toISOString()}: Spam.`;

    await a.server.gateway.disconnect({ userId: 'ann' }, { reason: 'Spam.', ban: { ms: 10 * MINUTE } });

    expect(await farewell(ann)).toEqual({
      goodbye: { code: CloseCode.banned, reason: told, resumable: false },
      closed: { code: CloseCode.banned, reason: told },
    });
    expect(await shared.commands().pttl(`${prefix}ban:ann`)).toBeGreaterThan(9 * MINUTE);
    clock.advance(10 * MINUTE - 1);
    for (const t of [a, b]) {
      expect(await farewell(await identify(t, 'ann'))).toEqual({
        goodbye: { code: CloseCode.banned, reason: told, resumable: false },
        closed: { code: CloseCode.banned, reason: told },
      });
      const resuming = await t.connect();
      resuming.send({
        type: 'resume',
        ref: 'r',
        payload: { session_id: ready.payload.session_id, seq: 0, token: 'ann' },
      });
      expect((await farewell(resuming)).closed.code).toBe(CloseCode.banned);
    }

    // The ban is over on the gateways' clock (its key would expire on Redis's own a moment later).
    clock.advance(1);
    for (const t of [a, b]) {
      const client = await identify(t, 'ann');
      expect((await client.next('ready')).payload.user.id).toBe('ann');
    }
  });

  it('a ban on a session B holds is its user’s: B names her, and her session on A ends too', async () => {
    const { prefix, a, b } = await pair();
    const { client: onA } = await a.join({ token: 'ann' });
    const { client: onB, ready } = await b.join({ token: 'ann' });

    // A does not hold that session: it bans nobody itself, and counts nobody.
    const result = await a.server.gateway.disconnect({ sessionId: ready.payload.session_id }, { ban: { ms: MINUTE } });
    expect(result).toEqual({ disconnected: 0 });

    expect((await farewell(onB)).closed.code).toBe(CloseCode.banned);
    expect((await farewell(onA)).closed.code).toBe(CloseCode.banned);
    await expect.poll(() => shared.commands().exists(`${prefix}ban:ann`)).toBe(1);
    expect((await farewell(await identify(a, 'ann'))).closed.code).toBe(CloseCode.banned);
  });

  it('refuses a dev-mode resume on A by the user B’s session record names', async () => {
    const { prefix, clock, a, b } = await pair({});
    const { client: ann, ready } = await b.join({ user_id: 'ann' });
    const sessionId: string = ready.payload.session_id;
    await request(ann, 'subscribe', { room_ids: ['r'] });
    await dropConnection(b, ann);
    await expect.poll(() => shared.commands().exists(`${prefix}session:${sessionId}`)).toBe(1);
    // Banned by an instance whose command never reached B (B's session lives on): only the store knows.
    const key = `${prefix}ban:ann`;
    await shared.commands().hset(key, 'until', String(clock.now() + MINUTE));
    await shared.commands().pexpire(key, MINUTE);

    const resuming = await a.connect();
    resuming.send({ type: 'resume', ref: 'r', payload: { session_id: sessionId, seq: lastSeq(ann) } });
    expect((await farewell(resuming)).goodbye).toMatchObject({ code: CloseCode.banned, resumable: false });
    expect(resuming.all('resumed')).toHaveLength(0);
  });
});
