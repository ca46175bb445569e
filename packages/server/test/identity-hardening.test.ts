import { CloseCode } from '@gateway/protocol';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { type Logger, resolveAuth, type VerifyToken } from '../src/index';
import { ManualClock } from './helpers/manual-clock';
import { dropConnection, lastSeq, resume } from './helpers/resume';
import { startTestServer } from './helpers/server';
import { SECRET, tokenFor } from './helpers/tokens';
import type { TestClient } from './helpers/ws-client';

// Issue 12, identity: each finding against the server with a JWT secret, over real sockets. Heartbeats and
// the identify deadline stay out of the way of the token clock.
const quiet = { heartbeatIntervalMs: 3_600_000, identifyTimeoutMs: 3_600_000 };
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const key = new TextEncoder().encode(SECRET);

/** Exactly these claims, HS256: no `iat` or `exp` unless given (in seconds). */
function sign(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(key);
}
const seconds = (ms: number) => Math.floor(ms / 1000);

async function identify(client: TestClient, payload: Record<string, unknown>) {
  client.send({ type: 'identify', payload });
  return client.next('ready');
}

function capture(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const noop = () => {};
  return { logger: { debug: noop, info: noop, error: noop, warn: (_obj, msg) => warnings.push(msg ?? '') }, warnings };
}

describe('the display name comes from the token, identify.display_name only in dev mode', () => {
  it('JWT without a name claim: "admin" from identify reaches neither ready, chat nor presence', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...quiet, jwtSecret: SECRET, clock });
    const watcher = await t.connect();
    await identify(watcher, { token: await tokenFor('watcher', clock.now(), 10 * MINUTE), subscriptions: ['r'] });
    const mallory = await t.connect();
    const token = await tokenFor('mallory', clock.now(), 10 * MINUTE);
    const ready = await identify(mallory, { token, display_name: 'admin', subscriptions: ['r'] });
    expect(ready.payload.user).toEqual({ id: 'mallory' });

    mallory.send({ type: 'chat.send', ref: 'c', payload: { room_id: 'r', client_msg_id: 'c1', content: 'hi' } });
    await mallory.reply('c');
    const message = (await watcher.next('chat.message')).payload;
    expect([message.sender_id, message.sender_name]).toEqual(['mallory', undefined]);
    const late = await t.connect();
    const seen = await identify(late, { token: await tokenFor('late', clock.now(), 10 * MINUTE) });
    const entry = seen.payload.presence.find((e: { user_id: string }) => e.user_id === 'mallory');
    expect(entry).toBeDefined();
    expect(entry.display_name).toBeUndefined();
    await watcher.barrier();
    expect(JSON.stringify([watcher.frames, mallory.frames, late.frames])).not.toContain('admin');
  });

  it("JWT with a name claim: the claim's, whatever identify says", async () => {
    const t = await startTestServer({ ...quiet, jwtSecret: SECRET });
    const client = await t.connect();
    const ready = await identify(client, { token: await sign({ sub: 'ada', name: 'Ada' }), display_name: 'admin' });
    expect(ready.payload.user).toEqual({ id: 'ada', display_name: 'Ada' });
  });

  it('cuts a long name claim to 64 characters without splitting a surrogate pair', async () => {
    const t = await startTestServer({ ...quiet, jwtSecret: SECRET });
    const client = await t.connect();
    const name = `${'a'.repeat(63)}\u{1F600}tail`; // the emoji's pair straddles the 64th unit
    const ready = await identify(client, { token: await sign({ sub: 'ada', name }) });
    expect(ready.payload.user.display_name).toBe('a'.repeat(63));
  });

  it("a custom verifier: its display_name or none, never identify's", async () => {
    const verifyToken: VerifyToken = async (token) =>
      token === 'named' ? { id: 'c1', display_name: 'Cee' } : { id: 'c2' };
    const t = await startTestServer({ ...quiet, verifyToken });
    const named = await identify(await t.connect(), { token: 'named', display_name: 'admin' });
    expect(named.payload.user).toEqual({ id: 'c1', display_name: 'Cee' });
    const unnamed = await identify(await t.connect(), { token: 'plain', display_name: 'admin' });
    expect(unnamed.payload.user).toEqual({ id: 'c2' });
  });

  it("dev mode: identify's display_name, as before", async () => {
    const t = await startTestServer(quiet);
    const { ready } = await t.join({ user_id: 'dev-user', display_name: 'admin' });
    expect(ready.payload.user).toEqual({ id: 'dev-user', display_name: 'admin' });
  });
});

describe('every verified token expires: maxTokenLifetimeMs', () => {
  it('a JWT without exp or iat is closed 4200 after the default 24 hours, warned a minute before', async () => {
    const clock = new ManualClock();
    // Heartbeats of a fake clock only: no heartbeat across the day the test steps through.
    const t = await startTestServer({ ...quiet, heartbeatIntervalMs: 2 * DAY, jwtSecret: SECRET, clock });
    const client = await t.connect();
    const start = clock.now();
    await identify(client, { token: await sign({ sub: 'ann' }) });
    clock.advance(DAY - MINUTE - 1);
    await client.barrier();
    expect(client.all('auth.expiring')).toEqual([]);
    clock.advance(1); // a minute before the capped deadline
    expect((await client.next('auth.expiring')).payload).toEqual({
      expires_at: new Date(start + DAY).toISOString(),
      expires_in_ms: MINUTE,
    });
    clock.advance(MINUTE - 1);
    await client.barrier();
    expect(client.all('goodbye')).toEqual([]);
    clock.advance(1); // start + 24 h
    expect((await client.next('goodbye')).payload).toMatchObject({ code: CloseCode.token_expired });
    expect((await client.closed).code).toBe(CloseCode.token_expired);
  });

  it('a JWT without exp expires at iat + the lifetime, and one issued longer ago is refused 4200 at once', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...quiet, jwtSecret: SECRET, clock, maxTokenLifetimeMs: 10 * MINUTE });
    const client = await t.connect();
    await identify(client, { token: await sign({ sub: 'ann', iat: seconds(clock.now() - 4 * MINUTE) }) });
    clock.advance(6 * MINUTE - 1);
    await client.barrier();
    expect(client.all('goodbye')).toEqual([]);
    clock.advance(1); // iat + 10 minutes
    expect((await client.closed).code).toBe(CloseCode.token_expired);

    const stale = await t.connect();
    stale.send({ type: 'identify', payload: { token: await sign({ sub: 'ann', iat: seconds(clock.now()) - 600 }) } });
    expect((await stale.next('goodbye')).payload).toMatchObject({ code: CloseCode.token_expired });
  });

  it('an exp further than the lifetime is brought forward to now + the lifetime', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...quiet, jwtSecret: SECRET, clock, maxTokenLifetimeMs: 10 * MINUTE });
    const client = await t.connect();
    const start = clock.now();
    await identify(client, { token: await tokenFor('ann', clock.now(), 365 * DAY) });
    clock.advance(9 * MINUTE);
    expect((await client.next('auth.expiring')).payload.expires_at).toBe(new Date(start + 10 * MINUTE).toISOString());
    clock.advance(MINUTE);
    expect((await client.closed).code).toBe(CloseCode.token_expired);
  });

  it('a custom verifier without expires_at gets the capped deadline too', async () => {
    const clock = new ManualClock();
    const verifyToken: VerifyToken = async () => ({ id: 'custom' });
    const t = await startTestServer({ ...quiet, verifyToken, clock, maxTokenLifetimeMs: 10 * MINUTE });
    const client = await t.connect();
    await identify(client, { token: 'anything' });
    clock.advance(10 * MINUTE - 1);
    await client.barrier();
    expect(client.all('goodbye')).toEqual([]);
    clock.advance(1);
    expect((await client.closed).code).toBe(CloseCode.token_expired);
  });

  it('reauth with a token without exp moves the deadline to its capped lifetime instead of removing it', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...quiet, jwtSecret: SECRET, clock, maxTokenLifetimeMs: 10 * MINUTE });
    const client = await t.connect();
    await identify(client, { token: await tokenFor('ann', clock.now(), 2 * MINUTE) });
    clock.advance(MINUTE);
    await client.next('auth.expiring');
    client.send({ type: 'reauth', ref: 'r', payload: { token: await sign({ sub: 'ann' }) } });
    const deadline = clock.now() + 10 * MINUTE;
    expect(await client.reply('r')).toEqual({
      type: 'ack',
      ref: 'r',
      payload: { expires_at: new Date(deadline).toISOString() },
    });
    clock.advance(MINUTE); // the first token's expiry: moved
    await client.barrier();
    expect(client.all('goodbye')).toEqual([]);
    clock.advance(9 * MINUTE - 1);
    await client.barrier();
    expect(client.all('goodbye')).toEqual([]);
    clock.advance(1); // reauth + 10 minutes
    expect((await client.closed).code).toBe(CloseCode.token_expired);
  });

  it('resume with a token without exp gets a deadline as identify does', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...quiet, jwtSecret: SECRET, clock, maxTokenLifetimeMs: 10 * MINUTE });
    const first = await t.connect();
    const ready = await identify(first, { token: await sign({ sub: 'ann' }) });
    await dropConnection(t, first);
    const { client, answer } = await resume(t, {
      session_id: ready.payload.session_id,
      seq: lastSeq(first),
      token: await sign({ sub: 'ann' }),
    });
    expect(answer.type).toBe('resumed');
    clock.advance(10 * MINUTE);
    expect((await client.closed).code).toBe(CloseCode.token_expired);
  });

  it('refuses a lifetime that would close everyone at once or never', async () => {
    for (const maxTokenLifetimeMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(startTestServer({ ...quiet, jwtSecret: SECRET, maxTokenLifetimeMs })).rejects.toThrow(RangeError);
    }
  });
});

describe('audience and issuer', () => {
  const jwtAudience = 'gateway';
  const jwtIssuer = ['https://idp.example'];

  async function serve() {
    const clock = new ManualClock();
    const { verifyToken } = resolveAuth({ jwtSecret: SECRET, jwtAudience, jwtIssuer, now: () => clock.now() });
    if (verifyToken === undefined) throw new Error('a secret gives a verifier');
    const t = await startTestServer({ ...quiet, verifyToken, clock });
    expect(t.server.gateway.mode).toBe('jwt');
    return t;
  }

  it('accepts a token for this audience from this issuer', async () => {
    const t = await serve();
    const ready = await identify(await t.connect(), {
      token: await sign({ sub: 'ann', aud: 'gateway', iss: 'https://idp.example' }),
    });
    expect(ready.payload.user.id).toBe('ann');
  });

  it.each([
    ['another audience', { aud: 'billing', iss: 'https://idp.example' }],
    ['no audience', { iss: 'https://idp.example' }],
    ['another issuer', { aud: 'gateway', iss: 'https://evil.example' }],
    ['no issuer', { aud: 'gateway' }],
  ])('closes 4401 for a token with %s', async (_what, claims) => {
    const t = await serve();
    const client = await t.connect();
    client.send({ type: 'identify', payload: { token: await sign({ sub: 'ann', ...claims }) } });
    expect((await client.next('goodbye')).payload).toMatchObject({ code: CloseCode.authentication_failed });
    expect((await client.closed).code).toBe(CloseCode.authentication_failed);
  });
});

describe('the user id must be a protocol Id', () => {
  it.each([
    ['of 5,000 characters', 'x'.repeat(5_000)],
    ['with a lone surrogate', 'ann\ud800'],
  ])('closes 4401 for a JWT whose sub is %s', async (_what, sub) => {
    const t = await startTestServer({ ...quiet, jwtSecret: SECRET });
    const client = await t.connect();
    client.send({ type: 'identify', payload: { token: await sign({ sub }) } });
    expect((await client.closed).code).toBe(CloseCode.authentication_failed);
    expect(t.server.gateway.stats()).toMatchObject({ sessions: 0 });
  });

  it('accepts a sub of exactly 128', async () => {
    const t = await startTestServer({ ...quiet, jwtSecret: SECRET });
    const ready = await identify(await t.connect(), { token: await sign({ sub: 'x'.repeat(128) }) });
    expect(ready.payload.user.id).toHaveLength(128);
  });

  it.each([
    ['of 5,000 characters', 'x'.repeat(5_000)],
    ['with a lone surrogate', 'ann\udc00'],
    ['that is not a string', 42],
  ])('closes 4401 and warns when a custom verifier returns an id %s, and keeps serving', async (_what, id) => {
    const { logger, warnings } = capture();
    const verifyToken = (async (token: string) => (token === 'good' ? { id: 'ann' } : { id })) as VerifyToken;
    const t = await startTestServer({ ...quiet, verifyToken, logger });
    const client = await t.connect();
    client.send({ type: 'identify', payload: { token: 'bad' } });
    expect((await client.closed).code).toBe(CloseCode.authentication_failed);
    expect(warnings).toEqual([expect.stringContaining('verifyToken returned an ill-formed user')]);
    expect((await identify(await t.connect(), { token: 'good' })).payload.user.id).toBe('ann');
  });

  it('refuses a reauth whose custom verifier returns an ill-formed id, with a warning; the deadline stands', async () => {
    const { logger, warnings } = capture();
    const clock = new ManualClock();
    const verifyToken: VerifyToken = async (token) =>
      token === 'first' ? { id: 'ann', expires_at: clock.now() + 2 * MINUTE } : { id: 'x'.repeat(5_000) };
    const t = await startTestServer({ ...quiet, verifyToken, logger, clock });
    const client = await t.connect();
    await identify(client, { token: 'first' });
    client.send({ type: 'reauth', ref: 'r', payload: { token: 'second' } });
    expect(await client.reply('r')).toMatchObject({ type: 'error', payload: { code: 'forbidden' } });
    expect(warnings).toEqual([expect.stringContaining('verifyToken returned an ill-formed user')]);
    clock.advance(2 * MINUTE);
    expect((await client.closed).code).toBe(CloseCode.token_expired);
  });
});
