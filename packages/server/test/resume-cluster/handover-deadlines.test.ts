import { parsePreparedPayload, prepareDispatch } from '@gateway/protocol';
import { describe, expect, it } from 'vitest';
import { HANDOVER, HANDOVER_STEP_MS, RING_PART_UNITS } from '../../src/cluster/handover/messages';
import { RELEASE_GRACE_MS } from '../../src/cluster/handover/release';
import { type BackplaneMessage, type Channel, InMemoryBackplane } from '../../src/index';
import { ManualClock } from '../helpers/manual-clock';
import { MemorySessionRecords } from '../helpers/memory-session-records';
import { dropConnection, lastSeq } from '../helpers/resume';
import { startTestServer } from '../helpers/server';

/**
 * Two gateways in one process on an InMemoryBackplane with session records and no events stream, as on a
 * Redis Cluster, on one manual clock: every deadline of a handover is reached by advancing it, never waited.
 */
async function twoInstances(onB: { replayBufferEvents?: number } = {}) {
  const clock = new ManualClock(Date.now());
  const backplane = new InMemoryBackplane({ now: () => clock.now() });
  const records = new MemorySessionRecords(clock);
  const common = { backplane, sessionStore: records, clock, heartbeatIntervalMs: 3_600_000 };
  const a = await startTestServer({ ...common, serverId: 'gw-a' });
  const b = await startTestServer({ ...common, ...onB, serverId: 'gw-b' });
  // Another instance as far as the others can tell: it hears what is said on its channels and can speak.
  const heard: Array<{ channel: Channel; type: string; payload: Record<string, unknown> }> = [];
  const spy = backplane.connect((channel, message: BackplaneMessage) => {
    heard.push({ channel, type: message.type, payload: parsePreparedPayload(message) as Record<string, unknown> });
  });
  const say = (to: string, type: string, payload: unknown) => {
    const { body } = prepareDispatch(type, payload);
    spy.publish(`node:${to}`, { type, body, sequenced: false });
  };
  /** The spy, as a taker, asks a for a session. */
  const ask = (token: string, sessionId: string, seq: number, userId = 'ann') =>
    say('gw-a', HANDOVER.ask, { token, from: 'gw-spy', session_id: sessionId, seq, user_id: userId });
  return { clock, records, a, b, spy, heard, say, ask };
}

const record = { v: 1, user: { id: 'ann' }, device_id: 'd', device_type: 'web', channels: {}, anchors: [] } as const;

describe('handover deadlines (manual clock)', () => {
  it('a holder that never answers: the resume is refused at the step deadline, not before', async () => {
    const { clock, records, b, spy, heard } = await twoInstances();
    await records.write([{ id: 'ghost-session', record }], 'gw-ghost', 60_000);
    spy.subscribe('node:gw-ghost');
    const client = await b.connect();
    client.send({ type: 'resume', ref: 'r', payload: { session_id: 'ghost-session', seq: 0 } });
    await expect.poll(() => heard.some((word) => word.type === HANDOVER.ask)).toBe(true);
    expect(heard.find((word) => word.type === HANDOVER.ask)?.payload).toMatchObject({
      from: 'gw-b',
      session_id: 'ghost-session',
      seq: 0,
      user_id: 'ann',
    });

    clock.advance(HANDOVER_STEP_MS - 1);
    const early = client.frames.some((frame) => frame.ref === 'r');
    clock.advance(1);
    const answer = await client.reply('r');
    expect(early).toBe(false);
    expect(answer.type).toBe('invalid_session');
    expect(String(answer.payload.reason)).toContain('did not answer in time');
    expect(b.server.gateway.stats().sessions).toBe(0);
  });

  it('a holder whose channel nobody receives is gone: refused at once, without asking', async () => {
    const { records, b, spy, heard } = await twoInstances();
    await records.write([{ id: 'dead-session', record }], 'gw-dead', 60_000);
    spy.subscribe('node:gw-dead');
    spy.unsubscribe('node:gw-dead');
    const client = await b.connect();
    client.send({ type: 'resume', ref: 'r', payload: { session_id: 'dead-session', seq: 0 } });
    const answer = await client.reply('r');
    expect(answer.type).toBe('invalid_session');
    expect(heard.some((word) => word.type === HANDOVER.ask)).toBe(false);
  });

  it('a taker that goes quiet after the offer: the holder keeps the session, resumable where it is', async () => {
    const { clock, a, spy, heard, ask } = await twoInstances();
    spy.subscribe('node:gw-spy');
    const { client: ann, ready } = await a.join({ user_id: 'ann' });
    const sessionId = String(ready.payload.session_id);
    await dropConnection(a, ann);

    ask('t1', sessionId, lastSeq(ann));
    expect(heard.filter((word) => word.channel === 'node:gw-spy').map((word) => word.type)).toEqual([HANDOVER.offer]);
    // One handover of a session at a time.
    ask('t2', sessionId, lastSeq(ann));
    expect(heard.at(-1)?.payload).toMatchObject({ token: 't2', reason: 'The session is moving already.' });
    // Another user's ask gets nothing but a refusal.
    ask('t3', sessionId, 0, 'bob');
    expect(heard.at(-1)).toMatchObject({ type: HANDOVER.refuse, payload: { token: 't3' } });

    clock.advance(HANDOVER_STEP_MS);
    expect(heard.at(-1)).toMatchObject({ type: HANDOVER.refuse, payload: { token: 't1' } });
    const back = await a.connect();
    back.send({ type: 'resume', ref: 'r', payload: { session_id: sessionId, seq: lastSeq(ann) } });
    expect((await back.reply('r')).type).toBe('resumed');
  });

  it('a session whose rooms changed after the offer is not handed over: it stays, as it now is', async () => {
    const { a, spy, heard, say, ask } = await twoInstances();
    spy.subscribe('node:gw-spy');
    const ann = await a.joinRooms('ann', ['team', 'ops']);
    const sessionId = String(ann.all('ready')[0]?.payload.session_id);
    await dropConnection(a, ann);
    ask('t1', sessionId, lastSeq(ann));
    expect(heard.at(-1)).toMatchObject({ type: HANDOVER.offer, payload: { rooms: ['team', 'ops'], status: 'online' } });
    a.server.gateway.unsubscribe({ userId: 'ann' }, 'ops');
    say('gw-a', HANDOVER.cut, { token: 't1' });
    expect(heard.at(-1)).toMatchObject({ type: HANDOVER.refuse, payload: { token: 't1' } });
    expect(heard.some((word) => word.type === HANDOVER.mark)).toBe(false);
    const back = await a.connect();
    back.send({ type: 'resume', ref: 'r', payload: { session_id: sessionId, seq: lastSeq(ann) } });
    expect((await back.reply('r')).type).toBe('resumed');
  });

  it('refuses, and ends the session, when what it missed does not fit the taker’s replay buffer', async () => {
    const { a, b } = await twoInstances({ replayBufferEvents: 10 });
    const { client: ann, ready } = await a.join({ user_id: 'ann' });
    const sessionId = String(ready.payload.session_id);
    await dropConnection(a, ann);
    for (let n = 1; n <= 20; n++) a.server.gateway.send({ userId: 'ann' }, 'system', { message: `n${n}` });
    const back = await b.connect();
    back.send({ type: 'resume', ref: 'r', payload: { session_id: sessionId, seq: lastSeq(ann) } });
    expect((await back.reply('r')).type).toBe('invalid_session');
    expect(a.server.gateway.stats().sessions + b.server.gateway.stats().sessions).toBe(0);
  });

  it('a stop waits for the drained clients, until their reconnect window and the grace have passed', async () => {
    const { clock, records, a } = await twoInstances();
    const { client: ann, ready } = await a.join({ user_id: 'ann' });
    const sessionId = String(ready.payload.session_id);
    await expect.poll(() => records.holderOf(sessionId)).toBe('gw-a');
    let stopped = false;
    const stopping = a.server.gateway.stop({ afterMs: 500, jitterMs: 1_000 }).then(() => {
      stopped = true;
    });
    expect((await ann.closed).code).toBe(4002);

    clock.advance(500 + 1_000 + RELEASE_GRACE_MS - 1);
    // Every promise the stop chains has had its turn.
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    expect(records.holderOf(sessionId)).toBe('gw-a');
    clock.advance(1);
    await stopping;
    // She never came back: her session ended, and its record with it.
    await expect.poll(() => records.holderOf(sessionId)).toBeUndefined();
  });

  it('a stop with no client to wait for is over at once', async () => {
    const { a } = await twoInstances();
    const { client: ann } = await a.join({ user_id: 'ann' });
    await dropConnection(a, ann);
    await a.server.gateway.stop();
  });

  it('sends a ring larger than one message in parts, whole and in order', async () => {
    const { a, b, records } = await twoInstances();
    const { client: ann, ready } = await a.join({ user_id: 'ann' });
    const sessionId = String(ready.payload.session_id);
    await dropConnection(a, ann);
    const big = 'x'.repeat(20_000);
    const count = Math.ceil((3 * RING_PART_UNITS) / big.length);
    for (let n = 1; n <= count; n++) a.server.gateway.send({ userId: 'ann' }, 'system', { message: `${n}:${big}` });

    const back = await b.connect();
    back.send({ type: 'resume', ref: 'r', payload: { session_id: sessionId, seq: lastSeq(ann) } });
    expect((await back.reply('r')).payload).toMatchObject({ replayed: count });
    const got = back.frames.filter((frame) => frame.type === 'system').map((frame) => String(frame.payload.message));
    expect(got.map((message) => message.split(':')[0])).toEqual(Array.from({ length: count }, (_, i) => `${i + 1}`));
    expect(got.every((message) => message.endsWith(big))).toBe(true);
    await expect.poll(() => records.holderOf(sessionId)).toBe('gw-b');
  });
});
