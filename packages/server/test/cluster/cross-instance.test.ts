import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextEvent, readyClient, record, until } from '../e2e/helpers';
import { type GatewayInstance, startInstance, stopInstances } from '../helpers/instances';
import { type RedisClusterServers, startRedisCluster } from '../helpers/redis-cluster';
import { redisAvailability, redisSuiteTitle, startRedisServer, stopRedisServers } from '../helpers/redis-server';

const redis = redisAvailability();

/** Where the two instances meet, and how to count the subscribers of a room's channel there. */
interface Meeting {
  readonly env: Record<string, string>;
  subscribers(room: string): Promise<number>;
  close(): Promise<void>;
}

async function onOneServer(): Promise<Meeting> {
  const server = await startRedisServer();
  const inspector = new Redis(server.url, { maxRetriesPerRequest: 0 });
  inspector.on('error', () => {});
  return {
    env: { REDIS_URL: server.url },
    subscribers: async (room) => Number(((await inspector.pubsub('NUMSUB', `gw:room:${room}`)) as [string, number])[1]),
    async close() {
      inspector.disconnect();
      await stopRedisServers();
    },
  };
}

async function onCluster(): Promise<Meeting> {
  const cluster: RedisClusterServers = await startRedisCluster();
  const inspector = cluster.client();
  return {
    env: { REDIS_CLUSTER: cluster.nodes.join(',') },
    // A sharded channel lives on its slot's master only: ask them all.
    async subscribers(room) {
      let count = 0;
      for (const master of inspector.nodes('master')) {
        const reply = (await master.call('PUBSUB', 'SHARDNUMSUB', `gw:{room:${room}}`)) as [string, number];
        count += Number(reply[1]);
      }
      return count;
    },
    close: () => cluster.stop(),
  };
}

/**
 * Two gateway processes on one Redis, and on a three-master Redis Cluster (sharded channels, per-room logs);
 * real clients (dev mode) on each.
 */
describe.skipIf(!redis.available).each([
  { title: redisSuiteTitle('cluster: two instances on Redis', redis), meet: onOneServer },
  { title: redisSuiteTitle('cluster: two instances on a three-master Redis Cluster', redis), meet: onCluster },
])('$title', ({ meet }) => {
  let meeting: Meeting;
  let a: GatewayInstance;
  let b: GatewayInstance;

  beforeAll(async () => {
    meeting = await meet();
    [a, b] = await Promise.all([startInstance(meeting.env), startInstance(meeting.env)]);
  }, 40_000);

  afterAll(async () => {
    await stopInstances();
    await meeting?.close();
  });

  it('runs each instance on the Redis backplane', async () => {
    for (const instance of [a, b]) {
      expect(await instance.get('/health')).toMatchObject({ status: 'ok' });
      expect((await instance.get('/stats')).backplane).toMatchObject({ kind: 'redis', state: 'ok' });
    }
  });

  it('carries chat between clients on different instances, in one order everywhere', async () => {
    const alice = await readyClient(a, 'alice', { rooms: ['chat-1'] });
    const bob = await readyClient(b, 'bob', { rooms: ['chat-1'] });
    const atAlice = record(alice, 'chat.message');
    const atBob = record(bob, 'chat.message');

    const bobGot = nextEvent(bob, 'chat.message');
    const ack = await alice.sendMessage('chat-1', 'hello from A');
    const message = await bobGot;
    expect(message).toMatchObject({ message_id: ack.message_id, sender_id: 'alice', content: 'hello from A' });
    const aliceGot = nextEvent(alice, 'chat.message', (m) => m.sender_id === 'bob');
    await bob.sendMessage('chat-1', 'hello from B');
    expect(await aliceGot).toMatchObject({ sender_id: 'bob', content: 'hello from B' });

    // Both talk at once: each instance hears the room through its one subscriber connection, so both
    // clients see the same interleaving (and each sees its own messages, too).
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < 10; i++) {
      sends.push(alice.sendMessage('chat-1', `a${i}`), bob.sendMessage('chat-1', `b${i}`));
    }
    await Promise.all(sends);
    await until(alice, 'chat.message', () => atAlice.length === 22);
    await until(bob, 'chat.message', () => atBob.length === 22);
    expect(atAlice.map((m) => m.message_id)).toEqual(atBob.map((m) => m.message_id));
    expect(new Set(atAlice.map((m) => m.message_id)).size).toBe(22);
  });

  it('shows typing across instances to everyone but the typist, on any of its devices', async () => {
    const alice = await readyClient(a, 'alice', { rooms: ['typing-1'] });
    const aliceElsewhere = await readyClient(b, 'alice', { rooms: ['typing-1'], deviceId: 'phone' });
    const bob = await readyClient(b, 'bob', { rooms: ['typing-1'] });
    const ownDevice = record(aliceElsewhere, 'typing.start');

    const started = nextEvent(bob, 'typing.start');
    alice.startTyping('typing-1');
    expect(await started).toMatchObject({ room_id: 'typing-1', user_id: 'alice' });
    expect(bob.typing.inRoom('typing-1')).toEqual(['alice']);

    const stopped = nextEvent(bob, 'typing.stop');
    alice.stopTyping('typing-1');
    expect(await stopped).toMatchObject({ room_id: 'typing-1', user_id: 'alice' });
    // The same instance carries bob's and alice's phone: had typing.start reached the phone, it would
    // have come before the stop bob just saw.
    expect(ownDevice).toEqual([]);
  });

  it('keeps rooms apart across instances, and subscribes an instance only to rooms its clients are in', async () => {
    const dave = await readyClient(a, 'dave', { rooms: ['iso-1'] });
    const erin = await readyClient(b, 'erin', { rooms: ['iso-2'] });
    const atErin = record(erin, 'chat.message');
    const subscribers = (room: string) => meeting.subscribers(room);
    expect(await subscribers('iso-1')).toBe(1);
    expect(await subscribers('iso-2')).toBe(1);

    await dave.sendMessage('iso-1', 'not for erin');
    await dave.subscribe('iso-2');
    const erinGot = nextEvent(erin, 'chat.message');
    await dave.sendMessage('iso-2', 'for erin');
    expect(await erinGot).toMatchObject({ room_id: 'iso-2', content: 'for erin' });
    expect(atErin.map((m) => m.content)).toEqual(['for erin']);
    expect(await subscribers('iso-2')).toBe(2);

    // The last client in the room leaves its instance: the instance drops the channel.
    await dave.unsubscribe('iso-1');
    await expect.poll(() => subscribers('iso-1'), { timeout: 2000 }).toBe(0);
  });
});
