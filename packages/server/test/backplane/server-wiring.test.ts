import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig, startServer } from '../../src/index';
import { decodeWire, encodeWire } from '../../src/redis/wire';
import { redisAvailability, redisSuiteTitle, startRedisServer, stopRedisServers } from '../helpers/redis-server';

describe('REDIS_URL and REDIS_PREFIX', () => {
  it('reads them from the environment, and leaves them unset for the in-memory default', () => {
    expect(readConfig({ REDIS_URL: ' redis://127.0.0.1:6379/2 ', REDIS_PREFIX: 'chat:' })).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379/2',
      redisPrefix: 'chat:',
    });
    const plain = readConfig({});
    expect(plain.redisUrl).toBeUndefined();
    expect(plain.redisPrefix).toBeUndefined();
    expect(readConfig({ REDIS_URL: '' }).redisUrl).toBeUndefined();
  });

  it('refuses a REDIS_URL that is not a redis:// URL, without echoing its password', () => {
    expect(() => readConfig({ REDIS_URL: 'http://user:secret@host:6379' })).toThrow(/redis:\/\/.*:\*\*\*@/);
    expect(() => readConfig({ REDIS_URL: 'http://user:secret@host:6379' })).not.toThrow(/secret/);
  });
});

describe('the wire format', () => {
  it('round-trips a message and refuses anything that is not a version-1 backplane message', () => {
    const message = { type: 'chat.message', body: '"type":"chat.message","payload":{}}', sequenced: true };
    const text = encodeWire({ ...message, exclude: { users: ['u1'] } }, 'gw-1');
    expect(text.endsWith('}')).toBe(true);
    expect(decodeWire(text)).toEqual({ ...message, exclude: { users: ['u1'] }, origin: 'gw-1' });
    expect(decodeWire(`${text.slice(0, -1)},"pos":"1-0"}`)).toMatchObject({ position: '1-0' });
    for (const bad of ['', 'null', '[]', '{"v":1}', '{"v":2,"type":"x","body":"}","sequenced":true}']) {
      expect(decodeWire(bad), bad).toBeNull();
    }
    expect(decodeWire('{"v":1,"type":"x","body":"}","sequenced":true,"exclude":{"users":[1]}}')).toBeNull();
  });
});

const redis = redisAvailability();

describe.skipIf(!redis.available)(redisSuiteTitle('startServer with redisUrl', redis), () => {
  let url: string;
  let inspector: Redis;

  beforeAll(async () => {
    url = (await startRedisServer()).url;
    inspector = new Redis(url, { maxRetriesPerRequest: 0 });
    inspector.on('error', () => {});
  });

  afterAll(async () => {
    inspector?.disconnect();
    await stopRedisServers();
  });

  /** The backplane's connections (it names them); shared state and ingress hold their own. */
  const backplaneConnections = async () =>
    String(await inspector.client('LIST'))
      .split('\n')
      .filter((line) => / name=gateway-backplane(-subscriber)? /.test(line)).length;

  it('runs on the Redis backplane, reports it in /stats, and closes its connections on close()', async () => {
    const server = await startServer({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      redisUrl: url,
      redisPrefix: 'x:',
    });
    try {
      expect(await backplaneConnections()).toBe(2);
      const stats = await (await fetch(`${server.url}/stats`)).json();
      // `all`, and the instance's own channel (resume anywhere: stream markers and session hand-overs).
      expect(stats.backplane).toMatchObject({ kind: 'redis', state: 'ok', channels: 2 });
      expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ status: 'ok', connections: 0, mode: 'dev' });
      const channels = await inspector.pubsub('CHANNELS', 'x:*');
      // …`presence`, the instances' presence deltas, and `moderation`, operators' commands (each on its own
      // backplane node, so not in the count above).
      expect([...channels].sort()).toEqual([
        'x:all',
        'x:moderation',
        `x:node:${server.gateway.serverId}`,
        'x:presence',
      ]);
    } finally {
      await server.close();
    }
    await expect.poll(backplaneConnections, { timeout: 2000 }).toBe(0);
  });
});

describe('the in-memory default', () => {
  it('reports a memory backplane that is always ok', async () => {
    const server = await startServer({ port: 0, host: '127.0.0.1', logLevel: 'silent' });
    try {
      expect(server.gateway.stats().backplane).toMatchObject({ kind: 'memory', state: 'ok', channels: 1 });
    } finally {
      await server.close();
    }
  });
});
