import { CloseCode } from '@gateway/protocol';
import { describe, expect, it } from 'vitest';
import { ManualClock } from './helpers/manual-clock';
import { lastSeq, resume } from './helpers/resume';
import { startTestServer } from './helpers/server';
import { SECRET, tokenFor } from './helpers/tokens';
import type { TestClient } from './helpers/ws-client';

// Heartbeats and the identify deadline stay out of the way of the token clock.
const quiet = { heartbeatIntervalMs: 3_600_000, identifyTimeoutMs: 3_600_000 };
const MINUTE = 60_000;

async function setup() {
  const clock = new ManualClock();
  const t = await startTestServer({ ...quiet, jwtSecret: SECRET, clock });
  const client = await t.connect();
  client.send({ type: 'identify', payload: { token: await tokenFor('ann', clock.now(), 2 * MINUTE) } });
  const ready = await client.next('ready');
  return { clock, t, client, ready };
}

function none(client: TestClient, type: string): void {
  expect(client.all(type)).toEqual([]);
}

describe('token expiry', () => {
  it('sends auth.expiring exactly authExpiringNoticeMs before exp, unsequenced', async () => {
    const { clock, client } = await setup();
    const expiresAt = clock.now() + 2 * MINUTE;
    clock.advance(MINUTE - 1);
    await client.barrier();
    none(client, 'auth.expiring');
    clock.advance(1);
    const warning = await client.next('auth.expiring');
    expect(warning).toEqual({
      type: 'auth.expiring',
      payload: { expires_at: new Date(expiresAt).toISOString(), expires_in_ms: MINUTE },
    });
  });

  it('reauth with a fresh token of the same user moves the deadline', async () => {
    const { clock, client } = await setup();
    clock.advance(MINUTE);
    await client.next('auth.expiring');
    const fresh = await tokenFor('ann', clock.now(), 5 * MINUTE);
    client.send({ type: 'reauth', ref: 'r1', payload: { token: fresh } });
    const ack = await client.reply('r1');
    const newExpiry = clock.now() + 5 * MINUTE;
    expect(ack).toEqual({ type: 'ack', ref: 'r1', payload: { expires_at: new Date(newExpiry).toISOString() } });

    clock.advance(MINUTE + 1); // past the old expiry
    await client.barrier();
    none(client, 'goodbye');
    clock.advance(3 * MINUTE - 1); // one notice before the new expiry
    expect((await client.next('auth.expiring')).payload.expires_in_ms).toBe(MINUTE);
    clock.advance(MINUTE);
    expect((await client.next('goodbye')).payload).toMatchObject({ code: CloseCode.token_expired });
  });

  it('refuses a reauth token of another user, a forged or an expired one; the old deadline stands', async () => {
    const { clock, client } = await setup();
    client.send({ type: 'reauth', ref: 'other', payload: { token: await tokenFor('bob', clock.now(), 10 * MINUTE) } });
    expect(await client.reply('other')).toMatchObject({ type: 'error', payload: { code: 'forbidden' } });
    client.send({ type: 'reauth', ref: 'forged', payload: { token: 'not-a-jwt' } });
    expect(await client.reply('forged')).toMatchObject({ type: 'error', payload: { code: 'forbidden' } });
    client.send({
      type: 'reauth',
      ref: 'old',
      payload: { token: await tokenFor('ann', clock.now() - 10 * MINUTE, MINUTE) },
    });
    expect(await client.reply('old')).toMatchObject({ type: 'error', payload: { code: 'forbidden' } });

    clock.advance(2 * MINUTE - 1);
    await client.barrier();
    none(client, 'goodbye');
    clock.advance(1);
    expect((await client.next('goodbye')).payload).toEqual({
      code: 4200,
      reason: expect.any(String),
      resumable: false,
    });
    expect((await client.closed).code).toBe(CloseCode.token_expired);
  });

  it('closes 4200 at expiry without a reauth and keeps the session for a resume with a fresh token', async () => {
    const { clock, t, client, ready } = await setup();
    clock.advance(2 * MINUTE);
    expect((await client.closed).code).toBe(CloseCode.token_expired);
    expect(t.server.gateway.stats()).toMatchObject({ sessions: 1, sessions_detached: 1 });

    const { answer } = await resume(t, {
      session_id: ready.payload.session_id,
      seq: lastSeq(client),
      token: await tokenFor('ann', clock.now(), 10 * MINUTE),
    });
    expect(answer).toMatchObject({ type: 'resumed', payload: { session_id: ready.payload.session_id } });
  });

  it('closes 4200 for an expired token on identify and on resume', async () => {
    const { clock, t, client, ready } = await setup();
    const stale = await tokenFor('ann', clock.now() - 10 * MINUTE, MINUTE);
    const late = await t.connect();
    late.send({ type: 'identify', payload: { token: stale } });
    expect((await late.next('goodbye')).payload.code).toBe(4200);
    expect((await late.closed).code).toBe(CloseCode.token_expired);

    client.ws.terminate();
    await expect.poll(() => t.server.gateway.stats().sessions_detached).toBe(1);
    const resumer = await t.connect();
    resumer.send({ type: 'resume', payload: { session_id: ready.payload.session_id, seq: 0, token: stale } });
    expect((await resumer.next('goodbye')).payload.code).toBe(4200);
    expect((await resumer.closed).code).toBe(CloseCode.token_expired);
    // The session waits for a resume with a fresh token.
    const again = await resume(t, {
      session_id: ready.payload.session_id,
      seq: 0,
      token: await tokenFor('ann', clock.now(), MINUTE),
    });
    expect(again.answer.type).toBe('resumed');
  });

  it('warns at once when the token is already within the notice period', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...quiet, jwtSecret: SECRET, clock });
    const client = await t.connect();
    client.send({ type: 'identify', payload: { token: await tokenFor('ann', clock.now(), 30_000) } });
    await client.next('ready');
    expect((await client.next('auth.expiring')).payload.expires_in_ms).toBe(30_000);
  });
});
