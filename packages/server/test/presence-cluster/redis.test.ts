import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayInstance, startInstance, stopInstances } from '../helpers/instances';
import { redisAvailability, redisSuiteTitle, startRedisServer, stopRedisServers } from '../helpers/redis-server';
import {
  changeMatching,
  closeClients,
  devicesOnBothInstances,
  identify,
  roomPresenceOnce,
  roomUntil,
  snapshotsSeeOtherInstance,
  subscribe,
} from './scenarios';

const redis = redisAvailability();
/** Short, so a killed instance's users leave quickly; refreshed every third of it. */
const TTL_MS = 1500;

afterEach(() => closeClients());

/** Gateway processes on one Redis; raw WebSocket clients on each. */
describe.skipIf(!redis.available)(redisSuiteTitle('presence across instances on Redis', redis), () => {
  let env: Record<string, string>;
  let a: GatewayInstance;
  let b: GatewayInstance;

  beforeAll(async () => {
    const server = await startRedisServer();
    env = { REDIS_URL: server.url, PRESENCE_TTL_MS: String(TTL_MS), GLOBAL_PRESENCE: '1' };
    [a, b] = await Promise.all([startInstance(env), startInstance(env)]);
  }, 30_000);

  afterAll(async () => {
    await stopInstances();
    await stopRedisServers();
  });

  // First: it checks a whole ready.presence list, so no other test's users may be around yet.
  it('a user with devices on both instances joins once, updates on the second device, leaves after both', async () => {
    await devicesOnBothInstances(a, b);
  });

  it('sends a room’s joins and leaves once across instances and counts members on every instance', async () => {
    await roomPresenceOnce(a, b, 'redis-room-x');
  });

  it('ready.presence and subscribed.members include users on the other instance', async () => {
    await snapshotsSeeOtherInstance(a, b, 'redis-room-z');
  });

  it('a late instance starts from the snapshot; a SIGKILLed instance’s users leave within the TTL', async () => {
    const { client: watcher } = await identify(a, 'watcher');
    await subscribe(watcher, 'boot');
    const { client: carol } = await identify(a, 'carol');
    await subscribe(carol, 'boot');
    const { client: dave } = await identify(b, 'dave', { presence: { status: 'idle' } });
    await subscribe(dave, 'boot');
    await changeMatching(watcher, 'joined', 'dave', 'boot');

    // Bootstrap: C subscribes, loads the hashes, then applies what it heard meanwhile.
    const c = await startInstance(env);
    const booted = await roomUntil(c, 'boot', (s) => s.online_users.length === 3);
    expect(booted.online_users.sort()).toEqual(['carol', 'dave', 'watcher']);
    expect(booted.connection_count).toBe(3);
    const { ready } = await identify(c, 'erin');
    const seen = ready.payload.presence.map((entry: { user_id: string }) => entry.user_id);
    expect(seen).toEqual(expect.arrayContaining(['carol', 'dave', 'watcher', 'erin']));
    expect(ready.payload.presence.find((e: { user_id: string }) => e.user_id === 'dave')).toMatchObject({
      status: 'idle',
    });

    // B dies without a word: its liveness key expires and a sweeper takes dave down for it.
    const killedAt = Date.now();
    await b.stop('SIGKILL');
    const bound = TTL_MS + TTL_MS / 3 + 2000;
    const roomLeave = await changeMatching(watcher, 'left', 'dave', 'boot', undefined, bound);
    expect(roomLeave.frame.payload.count).toBe(2);
    await changeMatching(watcher, 'left', 'dave', undefined, undefined, bound);
    expect(Date.now() - killedAt).toBeLessThan(bound);
    await watcher.barrier();
    // Announced once, by whichever instance held the sweeper's lock: once in the room, once to everyone.
    const leaves = watcher.changes().filter((change) => change.kind === 'left' && change.userId === 'dave');
    expect(leaves.map((change) => change.roomId)).toEqual(['boot', undefined]);
    for (const at of [a, c]) {
      const status = await roomUntil(at, 'boot', (s) => !s.online_users.includes('dave'));
      expect(status.online_users.sort()).toEqual(['carol', 'watcher']);
    }
  }, 30_000);
});
