import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisBackplane } from '../../src/index';
import {
  type RedisServer,
  redisAvailability,
  redisSuiteTitle,
  startRedisServer,
  stopRedisServers,
} from '../helpers/redis-server';
import { TcpRelay } from '../helpers/tcp-relay';
import { Collector, message } from './collector';

const redis = redisAvailability();

/**
 * An instance hears its own publishes only through their echo on its subscriber connection. These tests take
 * that echo away at the worst moments (after Redis ran the publish, before the echo arrived) and check the
 * instance's own listeners still get every message exactly once, in order.
 */
describe.skipIf(!redis.available)(redisSuiteTitle('RedisBackplane: echoes lost with a connection', redis), () => {
  let server: RedisServer;
  let inspector: Redis;
  let relay: TcpRelay;
  let backplane: RedisBackplane;
  let prefixes = 0;

  beforeAll(async () => {
    server = await startRedisServer();
    inspector = new Redis(server.url, { maxRetriesPerRequest: 0 });
  });

  afterEach(async () => {
    await backplane.close();
    await relay.close();
  });

  afterAll(async () => {
    inspector.disconnect();
    await stopRedisServers();
  });

  async function openThroughRelay(): Promise<{ collector: Collector; publish: (n: number) => void }> {
    relay = await TcpRelay.start(server.port);
    backplane = new RedisBackplane({
      url: `redis://127.0.0.1:${relay.port}`,
      prefix: `echo${++prefixes}:`,
      maxReconnectDelayMs: 100,
      echoWaitMs: 100,
    });
    expect(await backplane.whenReady(3000)).toBe(true);
    const collector = new Collector();
    const node = backplane.connect(collector.listener, { serverId: 'gw-echo' });
    node.subscribe('room:r1');
    const publish = (n: number) =>
      node.publish(
        'room:r1',
        message(n % 3 === 0 ? 'typing.start' : 'chat.message', { n }, { sequenced: n % 3 !== 0 }),
      );
    publish(0);
    await collector.until(() => collector.received.length === 1, 'the first echo');
    return { collector, publish };
  }

  const numbers = (collector: Collector) =>
    collector.received.map((entry) => (JSON.parse(`{${entry.message.body}`) as { payload: { n: number } }).payload.n);

  it('delivers locally, once and in order, what Redis ran but the dying subscriber connection never carried back', async () => {
    const { collector, publish } = await openThroughRelay();
    const subscriberLink = relay.find('gateway-backplane-subscriber');
    expect(subscriberLink).toBeDefined();
    subscriberLink?.freeze();
    for (let n = 1; n <= 5; n++) publish(n);
    // Redis ran all five (the last one, sequenced, is in the stream; commands run in order) and answered
    // them, while their echoes sit frozen in the relay.
    await expect.poll(() => inspector.xlen(backplane.streamKey ?? '')).toBe(4);
    expect(numbers(collector)).toEqual([0]);

    subscriberLink?.sever();
    await collector.until(() => collector.received.length === 6, 'the five unechoed messages');
    expect(numbers(collector)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(backplane.status()).toMatchObject({ delivered_locally: 5, publish_failures: 0 });

    // Back on a new subscriber connection: fan-out through Redis again, and nothing old comes twice.
    expect(await backplane.whenReady(3000)).toBe(true);
    publish(7);
    await collector.until(() => collector.received.length === 7, 'the message after recovery');
    expect(numbers(collector)).toEqual([0, 1, 2, 3, 4, 5, 7]);
    expect(collector.received.at(-1)?.message.position).toMatch(/^\d+-\d+$/);
  });

  it('delivers locally, in order, publishes whose command connection broke, and drops their late echoes', async () => {
    const { collector, publish } = await openThroughRelay();
    const subscriberLink = relay.find('gateway-backplane-subscriber');
    const commandLink = relay.find('gateway-backplane\r');
    expect(subscriberLink).toBeDefined();
    expect(commandLink).toBeDefined();
    subscriberLink?.freeze();
    commandLink?.freeze();
    publish(1);
    publish(2);
    // Redis ran both (they are in the stream), but their replies and echoes are held.
    await expect.poll(() => inspector.xlen(backplane.streamKey ?? '')).toBe(2);
    // The command connection goes and cannot come back yet; the subscriber connection stays.
    relay.refuseNew = true;
    commandLink?.sever();
    // Degraded now (the command connection is gone): a new message goes to local sessions, but only after the
    // two still waiting for their echo, so local order stays the publish order.
    await expect.poll(() => backplane.status().state).toBe('degraded');
    publish(3);
    await collector.until(() => collector.received.length === 4, 'the three publishes, delivered locally');
    expect(numbers(collector)).toEqual([0, 1, 2, 3]);
    expect(backplane.status()).toMatchObject({ publish_failures: 2, delivered_locally: 3 });

    // The held echoes now arrive on the still-open subscriber connection: dropped, not delivered again.
    relay.refuseNew = false;
    subscriberLink?.thaw();
    expect(await backplane.whenReady(3000)).toBe(true);
    publish(4);
    await collector.until(() => collector.received.length === 5, 'the next message');
    expect(numbers(collector)).toEqual([0, 1, 2, 3, 4]);
  });
});
