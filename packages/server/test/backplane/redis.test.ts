import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisBackplane, type RedisBackplaneOptions } from '../../src/index';
import {
  freePort,
  type RedisServer,
  redisAvailability,
  redisSuiteTitle,
  startRedisServer,
  stopRedisServers,
} from '../helpers/redis-server';
import { Collector, message } from './collector';

const redis = redisAvailability();

describe.skipIf(!redis.available)(redisSuiteTitle('RedisBackplane', redis), () => {
  let server: RedisServer;
  let inspector: Redis;
  const opened: RedisBackplane[] = [];
  let prefixes = 0;

  beforeAll(async () => {
    server = await startRedisServer();
    inspector = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => 50 });
    inspector.on('error', () => {});
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((backplane) => backplane.close()));
  });

  afterAll(async () => {
    inspector?.disconnect();
    await stopRedisServers();
  });

  function open(options: RedisBackplaneOptions = {}): RedisBackplane {
    const backplane = new RedisBackplane({
      url: server.url,
      prefix: `t${++prefixes}:`,
      maxReconnectDelayMs: 100,
      ...options,
    });
    opened.push(backplane);
    return backplane;
  }

  async function ready(options: RedisBackplaneOptions = {}): Promise<RedisBackplane> {
    const backplane = open(options);
    expect(await backplane.whenReady(3000)).toBe(true);
    return backplane;
  }

  async function numsub(channel: string): Promise<number> {
    const reply = (await inspector.pubsub('NUMSUB', channel)) as [string, number];
    return Number(reply[1]);
  }

  it('records sequenced messages in the events stream and hands their stream id to listeners as position', async () => {
    const backplane = await ready();
    const listener = new Collector();
    const node = backplane.connect(listener.listener, { serverId: 'gw-one' });
    node.subscribe('room:r1');
    node.publish('room:r1', message('chat.message', { n: 1 }));
    node.publish('room:r1', message('typing.start', {}, { sequenced: false }));
    node.publish('room:r1', message('chat.message', { n: 2 }));
    await listener.until(() => listener.received.length === 3, 'three messages');

    const [first, typing, second] = listener.received.map((entry) => entry.message);
    expect(first).toMatchObject({
      type: 'chat.message',
      origin: 'gw-one',
      position: expect.stringMatching(/^\d+-\d+$/),
    });
    expect(typing?.position).toBeUndefined();
    expect(typing?.origin).toBe('gw-one');
    const stream = await inspector.xrange(backplane.streamKey ?? '', '-', '+');
    // Only the sequenced ones, in order, under their positions, with the channel and the wire message.
    expect(stream.map(([id]) => id)).toEqual([first?.position, second?.position]);
    const [id, fields] = stream[0] ?? ['', []];
    expect(id).toBe(first?.position);
    expect(fields[0]).toBe('channel');
    expect(fields[1]).toBe('room:r1');
    expect(fields[2]).toBe('message');
    expect(JSON.parse(fields[3] ?? '')).toEqual({
      v: 1,
      type: 'chat.message',
      body: first?.body,
      sequenced: true,
      origin: 'gw-one',
      // The publisher's own echo id: this instance receives the channel.
      echo: expect.stringMatching(/^[0-9a-f]{8}\.1$/),
    });
  });

  it('keeps no events stream when told, numbering room dispatches in their own keys alone', async () => {
    const backplane = await ready({ eventsStream: false });
    expect(backplane.streamKey).toBeUndefined();
    const listener = new Collector();
    const node = backplane.connect(listener.listener, { serverId: 'gw-one' });
    node.subscribe('room:r1');
    node.publish('room:r1', message('chat.message', { n: 1 }, { log: true, once: { key: 'm1', ttlMs: 60_000 } }));
    node.publish('room:r1', message('chat.message', { n: 2 }, { log: true }));
    await listener.until(() => listener.received.length === 2, 'two messages');
    expect(listener.received.map((entry) => entry.message.logged?.offset)).toEqual([1, 2]);
    expect(listener.received.map((entry) => entry.message.position)).toEqual([undefined, undefined]);
    const prefix = backplane.prefix;
    expect(await inspector.exists(`${prefix}events`)).toBe(0);
    expect(await inspector.xlen(`${prefix}{room:r1}:log`)).toBe(2);
    // The once-key sits beside its channel, so a cluster finds it in the channel's slot.
    expect(await inspector.exists(`${prefix}{room:r1}:once:m1`)).toBe(1);
  });

  it('keeps no room logs when told: nothing but the events stream is written', async () => {
    const backplane = await ready({ roomLogs: false });
    expect(backplane.logs).toBeUndefined();
    const listener = new Collector();
    const node = backplane.connect(listener.listener, { serverId: 'gw-one' });
    node.subscribe('room:r1');
    node.publish('room:r1', message('chat.message', { n: 1 }, { log: true }));
    await listener.until(() => listener.received.length === 1, 'one message');
    expect(listener.received[0]?.message.logged).toBeUndefined();
    expect(await inspector.exists(`${backplane.prefix}{room:r1}:head`)).toBe(0);
    expect(await inspector.xlen(backplane.streamKey ?? '')).toBe(1);
  });

  it('caps the events stream near streamMaxLength', async () => {
    const backplane = await ready({ streamMaxLength: 10 });
    const listener = new Collector();
    const node = backplane.connect(listener.listener);
    node.subscribe('room:r1');
    for (let i = 0; i < 300; i++) node.publish('room:r1', message(`m${i}`));
    await listener.until(() => listener.received.length === 300, 'every message');
    // MAXLEN ~ trims whole radix-tree nodes (100 entries by default), so "near" is a few hundred at most.
    expect(await inspector.xlen(backplane.streamKey ?? '')).toBeLessThan(300);
  });

  it('subscribes in Redis only the channels its nodes need, once per process, and drops them after the last', async () => {
    const backplane = await ready();
    const one = backplane.connect(() => {});
    const two = backplane.connect(() => {});
    one.subscribe('room:shared');
    two.subscribe('room:shared');
    one.subscribe('user:u1');
    const key = (channel: string) => backplane.prefix + channel;
    await expect.poll(() => numsub(key('room:shared')), { timeout: 2000 }).toBe(1);
    await expect.poll(() => numsub(key('user:u1')), { timeout: 2000 }).toBe(1);
    expect(await numsub(key('room:never'))).toBe(0);
    expect(backplane.status().channels).toBe(2);

    one.unsubscribe('room:shared');
    one.close();
    await expect.poll(() => numsub(key('user:u1')), { timeout: 2000 }).toBe(0);
    expect(await numsub(key('room:shared'))).toBe(1);
    two.unsubscribe('room:shared');
    await expect.poll(() => numsub(key('room:shared')), { timeout: 2000 }).toBe(0);
  });

  it('keeps deployments with different prefixes apart, and drops foreign messages on its channels', async () => {
    const mine = await ready({ prefix: 'mine:' });
    const theirs = await ready({ prefix: 'theirs:' });
    const listener = new Collector();
    const node = mine.connect(listener.listener);
    node.subscribe('room:r1');
    theirs.connect(() => {}).publish('room:r1', message('theirs'));
    await inspector.publish('mine:room:r1', 'not json');
    await inspector.publish('mine:room:r1', JSON.stringify({ v: 2, type: 'future', body: '}', sequenced: true }));
    node.publish('room:r1', message('marker'));
    await listener.receive('marker');
    expect(listener.types()).toEqual(['marker']);
    expect(mine.status()).toMatchObject({ malformed: 2, received: 1 });
  });

  it('degrades while Redis is down (local delivery, nothing thrown or queued), then recovers by itself', async () => {
    const restarted = await startRedisServer();
    const options = { url: restarted.url, prefix: 'outage:', maxReconnectDelayMs: 100 };
    const here = new RedisBackplane(options);
    const there = new RedisBackplane(options);
    opened.push(here, there);
    expect(await here.whenReady(3000)).toBe(true);
    expect(await there.whenReady(3000)).toBe(true);
    const local = new Collector();
    const bystander = new Collector();
    const remote = new Collector();
    const node = here.connect(local.listener);
    const otherLocal = here.connect(bystander.listener);
    const remoteNode = there.connect(remote.listener);
    node.subscribe('room:r1');
    otherLocal.subscribe('room:elsewhere');
    remoteNode.subscribe('room:r1');
    node.publish('room:r1', message('before'));
    await Promise.all([local.receive('before'), remote.receive('before')]);

    await restarted.kill();
    await expect.poll(() => here.status().state, { timeout: 3000 }).toBe('degraded');
    expect(here.status().detail).toEqual(expect.any(String));
    expect(here.status().since).toBeGreaterThan(0);
    // Straight to the local listeners of the channel, synchronously; other channels' listeners get nothing.
    expect(() => node.publish('room:r1', message('during'))).not.toThrow();
    expect(local.types()).toEqual(['before', 'during']);
    expect(bystander.received).toEqual([]);
    expect(here.status()).toMatchObject({ delivered_locally: 1 });
    // Subscriptions made while down are kept for the reconnect.
    node.subscribe('room:joined-during-outage');

    const restartedAt = Date.now();
    await restarted.restart();
    await expect.poll(() => here.status().state, { timeout: 5000 }).toBe('ok');
    await expect.poll(() => there.status().state, { timeout: 5000 }).toBe('ok');
    expect(Date.now() - restartedAt).toBeLessThan(5000);
    expect(here.status()).toMatchObject({ recoveries: 1 });

    // Subscriptions are back on the new connection (including the one made during the outage), and what
    // was published during the outage is not sent again.
    remoteNode.publish('room:r1', message('after'));
    remoteNode.publish('room:joined-during-outage', message('joined'));
    await Promise.all([local.receive('joined'), remote.receive('after')]);
    expect(local.types()).toEqual(['before', 'during', 'after', 'joined']);
    expect(remote.types()).toEqual(['before', 'after']);
  });

  it('starts degraded when Redis is unreachable, still delivers locally, and closes at once', async () => {
    const backplane = new RedisBackplane({ url: `redis://127.0.0.1:${await freePort()}`, maxReconnectDelayMs: 50 });
    opened.push(backplane);
    expect(await backplane.whenReady(300)).toBe(false);
    expect(backplane.status()).toMatchObject({ state: 'degraded', detail: expect.stringMatching(/ECONNREFUSED/) });
    const listener = new Collector();
    const node = backplane.connect(listener.listener);
    node.subscribe('room:r1');
    node.publish('room:r1', message('local only'));
    expect(listener.types()).toEqual(['local only']);
    const started = Date.now();
    await backplane.close();
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('closes both of its connections', async () => {
    const clients = async () =>
      String(await inspector.client('LIST'))
        .trim()
        .split('\n').length;
    const before = await clients();
    const backplane = await ready();
    backplane.connect(() => {}).subscribe('all');
    expect(await clients()).toBe(before + 2);
    await backplane.close();
    await expect.poll(clients, { timeout: 2000 }).toBe(before);
    expect(backplane.status()).toMatchObject({ state: 'degraded', detail: 'closed' });
    expect(await backplane.whenReady(100)).toBe(false);
  });
});
