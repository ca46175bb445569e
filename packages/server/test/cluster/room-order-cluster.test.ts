import { describe, expect, it } from 'vitest';
import { RedisBackplane } from '../../src/index';
import { Collector, message } from '../backplane/collector';
import { redisClusterForSuite } from '../helpers/redis-cluster';
import { redisAvailability, redisSuiteTitle } from '../helpers/redis-server';

const redis = redisAvailability();
const rooms = ['r0', 'r1', 'r2', 'r3'];
/** Per room: 40 bursts of 50 dispatches, each burst published on a later turn than the one before. */
const BURSTS = 40;
const PER_BURST = 50;

/** The `n` of a dispatch, from its frame body (which lacks its opening brace). */
function numberOf(body: string): number {
  return Number(JSON.parse(`{${body}`).payload.n);
}

/** The `n` of every chat.message `collector` got on the room's channel, in arrival order. */
function numbers(collector: Collector, room: string): number[] {
  return collector.received
    .filter(({ channel, message }) => channel === `room:${room}` && message.type === 'chat.message')
    .map(({ message }) => numberOf(message.body));
}

/**
 * One room's dispatches in one order everywhere, on a real three-master Redis Cluster: as the publishing
 * instance issued them, on another instance, and in the room's log. Both cases start from backplanes just
 * made (so `ok` must mean every master can be written to in order at once); the second one also empties
 * the masters' script caches (SCRIPT FLUSH) under dispatches in flight.
 */
describe.skipIf(!redis.available)(redisSuiteTitle('room order on a three-master Redis Cluster', redis), () => {
  const suite = redisClusterForSuite(redis);

  async function publishInBursts(flushScripts: (burst: number) => boolean): Promise<void> {
    const cluster = suite.servers();
    const inspector = suite.inspector();
    const sender = new RedisBackplane({ cluster: cluster.nodes });
    const other = new RedisBackplane({ cluster: cluster.nodes });
    try {
      expect(await Promise.all([sender.whenReady(5000), other.whenReady(5000)])).toEqual([true, true]);
      const here = new Collector();
      const there = new Collector();
      const node = sender.connect(here.listener, { serverId: 'gw-a' });
      const far = other.connect(there.listener, { serverId: 'gw-b' });
      for (const room of rooms) {
        node.subscribe(`room:${room}`);
        far.subscribe(`room:${room}`);
        // Its own publish waits for its subscription: heard back, the far instance hears the room.
        far.publish(`room:${room}`, message('hello'));
      }
      await there.until(() => there.types().filter((type) => type === 'hello').length === rooms.length, 'hellos');

      let n = 0;
      const flushes: Promise<unknown>[] = [];
      for (let burst = 0; burst < BURSTS; burst++) {
        for (let i = 0; i < PER_BURST; i++) {
          n++;
          for (const room of rooms) node.publish(`room:${room}`, message('chat.message', { n }, { log: true }));
        }
        if (flushScripts(burst)) flushes.push(...inspector.nodes('master').map((master) => master.script('FLUSH')));
        // The next burst goes out on a later turn, while this one's replies are coming in.
        await new Promise((resolve) => setImmediate(resolve));
      }
      await Promise.all(flushes);
      const sent = Array.from({ length: n }, (_, i) => i + 1);
      const counts = (collector: Collector) => rooms.map((room) => numbers(collector, room).length);
      const arrived = (collector: Collector) =>
        collector
          .until(() => counts(collector).every((count) => count >= n), 'every dispatch', 15_000)
          .catch(() => {
            throw new Error(`not every dispatch arrived: ${counts(collector).join(', ')} of ${n} per room`);
          });
      await Promise.all([arrived(here), arrived(there)]);
      for (const room of rooms) {
        expect(numbers(here, room)).toEqual(sent);
        expect(numbers(there, room)).toEqual(sent);
        // The log keeps the newest dispatches (it is capped), fields `t` and `m` (the wire message).
        const log = await inspector.xrange(`gw:{room:${room}}:log`, '-', '+');
        const logged = log.map(([, fields]) => numberOf(JSON.parse(fields[3] ?? '{}').body));
        expect(logged.length).toBeGreaterThan(0);
        expect(logged).toEqual(sent.slice(-logged.length));
      }
    } finally {
      await Promise.all([sender.close(), other.close()]);
    }
  }

  // ioredis links a master on its first command; a command for a master whose link is still connecting was
  // tried again later through another master's MOVED reply, behind the dispatches issued after it.
  it('keeps each room in publish order from the first dispatch, on every instance and in its log', async () => {
    await publishInBursts(() => false);
  }, 60_000);

  // Dispatches already written fail NOSCRIPT; ioredis's EVALSHA fallback sent each again as it heard its
  // error, behind dispatches written since (which found the script its first retry had loaded).
  it('keeps each room in publish order while the masters flush their script caches', async () => {
    await publishInBursts((burst) => burst % 2 === 1);
  }, 60_000);
});
