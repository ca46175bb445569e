import { describe, expect, it } from 'vitest';
import { redisAvailability, redisForSuite, redisSuiteTitle } from '../helpers/redis-server';
import { request, settle } from '../helpers/requests';
import { dropConnection, lastSeq, resume } from '../helpers/resume';
import { startTestServer, type TestServer } from '../helpers/server';
import type { TestClient } from '../helpers/ws-client';

const redis = redisAvailability();
const shared = redisForSuite(redis);
let prefixes = 0;

/** Gateways in this process sharing one Redis under a fresh prefix, as separate instances would. */
async function cluster(count: number) {
  const prefix = `rf${++prefixes}:`;
  const options = { redisUrl: shared.url(), redisPrefix: prefix };
  const gateways: TestServer<[]>[] = [];
  for (let i = 0; i < count; i++) gateways.push(await startTestServer(options));
  return { prefix, gateways };
}

/** The session record as its holder last wrote it. */
async function readRecord(prefix: string, sessionId: string) {
  const [holder, data] = await shared.commands().hmget(`${prefix}session:${sessionId}`, 'holder', 'data');
  if (typeof holder !== 'string' || typeof data !== 'string') return undefined;
  return { holder, record: JSON.parse(data) as { anchors: Array<{ seq: number; pos: string }> } };
}

/** Waits until the holder has written an anchor at the client's current seq: a resume elsewhere can use it. */
async function anchoredAt(prefix: string, sessionId: string, client: TestClient): Promise<void> {
  const seq = lastSeq(client);
  await expect
    .poll(async () => (await readRecord(prefix, sessionId))?.record.anchors.at(-1)?.seq, { timeout: 5000 })
    .toBe(seq);
}

describe.skipIf(!redis.available)(redisSuiteTitle('resume on any instance: refusals and hand-over', redis), () => {
  it('refuses a resume on B when the session record is gone, and the client identifies afresh', async () => {
    const {
      prefix,
      gateways: [a, b],
    } = await cluster(2);
    if (a === undefined || b === undefined) throw new Error('no gateways');
    const { client: alice, ready } = await a.join({ user_id: 'alice', display_name: 'alice' });
    const sessionId: string = ready.payload.session_id;
    await request(alice, 'subscribe', { room_ids: ['r'] });
    // The room's diff naming alice herself follows the reply: the anchor below is to count it.
    await alice.nextChange('joined', 'alice', 'r');
    await anchoredAt(prefix, sessionId, alice);
    const seq = lastSeq(alice);
    await dropConnection(a, alice);
    await anchoredAt(prefix, sessionId, alice);

    expect(await shared.commands().del(`${prefix}session:${sessionId}`)).toBe(1);
    const { client: again, answer } = await resume(b, { session_id: sessionId, seq });
    expect(answer.type).toBe('invalid_session');
    expect(answer.payload.resumable).toBe(false);
    expect(again.all('resumed')).toHaveLength(0);
    expect(b.server.gateway.stats()).toMatchObject({ resumes_refused: 1, resumes_ok: 0, sessions: 0 });

    // The same connection may identify afresh: a new session, from seq 0.
    again.send({ type: 'identify', payload: { user_id: 'alice', display_name: 'alice' } });
    const fresh = await again.next('ready');
    expect(fresh.payload.session_id).not.toBe(sessionId);
    expect(b.server.gateway.stats()).toMatchObject({ sessions: 1, sessions_attached: 1 });
  });

  it('refuses a resume on B when the events stream was trimmed past the anchor', async () => {
    const {
      prefix,
      gateways: [a, b],
    } = await cluster(2);
    if (a === undefined || b === undefined) throw new Error('no gateways');
    const { client: alice, ready } = await a.join({ user_id: 'alice', display_name: 'alice' });
    const sessionId: string = ready.payload.session_id;
    await request(alice, 'subscribe', { room_ids: ['r'] });
    // The room's diff naming alice herself follows the reply: the anchor below is to count it.
    await alice.nextChange('joined', 'alice', 'r');
    const bob = await b.joinRooms('bob', ['r']);
    await settle(bob, 'r', [alice, bob]);
    await anchoredAt(prefix, sessionId, alice);
    const seq = lastSeq(alice);
    await dropConnection(a, alice);
    await anchoredAt(prefix, sessionId, alice);

    const anchor = (await readRecord(prefix, sessionId))?.record.anchors.at(-1);
    expect(anchor?.seq).toBe(seq);
    await shared.commands().xtrim(`${prefix}events`, 'MAXLEN', 0);
    // Something newer than the anchor in the stream again: the stream is not empty, it just starts too late.
    await request(bob, 'chat.send', { room_id: 'r', client_msg_id: 'after-trim', content: 'after the trim' });
    // The ack leaves before the message is recorded (seed 001's flow), so wait for the stream entry itself.
    await expect
      .poll(async () => (await shared.commands().xrange(`${prefix}events`, '-', '+', 'COUNT', 1)).length)
      .toBe(1);

    const { client: again, answer } = await resume(b, { session_id: sessionId, seq });
    expect(answer.type).toBe('invalid_session');
    expect(answer.payload).toMatchObject({ resumable: false });
    expect(answer.payload.reason).toMatch(/stream/);
    expect(again.all('resumed')).toHaveLength(0);
    expect(again.all('chat.message')).toHaveLength(0);
    expect(b.server.gateway.stats()).toMatchObject({ resumes_refused: 1, resumes_ok: 0 });
    // Still A's: a refused resume does not claim the record.
    expect((await readRecord(prefix, sessionId))?.holder).toBe(a.server.gateway.stats().server_id);
  });

  it('takes the session over from a live holder whose connection is still attached: goodbye and 4102 there', async () => {
    const {
      prefix,
      gateways: [a, b],
    } = await cluster(2);
    if (a === undefined || b === undefined) throw new Error('no gateways');
    const { client: zombie, ready } = await a.join({ user_id: 'alice', display_name: 'alice' });
    const sessionId: string = ready.payload.session_id;
    await request(zombie, 'subscribe', { room_ids: ['r'] });
    const bob = await a.joinRooms('bob', ['r']);
    await settle(bob, 'r', [zombie, bob]);
    await anchoredAt(prefix, sessionId, zombie);
    const seq = lastSeq(zombie);
    expect(seq).toBeGreaterThan(0);
    expect(a.server.gateway.stats()).toMatchObject({ sessions: 2, sessions_attached: 2 });

    const { client: alice, answer } = await resume(b, { session_id: sessionId, seq });
    expect(answer.type).toBe('resumed');
    expect(answer.payload).toEqual({ session_id: sessionId, replayed: 0 });

    const goodbye = await zombie.next('goodbye', 5000);
    expect(goodbye.payload).toMatchObject({ code: 4102, resumable: false });
    expect((await zombie.closed).code).toBe(4102);
    await expect.poll(() => a.server.gateway.stats().sessions, { timeout: 5000 }).toBe(1);
    expect((await readRecord(prefix, sessionId))?.holder).toBe(b.server.gateway.stats().server_id);
    expect(b.server.gateway.stats()).toMatchObject({ resumes_ok: 1, sessions_attached: 1 });

    // Live on B, numbered on from where A left off.
    await request(bob, 'chat.send', { room_id: 'r', client_msg_id: 'on-b', content: 'after the hand-over' });
    const message = await alice.next('chat.message', 5000);
    expect(message.payload.content).toBe('after the hand-over');
    expect(message.seq).toBe(seq + 1);
    const sent = await request(alice, 'chat.send', { room_id: 'r', client_msg_id: 'from-b', content: 'from B' });
    expect(sent.payload).toMatchObject({ status: 'accepted' });
    for (;;) if ((await bob.next('chat.message', 5000)).payload.content === 'from B') break;
  });
});
