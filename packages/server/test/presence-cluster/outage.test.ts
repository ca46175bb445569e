import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayInstance, healthBecomes, startInstance, stopInstances } from '../helpers/instances';
import {
  type RedisServer,
  redisAvailability,
  redisSuiteTitle,
  startRedisServer,
  stopRedisServers,
} from '../helpers/redis-server';
import { changeMatching, closeClients, identify, roomAbout, roomUntil, subscribe } from './scenarios';

const redis = redisAvailability();
/** Short, so sweeps (every third of it) would run, and flap, during the test if they were wrong to. */
const TTL_MS = 1500;

afterEach(() => closeClients());

/**
 * While Redis is down each instance's presence changes reach only its own clients. When it is back, every
 * instance must learn what the others changed meanwhile and tell its own clients, once; and a restarted
 * Redis, which lost every liveness key, must not make instances take each other's live users for dead.
 */
describe.skipIf(!redis.available)(redisSuiteTitle('presence across instances: a Redis outage', redis), () => {
  let server: RedisServer;
  let a: GatewayInstance;
  let b: GatewayInstance;

  beforeAll(async () => {
    server = await startRedisServer();
    const env = { REDIS_URL: server.url, PRESENCE_TTL_MS: String(TTL_MS) };
    [a, b] = await Promise.all([startInstance(env), startInstance(env)]);
  }, 30_000);

  afterAll(async () => {
    await stopInstances();
    await stopRedisServers();
  });

  it('resynchronises both tables after Redis restarts and announces what each side missed, once', async () => {
    const { client: alice } = await identify(a, 'alice');
    await subscribe(alice, 'out');
    const { client: bob } = await identify(b, 'bob');
    await subscribe(bob, 'out');
    await changeMatching(alice, 'joined', 'bob', 'out');

    await server.kill();
    await Promise.all([healthBecomes(a, 'degraded'), healthBecomes(b, 'degraded')]);
    // Changes on each side while the instances cannot hear each other.
    const { client: carol } = await identify(a, 'carol');
    await subscribe(carol, 'out');
    const { client: dave } = await identify(b, 'dave');
    await subscribe(dave, 'out');
    bob.close(1000);
    await roomUntil(b, 'out', (s) => s.online_users.includes('dave') && !s.online_users.includes('bob'));
    await roomUntil(a, 'out', (s) => s.online_users.includes('carol'));
    // Each side still believes its stale view of the other.
    expect((await roomUntil(a, 'out', () => true)).online_users.sort()).toEqual(['alice', 'bob', 'carol']);

    await server.restart();
    await Promise.all([healthBecomes(a, 'ok'), healthBecomes(b, 'ok')]);

    // A's client hears what B changed; B's client hears what A changed.
    await changeMatching(alice, 'left', 'bob', 'out');
    await changeMatching(alice, 'joined', 'dave', 'out');
    const carolToDave = await changeMatching(dave, 'joined', 'carol', 'out');
    // B's count after the sync: alice, carol and dave.
    expect(carolToDave.frame.payload.count).toBe(3);
    for (const at of [a, b]) {
      const status = await roomUntil(at, 'out', (s) => s.online_users.length === 3 && s.connection_count === 3);
      expect(status.online_users.sort()).toEqual(['alice', 'carol', 'dave']);
    }

    // Two sweep periods and more past the TTL: a sweep that took a live instance for dead would flap by now.
    await roomUntil(a, 'out', () => false, TTL_MS * 2);
    await Promise.all([alice.barrier(), carol.barrier(), dave.barrier()]);
    expect(roomAbout(alice, 'out', 'bob')).toEqual(['joined', 'left']);
    expect(roomAbout(alice, 'out', 'dave')).toEqual(['joined']);
    expect(roomAbout(alice, 'out', 'carol')).toEqual(['joined']);
    expect(roomAbout(carol, 'out', 'dave')).toEqual(['joined']);
    expect(roomAbout(carol, 'out', 'bob')).toEqual(['left']);
    expect(roomAbout(dave, 'out', 'carol')).toEqual(['joined']);
    expect(roomAbout(dave, 'out', 'alice')).toEqual([]);
    for (const at of [a, b]) {
      expect((await roomUntil(at, 'out', () => true)).online_users.sort()).toEqual(['alice', 'carol', 'dave']);
    }
  }, 30_000);
});
