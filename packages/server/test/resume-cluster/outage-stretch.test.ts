import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Anchor } from '../../src/core/ports/session-store';
import { type GatewayInstance, startInstance, stopInstances } from '../helpers/instances';
import {
  type RedisServer,
  redisAvailability,
  redisSuiteTitle,
  startRedisServer,
  stopRedisServers,
} from '../helpers/redis-server';
import { request } from '../helpers/requests';
import { lastSeq } from '../helpers/resume';
import { dispatches, dispatchKeys, joinAt, recordWhere, resumeAt } from '../helpers/session-records';
import type { Frame, TestClient } from '../helpers/ws-client';

const redis = redisAvailability();
const ROOM = 'outage';

/** Polls an instance's /health (bounded) until it reports `status`. */
async function healthBecomes(instance: GatewayInstance, status: string, timeoutMs = 10_000): Promise<void> {
  await expect
    .poll(async () => (await instance.get('/health')).status, { timeout: timeoutMs, interval: 20 })
    .toBe(status);
}

/** Resolves once `client` has a chat message with `content`; bounded. */
async function got(client: TestClient, content: string, timeoutMs = 5000): Promise<Frame> {
  for (let i = 0; i < 200; i++) {
    const frame = await client.next('chat.message', timeoutMs);
    if (frame.payload.content === content) return frame;
  }
  throw new Error(`no chat message "${content}"`);
}

async function say(sender: TestClient, content: string): Promise<void> {
  const ack = await request(sender, 'chat.send', { room_id: ROOM, client_msg_id: content, content });
  expect(ack.payload).toMatchObject({ status: 'accepted' });
}

/** The chat contents among frames, in order. */
function contents(frames: readonly Frame[]): string[] {
  return frames.filter((frame) => frame.type === 'chat.message').map((frame) => String(frame.payload.content));
}

/** Seqs `from + 1`, `from + 2`, … with no hole and no repeat. */
function expectNumberedOn(frames: readonly Frame[], from: number): void {
  expect(frames.map((frame) => frame.seq)).toEqual(frames.map((_, i) => from + i + 1));
}

/**
 * Two gateway processes on one redis-server. Alice lives on A through a Redis outage: while it lasts, A hands
 * her the room's messages directly, with no stream positions, so nothing in the stream can vouch for that
 * stretch of her numbering. Once Redis is back (restarted, empty), A must start a new anchored stretch for
 * her, so that after A is killed B can rebuild everything from that stretch on, and nothing before it.
 */
describe.skipIf(!redis.available)(redisSuiteTitle('resume on any instance after a Redis outage', redis), () => {
  let server: RedisServer;
  let a: GatewayInstance;
  let b: GatewayInstance;
  let commands: Redis | undefined;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    [a, b] = await Promise.all([startInstance({ REDIS_URL: server.url }), startInstance({ REDIS_URL: server.url })]);
  });

  afterAll(async () => {
    for (const client of clients) client.ws.terminate();
    commands?.disconnect();
    await stopInstances();
    await stopRedisServers();
  });

  it('starts a new stretch once Redis is back: after a SIGKILL, B rebuilds from it exactly once, and refuses the outage stretch', async ({
    annotate,
  }) => {
    const alice = await joinAt(a.wsUrl, 'alice', [ROOM]);
    const dave = await joinAt(a.wsUrl, 'dave', [ROOM]);
    const carol = await joinAt(a.wsUrl, 'carol', [ROOM]);
    const bob = await joinAt(b.wsUrl, 'bob', [ROOM]);
    clients.push(alice.client, dave.client, carol.client, bob.client);
    const everyone = [alice.client, dave.client, carol.client, bob.client];
    await say(bob.client, 'before');
    for (const client of everyone) await got(client, 'before');
    const beforeSeq = lastSeq(alice.client);
    expect(beforeSeq).toBeGreaterThan(0);

    // Redis goes away; carol keeps talking to the room on A, which delivers to alice and dave locally.
    await server.kill();
    await Promise.all([healthBecomes(a, 'degraded'), healthBecomes(b, 'degraded')]);
    const during = ['during-1', 'during-2', 'during-3'];
    for (const content of during) {
      await say(carol.client, content);
      await got(alice.client, content);
      await got(dave.client, content);
    }
    const outageSeqs = alice.client
      .all('chat.message')
      .filter((frame) => during.includes(frame.payload.content))
      .map((frame) => frame.seq ?? 0);
    expect(outageSeqs).toEqual([beforeSeq + 1, beforeSeq + 2, beforeSeq + 3]);

    // Back (empty: its old records and stream are gone). A starts a new stretch for alice at a fresh marker.
    await server.restart();
    await Promise.all([healthBecomes(a, 'ok'), healthBecomes(b, 'ok')]);
    commands = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await commands.connect();
    const anchored = await recordWhere(
      commands,
      'gw:',
      alice.sessionId,
      (stored) => stored.record.anchors.length > 0,
      10_000,
    );
    const start = anchored.record.anchors[0] as Anchor;
    // The stretch starts after the outage stretch: no anchor reaches back into it.
    expect(start.seq).toBeGreaterThanOrEqual(beforeSeq + during.length);
    expect(start.seq).toBeLessThanOrEqual(lastSeq(alice.client));
    expect(anchored.record.channels).toHaveProperty(`room:${ROOM}`);
    expect(anchored.holder).toBe((await a.get('/stats')).server_id);

    // Traffic from both instances in the new stretch, all of it reaching alice and dave live on A.
    for (let i = 1; i <= 5; i++) {
      await say(bob.client, `after-b-${i}`);
      await say(carol.client, `after-c-${i}`);
    }
    for (const client of everyone) await got(client, 'after-c-5');
    // Still the same stretch (nothing broke it meanwhile): its first anchor is what B will start from.
    const kept = await recordWhere(commands, 'gw:', alice.sessionId, (stored) => stored.record.anchors.length > 0);
    expect(kept.record.anchors[0]).toEqual(start);
    const liveAlice = dispatches(alice.client).filter((frame) => (frame.seq ?? 0) > start.seq);
    expect(contents(liveAlice).filter((content) => content.startsWith('after-'))).toHaveLength(10);
    const daveSeq = lastSeq(dave.client);

    // A dies without a word; bob keeps talking on B, which only the stream can give to alice and dave.
    await a.stop('SIGKILL');
    const postKill = ['post-kill-1', 'post-kill-2', 'post-kill-3'];
    for (const content of postKill) await say(bob.client, content);
    await got(bob.client, 'post-kill-3');

    // A resume that needs the outage stretch (or anything before the new one) is refused, with nothing replayed.
    for (const seq of [start.seq - 1, beforeSeq + 1, beforeSeq]) {
      const { client, answer } = await resumeAt(b.wsUrl, { session_id: alice.sessionId, seq });
      clients.push(client);
      expect(answer.type).toBe('invalid_session');
      expect(answer.payload).toMatchObject({ resumable: false });
      await client.barrier();
      expect(dispatches(client)).toEqual([]);
      expect(client.all('resumed')).toEqual([]);
      client.close();
    }

    // From the new stretch's start: everything after it, once, in order, with A's numbers, then the rest.
    const again = await resumeAt(b.wsUrl, { session_id: alice.sessionId, seq: start.seq });
    clients.push(again.client);
    expect(again.answer.type).toBe('resumed');
    const replayed = dispatches(again.client);
    expectNumberedOn(replayed, start.seq);
    expect(again.answer.payload).toEqual({ session_id: alice.sessionId, replayed: replayed.length });
    expect(dispatchKeys(replayed.slice(0, liveAlice.length))).toEqual(dispatchKeys(liveAlice));
    expect(contents(replayed.slice(liveAlice.length))).toEqual(postKill);

    // Dave resumes where his client is: only what he missed, numbered on.
    const daveAgain = await resumeAt(b.wsUrl, { session_id: dave.sessionId, seq: daveSeq });
    clients.push(daveAgain.client);
    expect(daveAgain.answer.type).toBe('resumed');
    const daveMissed = dispatches(daveAgain.client);
    expectNumberedOn(daveMissed, daveSeq);
    expect(contents(daveMissed)).toEqual(postKill);

    // Live on B from there, numbered on without a hole.
    await say(bob.client, 'live');
    const live = await got(again.client, 'live');
    expect(live.seq).toBe((replayed.at(-1)?.seq ?? 0) + 1);
    const daveLive = await got(daveAgain.client, 'live');
    expect(daveLive.seq).toBe((daveMissed.at(-1)?.seq ?? 0) + 1);
    expect(await b.get('/stats')).toMatchObject({ resumes_ok: 2, resumes_refused: 3 });
    await annotate(
      `outage stretch seqs ${outageSeqs.join(',')}; new stretch from seq ${start.seq}; replayed ${replayed.length} to alice, ${daveMissed.length} to dave`,
    );
  }, 60_000);
});
