import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createRedisSharedState,
  RedisBackplane,
  type RedisSharedState,
  type RunningServer,
  startServer,
  type UnpublishedStore,
} from '../../src/index';
import { unpublishedKey } from '../../src/redis/keys';
import {
  type RedisServer,
  redisAvailability,
  redisSuiteTitle,
  startRedisServer,
  stopRedisServers,
} from '../helpers/redis-server';
import { connectClient, type TestClient } from '../helpers/ws-client';

const redis = redisAvailability();
const ROOM = 'noted';

/**
 * With shared state, `accepted` promises delivery: the ack leaves only once the message is noted in Redis where
 * another instance would rescue it (the kill -9 race itself is in kill-accepted.test.ts). Here Redis refuses
 * the note: for real (out of memory), or on demand through a store that fails the next `add`s and otherwise
 * is the real Redis one.
 */
describe.skipIf(!redis.available)(redisSuiteTitle('cluster: a chat send is acked once noted in Redis', redis), () => {
  let server: RedisServer;
  let inspector: Redis;
  let backplane: RedisBackplane;
  let shared: RedisSharedState;
  let running: RunningServer;
  let refuseNext = 0;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    inspector = new Redis(server.url, { maxRetriesPerRequest: 0 });
    backplane = new RedisBackplane({ url: server.url });
    shared = createRedisSharedState({ url: server.url });
    expect(await backplane.whenReady(3000)).toBe(true);
    await shared.ready();
    const real = shared.unpublished?.();
    if (real === undefined) throw new Error('the Redis shared state has no unpublished store');
    const refusing: UnpublishedStore = {
      add(node, message) {
        if (refuseNext === 0) return real.add(node, message);
        refuseNext--;
        return Promise.reject(new Error('OOM command not allowed when used memory > maxmemory'));
      },
      done: (node, messageId) => real.done(node, messageId),
      nodes: () => real.nodes(),
      take: (node) => real.take(node),
    };
    running = await startServer({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      backplane,
      sharedState: { ...shared, unpublished: () => refusing },
    });
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  afterAll(async () => {
    try {
      await running?.close();
      await backplane?.close();
      await shared?.close();
      inspector?.disconnect();
    } finally {
      await stopRedisServers();
    }
  });

  async function member(userId: string): Promise<TestClient> {
    const client = await connectClient(running.wsUrl);
    clients.push(client);
    await client.next('hello');
    client.send({ type: 'identify', payload: { user_id: userId } });
    await client.next('ready');
    client.send({ type: 'subscribe', payload: { room_ids: [ROOM] }, ref: 'sub' });
    await client.reply('sub');
    return client;
  }

  function send(client: TestClient, ref: string, clientMsgId: string, content = clientMsgId): void {
    client.send({ type: 'chat.send', payload: { room_id: ROOM, client_msg_id: clientMsgId, content }, ref });
  }

  it('refuses a send whose note Redis did not take; the retry is accepted and delivered once', async () => {
    const sender = await member('refused-sender');
    const receiver = await member('refused-receiver');

    refuseNext = 1;
    send(sender, 'r1', 'c-refused');
    const refused = await sender.reply('r1');
    expect(refused.type).toBe('error');
    expect(refused.payload).toMatchObject({ code: 'internal_error', details: { client_msg_id: 'c-refused' } });
    await receiver.barrier();
    expect(receiver.all('chat.message')).toEqual([]);

    // Not counted as seen: the same client_msg_id again is a first send, not a duplicate.
    send(sender, 'r2', 'c-refused');
    const ack = await sender.reply('r2');
    expect(ack.type).toBe('ack');
    expect(ack.payload).toMatchObject({ status: 'accepted', client_msg_id: 'c-refused' });
    expect(ack.payload.duplicate).toBeUndefined();
    await expect
      .poll(() => receiver.all('chat.message').map((f) => f.payload.message_id))
      .toEqual([ack.payload.message_id]);
    // Published, so nothing is left to rescue.
    await expect.poll(() => inspector.hlen(unpublishedKey('gw:', running.gateway.serverId))).toBe(0);
  });

  it('refuses a send while Redis answers with an error (out of memory), and accepts it again after', async () => {
    const sender = await member('oom-sender');
    const receiver = await member('oom-receiver');
    // Every write Redis would let grow memory is refused from now on; the real store's note among them.
    await inspector.config('SET', 'maxmemory-policy', 'noeviction');
    await inspector.config('SET', 'maxmemory', '1');
    try {
      send(sender, 'o1', 'c-oom');
      expect((await sender.reply('o1')).payload).toMatchObject({ code: 'internal_error' });
    } finally {
      await inspector.config('SET', 'maxmemory', '0');
    }
    await receiver.barrier();
    expect(receiver.all('chat.message')).toEqual([]);

    send(sender, 'o2', 'c-oom');
    const ack = await sender.reply('o2');
    expect(ack.payload).toMatchObject({ status: 'accepted', client_msg_id: 'c-oom' });
    await expect
      .poll(() => receiver.all('chat.message').map((f) => f.payload.message_id))
      .toEqual([ack.payload.message_id]);
  });

  it('refuses a duplicate whose note failed, keeping the claim: the next retry is the original, once', async () => {
    const sender = await member('dup-sender');
    const receiver = await member('dup-receiver');
    send(sender, 'd1', 'c-dup');
    const first = await sender.reply('d1');
    expect(first.payload.status).toBe('accepted');

    refuseNext = 1;
    send(sender, 'd2', 'c-dup');
    expect((await sender.reply('d2')).payload).toMatchObject({ code: 'internal_error' });
    send(sender, 'd3', 'c-dup');
    expect((await sender.reply('d3')).payload).toMatchObject({
      status: 'accepted',
      duplicate: true,
      message_id: first.payload.message_id,
    });
    await sender.barrier();
    await receiver.barrier();
    expect(receiver.all('chat.message').map((f) => f.payload.message_id)).toEqual([first.payload.message_id]);
    expect(sender.all('chat.message').map((f) => f.payload.message_id)).toEqual([first.payload.message_id]);
  });

  it('keeps a connection’s acks and dispatches in the order its frames came, each ack before its dispatch', async () => {
    const sender = await member('burst-sender');
    const receiver = await member('burst-receiver');
    const ids = Array.from({ length: 20 }, (_, i) => `burst-${i}`);
    for (const id of ids) send(sender, id, id);
    await sender.reply(ids.at(-1) ?? '');
    await expect.poll(() => receiver.all('chat.message').length).toBe(ids.length);
    await sender.barrier();

    const acks = sender.all('ack').filter((f) => f.ref?.startsWith('burst-'));
    expect(acks.map((f) => f.ref)).toEqual(ids);
    expect(receiver.all('chat.message').map((f) => f.payload.client_msg_id)).toEqual(ids);
    // At the sender: ack i arrives before its own copy of message i.
    const order = sender.frames
      .filter((f) => (f.type === 'ack' && f.ref?.startsWith('burst-')) || f.type === 'chat.message')
      .map((f) => (f.type === 'ack' ? `ack ${f.ref}` : `msg ${f.payload.client_msg_id}`));
    for (const id of ids) expect(order.indexOf(`ack ${id}`)).toBeLessThan(order.indexOf(`msg ${id}`));
  });
});
