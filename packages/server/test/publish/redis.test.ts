import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublisher, createRedisPublisher, PublishError, type Publisher } from '../../src/index';
import {
  type RedisServer,
  redisAvailability,
  redisSuiteTitle,
  startRedisServer,
  stopRedisServers,
} from '../helpers/redis-server';
import { startTestServer } from '../helpers/server';
import type { TestClient } from '../helpers/ws-client';

const KEY = 'cross-instance-key';
const redis = redisAvailability();
let server: RedisServer | undefined;
let prefixes = 0;

beforeAll(async () => {
  if (redis.available) server = await startRedisServer();
});

afterAll(async () => {
  await stopRedisServers();
});

function redisUrl(): string {
  if (server === undefined) throw new Error('no redis-server');
  return server.url;
}

/** Two gateways in this process sharing one Redis under a fresh prefix, as two instances would. */
async function pair() {
  const prefix = `p${++prefixes}:`;
  const options = { redisUrl: redisUrl(), redisPrefix: prefix, publishKey: KEY };
  return { prefix, a: await startTestServer(options), b: await startTestServer(options) };
}

/** Waits until each client has `count` system frames, then until a later marker has reached all of them. */
async function expectEach(clients: TestClient[], count: number, flush: () => Promise<void>) {
  for (const client of clients) for (let i = 0; i < count; i++) await client.next('system', 5000);
  await flush();
  for (const client of clients) {
    for (let i = 0; i < 100; i++) if ((await client.next('system', 5000)).payload.message === 'flush') break;
  }
}

const system = (message: string) => ({ message });

async function withPublisher<T>(publisher: Publisher, use: (publisher: Publisher) => Promise<T>): Promise<T> {
  try {
    return await use(publisher);
  } finally {
    await publisher.close();
  }
}

describe.skipIf(!redis.available)(redisSuiteTitle('publishing across instances (Redis)', redis), () => {
  it('the ingress stream: each entry reaches the room’s clients on every instance exactly once', async () => {
    const { prefix, a, b } = await pair();
    const clients = [await a.joinRooms('ann', ['r']), await b.joinRooms('bob', ['r']), await b.joinRooms('cy', ['r'])];
    const outside = await a.joinRooms('dee', ['elsewhere']);
    const count = 10;
    await withPublisher(createRedisPublisher({ redisUrl: redisUrl(), prefix }), async (publisher) => {
      for (let i = 0; i < count; i++) await publisher.publish({ room: 'r' }, 'system', system(`n${i}`));
      await expectEach(clients, count, async () => {
        await publisher.publish({ room: 'r' }, 'system', system('flush'));
      });
    });
    for (const client of clients) {
      const seen = client.all('system').map((frame) => frame.payload.message);
      expect(seen.filter((text) => text !== 'flush').sort()).toEqual(
        Array.from({ length: count }, (_, i) => `n${i}`).sort(),
      );
    }
    expect(outside.all('system')).toEqual([]);
    // Every entry was taken by one instance and acknowledged.
    const raw = new Redis(redisUrl());
    try {
      const pending = (await raw.call('XPENDING', `${prefix}ingress`, 'gateways')) as [number, ...unknown[]];
      expect(pending[0]).toBe(0);
      const groups = (await raw.call('XINFO', 'GROUPS', `${prefix}ingress`)) as unknown[][];
      expect(groups).toHaveLength(1);
    } finally {
      raw.disconnect();
    }
  });

  it('the ingress stream reaches users and everyone, and skips invalid entries without stopping', async () => {
    const { prefix, a, b } = await pair();
    const { client: annA } = await a.join({ user_id: 'ann' });
    const { client: annB } = await b.join({ user_id: 'ann' });
    const { client: bob } = await b.join({ user_id: 'bob' });
    const raw = new Redis(redisUrl());
    try {
      // Written by hand, as a non-Node service would: fields target, type, payload (JSON).
      await raw.xadd(`${prefix}ingress`, '*', 'target', '{"room":', 'type', 'system', 'payload', '{}');
      await raw.xadd(`${prefix}ingress`, '*', 'target', '{"all":true}', 'type', 'hello', 'payload', '{}');
      await raw.xadd(
        `${prefix}ingress`,
        '*',
        'target',
        '{"user":"ann"}',
        'type',
        'system',
        'payload',
        '{"message":"ann"}',
      );
      await raw.xadd(
        `${prefix}ingress`,
        '*',
        'target',
        '{"all":true}',
        'type',
        'system',
        'payload',
        '{"message":"all"}',
      );
    } finally {
      raw.disconnect();
    }
    for (const client of [annA, annB]) {
      const got = [
        (await client.next('system', 5000)).payload.message,
        (await client.next('system', 5000)).payload.message,
      ];
      expect(got.sort()).toEqual(['all', 'ann']);
    }
    expect((await bob.next('system', 5000)).payload.message).toBe('all');
    await withPublisher(createPublisher({ url: a.server.url, key: KEY }), (publisher) =>
      publisher.publish({ all: true }, 'system', system('flush')),
    );
    expect((await bob.next('system', 5000)).payload.message).toBe('flush');
    expect(bob.all('system')).toHaveLength(2);
  });

  it('createRedisPublisher checks publications before writing them', async () => {
    const { prefix } = await pair();
    await withPublisher(createRedisPublisher({ redisUrl: redisUrl(), prefix }), async (publisher) => {
      const error = await publisher
        .publish({ room: 'r' }, 'system', { level: 'info' } as unknown as { message: string })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(PublishError);
      expect(error).toMatchObject({ code: 'invalid_payload', issues: [{ path: 'payload.message' }] });
    });
  });

  it('POST /publish on one instance reaches the room’s clients on every instance once', async () => {
    const { a, b } = await pair();
    const clients = [await a.joinRooms('ann', ['r']), await b.joinRooms('bob', ['r'])];
    await withPublisher(createPublisher({ url: b.server.url, key: KEY }), async (publisher) => {
      await publisher.publish({ room: 'r' }, 'system', system('via http'));
      await expectEach(clients, 1, () => publisher.publish({ room: 'r' }, 'system', system('flush')));
    });
    for (const client of clients) {
      expect(client.all('system').map((frame) => frame.payload.message)).toEqual(['via http', 'flush']);
    }
  });
});
