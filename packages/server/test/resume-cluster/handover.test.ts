import { describe, expect, it } from 'vitest';
import type { ServerOptions } from '../../src/index';
import { createRedisSharedState, RedisBackplane } from '../../src/index';
import { redisClusterForSuite } from '../helpers/redis-cluster';
import { redisAvailability, redisForSuite, redisSuiteTitle } from '../helpers/redis-server';
import { nextMessages, say } from '../helpers/requests';
import { dropConnection, lastSeq } from '../helpers/resume';
import { startTestServer, type TestServer } from '../helpers/server';
import type { Frame, TestClient } from '../helpers/ws-client';

const redis = redisAvailability();
const quiet = { heartbeatIntervalMs: 3_600_000 };

/** How each layout's instances are made: both keep no events stream, so a live holder hands sessions over. */
interface Layout {
  readonly title: string;
  instance(extra?: ServerOptions<[]>): Promise<TestServer<[]>>;
  /** The instance the session's record names now (undefined: no record). */
  holderOf(sessionId: string): Promise<string | null>;
}

/** What a client got after `from` (exclusive), as `kind:text` in arrival order, with the seqs it came with. */
function received(client: TestClient, from: number): { seqs: number[]; texts: string[] } {
  const after = client.frames.filter((frame) => (frame.seq ?? 0) > from);
  return {
    seqs: after.map((frame) => frame.seq ?? 0),
    texts: after
      .filter((frame) => frame.type === 'chat.message' || frame.type === 'system')
      .map((frame: Frame) =>
        frame.type === 'system'
          ? `system:${String(frame.payload.message)}`
          : `${String(frame.payload.room_id)}:${String(frame.payload.content)}`,
      ),
  };
}

/** `work`, or a failure naming the step when it takes longer than `ms`. */
async function within<T>(step: string, work: Promise<T>, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${step} took over ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

function scenarios(layout: Layout): void {
  it('hands a live session over to the instance the client reached: rooms and its user channel, once each', async () => {
    const a = await layout.instance();
    const b = await layout.instance();
    const bob = await b.joinRooms('bob', ['team', 'ops']);
    const ann = await a.joinRooms('ann', ['team', 'ops']);
    await say(bob, 'team', 'one');
    await nextMessages(ann, 1);
    const sessionId = String(ann.all('ready')[0]?.payload.session_id);
    const seq = lastSeq(ann);

    await dropConnection(a, ann);
    // Away: room messages on both rooms and dispatches to her user channel, from both instances.
    await say(bob, 'team', 'two', 'three');
    await say(bob, 'ops', 'x');
    b.server.gateway.send({ userId: 'ann' }, 'system', { message: 'from b' });
    a.server.gateway.send({ userId: 'ann' }, 'system', { message: 'from a' });
    await say(bob, 'team', 'four');

    const back = await b.connect();
    back.send({ type: 'resume', ref: 'r', payload: { session_id: sessionId, seq } });
    const answer = await back.reply('r');
    expect(answer.type).toBe('resumed');
    expect(answer.payload.replayed).toBe(6);
    // Live again, now on b: a room message and one to her user channel.
    await say(bob, 'ops', 'y');
    a.server.gateway.send({ userId: 'ann' }, 'system', { message: 'live' });
    await expect.poll(() => received(back, seq).texts.length).toBe(8);
    const got = received(back, seq);
    expect(got.seqs).toEqual([seq + 1, seq + 2, seq + 3, seq + 4, seq + 5, seq + 6, seq + 7, seq + 8]);
    expect(got.texts.filter((text) => text.startsWith('team:'))).toEqual(['team:two', 'team:three', 'team:four']);
    expect(got.texts.filter((text) => text.startsWith('ops:'))).toEqual(['ops:x', 'ops:y']);
    expect(got.texts.filter((text) => text.startsWith('system:'))).toEqual([
      'system:from b',
      'system:from a',
      'system:live',
    ]);
    expect(a.server.gateway.stats()).toMatchObject({ sessions: 0, sessions_moved_out: 1, sessions_moved_in: 0 });
    expect(b.server.gateway.stats()).toMatchObject({ sessions: 2, sessions_moved_in: 1, sessions_moved_out: 0 });

    // She is in both rooms on b: what she sends reaches bob, and she can resume there again.
    await say(back, 'team', 'back');
    await expect.poll(() => bob.all('chat.message').filter((frame) => frame.payload.content === 'back').length).toBe(1);
  });

  it('cuts every channel exactly while both instances keep publishing into it, move after move', async () => {
    const a = await layout.instance();
    const b = await layout.instance();
    const ann = await a.joinRooms('ann', ['team']);
    const sessionId = String(ann.all('ready')[0]?.payload.session_id);
    // What her app saw: each connection up to the seq she resumed from on the next, then the last one.
    const seen: Array<{ client: TestClient; upTo: number }> = [];
    let current = { client: ann, holder: a };
    const moveTo = async (to: TestServer<[]>) => {
      const from = current;
      from.client.ws.terminate();
      await expect.poll(() => from.holder.server.gateway.stats().connections, { interval: 1 }).toBe(0);
      const seq = lastSeq(from.client);
      seen.push({ client: from.client, upTo: seq });
      const client = await to.connect();
      client.send({ type: 'resume', ref: 'r', payload: { session_id: sessionId, seq } });
      expect((await client.reply('r')).type).toBe('resumed');
      current = { client, holder: to };
    };
    // Each instance publishes into her room and to her user channel, in turn, yielding to I/O between
    // rounds, so that publishes are in flight on every channel while the session moves: a to b, back, again.
    const rounds = 300;
    const moves = new Map([
      [60, b],
      [140, a],
      [220, b],
    ]);
    let moving: Promise<void> = Promise.resolve();
    for (let i = 1; i <= rounds; i++) {
      for (const [name, t] of [
        ['a', a],
        ['b', b],
      ] as const) {
        t.server.gateway.broadcast('system', { message: `${name}-room-${i}` }, { room: 'team' });
        t.server.gateway.send({ userId: 'ann' }, 'system', { message: `${name}-user-${i}` });
      }
      const to = moves.get(i);
      if (to !== undefined) {
        await moving;
        moving = moveTo(to);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await moving;
    expect(seen).toHaveLength(3);
    const total = rounds * 4;
    const numbered = () => [
      ...seen.flatMap(({ client, upTo }) =>
        client.frames.filter((frame) => frame.seq !== undefined && frame.seq <= upTo),
      ),
      ...current.client.frames.filter((frame) => frame.seq !== undefined),
    ];
    const systems = () => numbered().filter((frame) => frame.type === 'system');
    await expect.poll(() => systems().length, { timeout: 10_000 }).toBeGreaterThanOrEqual(total);
    await current.client.barrier();
    const all = numbered();
    expect(all.map((frame) => frame.seq)).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    const got = systems();
    // Per publisher and channel: every one once, in the order it was published.
    for (const stream of ['a-room', 'a-user', 'b-room', 'b-user']) {
      const numbers = got
        .map((frame) => String(frame.payload.message))
        .filter((message) => message.startsWith(`${stream}-`))
        .map((message) => Number(message.slice(stream.length + 1)));
      expect(numbers, stream).toEqual(Array.from({ length: rounds }, (_, i) => i + 1));
    }
  });

  it('a stopping holder waits for its clients to take their sessions elsewhere', async () => {
    const a = await layout.instance();
    const b = await layout.instance();
    const bob = await b.joinRooms('bob', ['team']);
    const ann = await a.joinRooms('ann', ['team']);
    const sessionId = String(ann.all('ready')[0]?.payload.session_id);
    await say(bob, 'team', 'one');
    await nextMessages(ann, 1);

    // The stop tells her to reconnect and closes her socket; the session stays on a until b takes it. (The
    // gateway's stop alone: closing the server's Redis connections after it is the test teardown's part.)
    const stopping = a.server.gateway.stop();
    expect((await within('the drain', ann.closed)).code).toBe(4002);
    await say(bob, 'team', 'two');
    b.server.gateway.send({ userId: 'ann' }, 'system', { message: 'while moving' });
    const seq = lastSeq(ann);
    const back = await b.connect();
    back.send({ type: 'resume', ref: 'r', payload: { session_id: sessionId, seq } });
    expect((await back.reply('r')).type).toBe('resumed');
    // Handed over: the stop is over without waiting out its grace.
    await within('the stop', stopping, 3_000);
    await say(bob, 'team', 'three');
    await expect.poll(() => received(back, seq).texts.length).toBe(3);
    // Two channels: each in order, the two in either order on a cluster.
    expect(received(back, seq).texts.sort()).toEqual(['system:while moving', 'team:three', 'team:two']);
    expect(b.server.gateway.stats().sessions).toBe(2);
  });

  it('moves her device as it was: nobody sees a presence change, and her status and data come along', async () => {
    const a = await layout.instance();
    const b = await layout.instance();
    const bob = await b.joinRooms('bob', ['team']);
    const ann = await a.joinRooms('ann', ['team']);
    const sessionId = String(ann.all('ready')[0]?.payload.session_id);
    ann.send({ type: 'presence.update', ref: 'p', payload: { status: 'dnd', data: { activity: 'focus' } } });
    await ann.reply('p');
    await expect
      .poll(() => bob.changes().some((change) => change.userId === 'ann' && change.entry?.status === 'dnd'))
      .toBe(true);
    await bob.barrier();
    const seenByBob = bob.changes().length;

    await dropConnection(a, ann);
    const back = await b.connect();
    back.send({ type: 'resume', ref: 'r', payload: { session_id: sessionId, seq: lastSeq(ann) } });
    expect((await back.reply('r')).type).toBe('resumed');
    for (const t of [a, b]) {
      await expect
        .poll(() => t.server.gateway.presence('team').find((each) => each.user_id === 'ann')?.status)
        .toBe('dnd');
      const entry = t.server.gateway.presence('team').find((each) => each.user_id === 'ann');
      expect(entry).toMatchObject({ data: { activity: 'focus' } });
      expect(entry?.devices).toHaveLength(1);
    }
    // Her next change, made on b, comes after anything the move announced (one origin, one order), in a diff of
    // its own: it must be the only one bob sees.
    back.send({ type: 'presence.update', ref: 'p2', payload: { status: 'idle' } });
    await back.reply('p2');
    await expect.poll(() => bob.changes().slice(seenByBob).length).toBeGreaterThan(0);
    await bob.barrier();
    expect(
      bob
        .changes()
        .slice(seenByBob)
        .map((change) => [change.kind, change.entry?.status]),
    ).toEqual([['updated', 'idle']]);
  });

  it('keeps a record naming the holder: moved with the session, gone with its end', async () => {
    const a = await layout.instance();
    const b = await layout.instance();
    const { client: ann, ready } = await a.join({ user_id: 'ann' });
    const sessionId = String(ready.payload.session_id);
    await expect.poll(() => layout.holderOf(sessionId)).toBe(a.server.gateway.serverId);
    await dropConnection(a, ann);
    const back = await b.connect();
    back.send({ type: 'resume', ref: 'r', payload: { session_id: sessionId, seq: 0 } });
    expect((await back.reply('r')).type).toBe('resumed');
    await expect.poll(() => layout.holderOf(sessionId)).toBe(b.server.gateway.serverId);
    back.close(1000);
    await expect.poll(() => layout.holderOf(sessionId)).toBeNull();
  });

  it('closes the old connection when the holder still thinks it open, and refuses what it cannot replay', async () => {
    const a = await layout.instance();
    const b = await layout.instance();
    const bob = await b.joinRooms('bob', ['team']);
    const ann = await a.joinRooms('ann', ['team']);
    const sessionId = String(ann.all('ready')[0]?.payload.session_id);
    await say(bob, 'team', 'one', 'two');
    await nextMessages(ann, 2);
    const seq = lastSeq(ann);

    // Her first socket is still open on a: the handover closes it 4102, as a resume there would.
    const closed = ann.closed;
    const back = await b.connect();
    back.send({ type: 'resume', ref: 'r', payload: { session_id: sessionId, seq: seq - 1 } });
    expect((await back.reply('r')).payload).toMatchObject({ replayed: 1 });
    expect((await closed).code).toBe(4102);

    // A seq the session never reached: refused, and the session is over on b.
    await dropConnection(b, back);
    const again = await a.connect();
    again.send({ type: 'resume', ref: 'r', payload: { session_id: sessionId, seq: seq + 50 } });
    expect((await again.reply('r')).type).toBe('invalid_session');
    await expect.poll(() => b.server.gateway.stats().sessions).toBe(1);
  });

  it('refuses a session nobody holds, and another user’s token never moves one', async () => {
    // The token names the user, as an app's verifier would.
    const verifyToken = async (token: string) => ({ id: token });
    const a = await layout.instance({ verifyToken });
    const b = await layout.instance({ verifyToken });
    const gone = await b.connect();
    gone.send({ type: 'resume', ref: 'r', payload: { session_id: 'never-was', seq: 0, token: 'ann' } });
    expect((await gone.reply('r')).type).toBe('invalid_session');

    const { client: ann, ready } = await a.join({ token: 'ann' });
    const sessionId = String(ready.payload.session_id);
    await dropConnection(a, ann);
    const mallory = await b.connect();
    mallory.send({ type: 'resume', ref: 'r', payload: { session_id: sessionId, seq: 0, token: 'mallory' } });
    const refused = await mallory.reply('r');
    expect(refused.type).toBe('invalid_session');
    expect(String(refused.payload.reason)).toContain("token's user");
    expect(a.server.gateway.stats().sessions_detached).toBe(1);

    const back = await b.connect();
    back.send({ type: 'resume', ref: 'r', payload: { session_id: sessionId, seq: 0, token: 'ann' } });
    expect((await back.reply('r')).type).toBe('resumed');
    expect(a.server.gateway.stats().sessions).toBe(0);
  });
}

describe.skipIf(!redis.available)(redisSuiteTitle('handing a session over: one Redis, per-room streams', redis), () => {
  const suite = redisForSuite(redis);
  scenarios({
    title: 'one Redis',
    holderOf: (sessionId) => suite.commands().hget(`gw:session:${sessionId}`, 'holder'),
    async instance(extra = {}) {
      const url = suite.url();
      const backplane = new RedisBackplane({ url, eventsStream: false });
      await backplane.whenReady(5_000);
      const options: ServerOptions<[]> = {
        ...quiet,
        ...extra,
        backplane,
        sharedState: createRedisSharedState({ url }),
      };
      const t = await startTestServer(options);
      const close = t.server.close.bind(t.server);
      t.server.close = async () => {
        await close();
        backplane.close();
      };
      return t;
    },
  });
});

describe.skipIf(!redis.available)(
  redisSuiteTitle('handing a session over: a three-master Redis Cluster', redis),
  () => {
    const suite = redisClusterForSuite(redis);
    scenarios({
      title: 'Redis Cluster',
      holderOf: (sessionId) => suite.inspector().hget(`gw:session:${sessionId}`, 'holder'),
      instance: (extra = {}) => startTestServer({ ...quiet, ...extra, redisCluster: suite.servers().nodes }),
    });
  },
);
