import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../helpers/manual-clock';
import {
  type RedisServer,
  redisAvailability,
  redisSuiteTitle,
  startRedisServer,
  stopRedisServers,
} from '../helpers/redis-server';
import { request, settle } from '../helpers/requests';
import { dropConnection, lastSeq, resume } from '../helpers/resume';
import { startTestServer } from '../helpers/server';
import { dispatches } from '../helpers/session-records';
import { TcpRelay } from '../helpers/tcp-relay';

const redis = redisAvailability();
let server: RedisServer | undefined;
let relay: TcpRelay | undefined;

beforeAll(async () => {
  if (redis.available) server = await startRedisServer();
});

// After the gateways (closed after each test by helpers/server.ts), which must still reach Redis to stop.
afterAll(async () => {
  await relay?.close();
  await stopRedisServers();
});

/**
 * An instance that gets a resume soon after its backplane recovered from a break, before any sweep has looked
 * at the backplane since: the rebuild must judge only whether the backplane broke while it ran. (It used to
 * take the old break for one during the rebuild, and refuse with "Redis is unreachable" while Redis was fine.)
 * The manual clock never moves here, so no sweep runs at all.
 */
describe.skipIf(!redis.available)(redisSuiteTitle('resume on any instance: right after a recovery', redis), () => {
  it('rebuilds on B when B recovered from a lost subscriber connection before any sweep ran', async () => {
    if (server === undefined) throw new Error('no redis-server');
    relay = await TcpRelay.start(server.port);
    const clock = new ManualClock();
    const common = { redisPrefix: 'rr:', clock, heartbeatIntervalMs: 3_600_000 };
    const a = await startTestServer({ ...common, redisUrl: server.url });
    // B reaches Redis through the relay, so the test can cut its connections and only B's.
    const b = await startTestServer({ ...common, redisUrl: `redis://127.0.0.1:${relay.port}` });

    const { client: alice, ready } = await a.join({ user_id: 'alice', display_name: 'alice' });
    const sessionId: string = ready.payload.session_id;
    await request(alice, 'subscribe', { room_ids: ['r'] });
    const bob = await b.joinRooms('bob', ['r']);
    await settle(bob, 'r', [alice, bob]);
    const seq = lastSeq(alice);
    await dropConnection(a, alice);
    await request(bob, 'chat.send', { room_id: 'r', client_msg_id: 'missed', content: 'missed' });
    await settle(bob, 'r', [bob]);

    // B's subscriber connection dies; B degrades, reconnects by itself and is ok again.
    const link = relay.find('gateway-backplane-subscriber');
    expect(link).toBeDefined();
    link?.sever();
    await expect
      .poll(() => b.server.gateway.stats().backplane, { timeout: 10_000, interval: 20 })
      .toMatchObject({ state: 'ok', recoveries: 1 });

    const { client: again, answer } = await resume(b, { session_id: sessionId, seq });
    expect(answer).toMatchObject({ type: 'resumed', payload: { session_id: sessionId } });
    const missed = dispatches(again);
    expect(missed.map((frame) => frame.seq)).toEqual(missed.map((_, i) => seq + i + 1));
    expect(missed.filter((frame) => frame.type === 'chat.message').map((frame) => frame.payload.content)).toEqual([
      'missed',
      expect.stringMatching(/^settle-/),
    ]);
    expect(b.server.gateway.stats()).toMatchObject({ resumes_ok: 1, resumes_refused: 0, sessions_moved_in: 1 });
  });
});
