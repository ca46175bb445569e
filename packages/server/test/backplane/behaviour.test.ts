import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Backplane, InMemoryBackplane, RedisBackplane } from '../../src/index';
import {
  type RedisServer,
  redisAvailability,
  redisSuiteTitle,
  startRedisServer,
  stopRedisServers,
} from '../helpers/redis-server';
import { Collector, message } from './collector';

/**
 * What every backplane must do, run against each implementation (as graphql-ws runs one suite over its
 * server adapters). "Two instances" are two backplane objects on one Redis, or one shared in-memory one.
 */
interface Implementation {
  title: string;
  available: boolean;
  /** Two backplanes that reach each other, as two gateway processes would hold. */
  pair(): Promise<[Backplane, Backplane]>;
}

const redis = redisAvailability();
let server: RedisServer | undefined;
const opened: RedisBackplane[] = [];
let prefixes = 0;

beforeAll(async () => {
  if (redis.available) server = await startRedisServer();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((backplane) => backplane.close()));
});

afterAll(async () => {
  await stopRedisServers();
});

async function redisBackplane(prefix: string): Promise<RedisBackplane> {
  if (server === undefined) throw new Error('redis-server did not start');
  const backplane = new RedisBackplane({ url: server.url, prefix, maxReconnectDelayMs: 200 });
  opened.push(backplane);
  if (!(await backplane.whenReady(3000))) throw new Error('the Redis backplane did not get ready');
  return backplane;
}

const implementations: Implementation[] = [
  {
    title: 'in-memory',
    available: true,
    async pair() {
      const shared = new InMemoryBackplane();
      return [shared, shared];
    },
  },
  {
    title: redisSuiteTitle('redis', redis),
    available: redis.available,
    async pair() {
      // A prefix per test: nothing one test publishes can reach the next.
      const prefix = `behaviour${++prefixes}:`;
      return [await redisBackplane(prefix), await redisBackplane(prefix)];
    },
  },
];

for (const implementation of implementations) {
  describe.skipIf(!implementation.available)(`backplane behaviour: ${implementation.title}`, () => {
    it('delivers a publish to every node on the channel, the publisher included, with the message intact', async () => {
      const [one, two] = await implementation.pair();
      const a = new Collector();
      const b = new Collector();
      const nodeA = one.connect(a.listener, { serverId: 'gw-a' });
      const nodeB = two.connect(b.listener, { serverId: 'gw-b' });
      for (const node of [nodeA, nodeB]) {
        node.subscribe('room:r1');
        node.subscribe('user:u1');
        node.subscribe('all');
      }
      const sent = message('chat.message', { content: 'héllo "quoted" \u2028' }, { exclude: { users: ['u9'] } });
      nodeA.publish('room:r1', sent);
      nodeB.publish('user:u1', message('presence.update', {}, { sequenced: false }));
      nodeA.publish('all', message('presence.join', {}, { exclude: { sessions: ['s1'], users: [] } }));
      for (const collector of [a, b]) await collector.until(() => collector.received.length === 3, 'three messages');

      for (const collector of [a, b]) {
        const byChannel = new Map(collector.received.map((entry) => [entry.channel, entry.message]));
        expect(byChannel.get('room:r1')).toMatchObject(sent);
        expect(byChannel.get('user:u1')).toMatchObject({ type: 'presence.update', sequenced: false });
        expect(byChannel.get('all')).toMatchObject({ exclude: { sessions: ['s1'], users: [] } });
        expect(JSON.parse(`{${byChannel.get('room:r1')?.body}`)).toEqual({
          type: 'chat.message',
          payload: { content: 'héllo "quoted" \u2028' },
        });
      }
    });

    it('gives a node nothing of a channel it did not subscribe to', async () => {
      const [one, two] = await implementation.pair();
      const listener = new Collector();
      const publisher = one.connect(() => {});
      const node = two.connect(listener.listener);
      node.subscribe('room:mine');
      publisher.publish('room:other', message('not.for.me'));
      publisher.publish('user:someone', message('not.for.me.either'));
      // Published after the others by the same node: once it is here, they would have been too.
      publisher.publish('room:mine', message('marker'));
      await listener.receive('marker');
      expect(listener.types()).toEqual(['marker']);
    });

    it('hears its own publish on a channel it has only just subscribed to', async () => {
      const [one] = await implementation.pair();
      const listener = new Collector();
      const node = one.connect(listener.listener);
      node.subscribe('room:fresh');
      node.publish('room:fresh', message('first'));
      await listener.receive('first');
    });

    it('stops delivering after unsubscribe; subscribing twice is still one subscription', async () => {
      const [one, two] = await implementation.pair();
      const listener = new Collector();
      const publisher = one.connect(() => {});
      const node = two.connect(listener.listener);
      node.subscribe('room:r1');
      node.subscribe('room:r1');
      node.subscribe('room:marker');
      publisher.publish('room:r1', message('before'));
      await listener.receive('before');
      node.unsubscribe('room:r1');
      publisher.publish('room:r1', message('after'));
      publisher.publish('room:marker', message('marker'));
      await listener.receive('marker');
      expect(listener.types()).toEqual(['before', 'marker']);
    });

    it('keeps a channel for the nodes still on it when another node leaves or closes', async () => {
      const [one] = await implementation.pair();
      const stays = new Collector();
      const leaves = new Collector();
      const closes = new Collector();
      const staying = one.connect(stays.listener);
      const leaving = one.connect(leaves.listener);
      const closing = one.connect(closes.listener);
      for (const node of [staying, leaving, closing]) node.subscribe('room:shared');
      leaving.unsubscribe('room:shared');
      closing.close();
      staying.publish('room:shared', message('still here'));
      await stays.receive('still here');
      expect(leaves.received).toEqual([]);
      expect(closes.received).toEqual([]);
      // A closed node's publishes go nowhere, and it subscribes to nothing any more.
      closing.subscribe('room:shared');
      closing.publish('room:shared', message('from the grave'));
      staying.publish('room:shared', message('marker'));
      await stays.receive('marker');
      expect(stays.types()).toEqual(['still here', 'marker']);
      expect(closes.received).toEqual([]);
    });

    it('shows every node one order of a channel, whoever published, sequenced or not', async () => {
      const [one, two] = await implementation.pair();
      const a = new Collector();
      const b = new Collector();
      const nodeA = one.connect(a.listener);
      const nodeB = two.connect(b.listener);
      nodeA.subscribe('room:busy');
      nodeB.subscribe('room:busy');
      // Make sure both subscriptions are live before the burst.
      nodeA.publish('room:busy', message('warm-up'));
      await Promise.all([a.receive('warm-up'), b.receive('warm-up')]);
      const count = 100;
      for (let i = 0; i < count; i++) {
        nodeA.publish('room:busy', message(`a${i}`, {}, { sequenced: i % 3 !== 0 }));
        nodeB.publish('room:busy', message(`b${i}`, {}, { sequenced: i % 4 !== 0 }));
      }
      const total = 2 * count + 1;
      await Promise.all([a, b].map((c) => c.until(() => c.received.length === total, 'the whole burst')));
      expect(a.types()).toEqual(b.types());
      // Each publisher's own messages keep the order it published them in.
      const from = (prefix: string) => a.types().filter((type) => type.startsWith(prefix));
      expect(from('a')).toEqual(Array.from({ length: count }, (_, i) => `a${i}`));
      expect(from('b')).toEqual(Array.from({ length: count }, (_, i) => `b${i}`));
    });

    it('reports its status: ok, its kind and the channels this node receives', async () => {
      const [one] = await implementation.pair();
      const node = one.connect(() => {});
      node.subscribe('room:r1');
      node.subscribe('user:u1');
      const status = node.status();
      expect(status).toMatchObject({ state: 'ok', channels: 2, since: expect.any(Number) });
      expect(status.kind).toBe(implementation.title.startsWith('redis') ? 'redis' : 'memory');
      expect(status.detail).toBeUndefined();
      expect(status.since).toBeLessThanOrEqual(Date.now());
    });
  });
}

describe('in-memory backplane delivery', () => {
  it('finishes a delivery to everyone subscribed when it started, though one leaves meanwhile', () => {
    const backplane = new InMemoryBackplane();
    const second = new Collector();
    const secondNode = backplane.connect(second.listener);
    const firstNode = backplane.connect((_channel, received) => {
      // A connection closing inside a delivery: the listener after it must still get this message.
      if (received.type === 'first') secondNode.unsubscribe('room:r');
    });
    firstNode.subscribe('room:r');
    secondNode.subscribe('room:r');
    firstNode.publish('room:r', message('first'));
    firstNode.publish('room:r', message('second'));
    expect(second.types()).toEqual(['first']);
  });
});
