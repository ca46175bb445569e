import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisSharedState, RedisBackplane, type RunningServer, startServer } from '../../src/index';
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
/** Short, so the dead instance is noticed within a second or two. */
const TTL_MS = 600;

interface Instance {
  running: RunningServer;
  /** Its Redis connections, closed to make it fall silent as a crash would. */
  cutOff(): Promise<void>;
}

/**
 * A send acked before it is persisted (seed 001) leaves the sender with no reason to retry. If its instance
 * dies while the persistMessage hook runs, another instance must publish the message: the note of it in
 * Redis is what it goes by. The dying instance runs in this process, made silent by cutting its Redis
 * connections (its liveness key then expires, as after a SIGKILL) while its hook hangs.
 */
describe.skipIf(!redis.available)(
  redisSuiteTitle('cluster: a send accepted by an instance that dies while persisting', redis),
  () => {
    let server: RedisServer;
    let inspector: Redis;
    const instances: Instance[] = [];

    beforeAll(async () => {
      server = await startRedisServer();
      inspector = new Redis(server.url, { maxRetriesPerRequest: 0 });
    });

    afterAll(async () => {
      for (const instance of instances) await instance.running.close();
      inspector.disconnect();
      await stopRedisServers();
    });

    async function open(persistMessage: (message: { content: string; message_id: string }) => Promise<void> | void) {
      const backplane = new RedisBackplane({ url: server.url, maxReconnectDelayMs: 100 });
      const sharedState = createRedisSharedState({ url: server.url });
      expect(await backplane.whenReady(3000)).toBe(true);
      await sharedState.ready();
      const running = await startServer({
        port: 0,
        host: '127.0.0.1',
        logLevel: 'silent',
        backplane,
        sharedState,
        presenceTtlMs: TTL_MS,
        persistMessage,
      });
      const instance: Instance = {
        running,
        cutOff: async () => {
          await backplane.close();
          await sharedState.close();
        },
      };
      instances.push(instance);
      return instance;
    }

    async function member(at: Instance, userId: string): Promise<TestClient> {
      const client = await connectClient(at.running.wsUrl);
      await client.next('hello');
      client.send({ type: 'identify', payload: { user_id: userId } });
      await client.next('ready');
      client.send({ type: 'subscribe', payload: { room_ids: ['rescue'] }, ref: 'sub' });
      await client.reply('sub');
      return client;
    }

    it('is published by another instance, once, after the dead one’s liveness key expires', async () => {
      let release = () => {};
      const stuck = new Promise<void>((resolve) => {
        release = resolve;
      });
      const persistedOnB: string[] = [];
      const a = await open((message) => (message.content === 'stuck' ? stuck : undefined));
      const b = await open((message) => {
        persistedOnB.push(message.message_id);
      });
      const sender = await member(a, 'sender');
      const receiver = await member(b, 'receiver');

      // A message whose hook finishes is published by its own instance and its note removed.
      sender.send({
        type: 'chat.send',
        payload: { room_id: 'rescue', client_msg_id: 'm-1', content: 'fine' },
        ref: 's1',
      });
      const fine = (await sender.reply('s1')).payload;
      await expect.poll(() => receiver.all('chat.message').map((f) => f.payload.message_id)).toEqual([fine.message_id]);
      const noteKey = unpublishedKey('gw:', a.running.gateway.serverId);
      await expect.poll(() => inspector.hlen(noteKey)).toBe(0);

      // Acked, then its instance dies while the hook runs.
      sender.send({
        type: 'chat.send',
        payload: { room_id: 'rescue', client_msg_id: 'm-2', content: 'stuck' },
        ref: 's2',
      });
      const stuckAck = (await sender.reply('s2')).payload;
      expect(stuckAck.status).toBe('accepted');
      await expect.poll(() => inspector.hlen(noteKey)).toBe(1);
      await a.cutOff();

      await expect
        .poll(() => receiver.all('chat.message').map((f) => f.payload.message_id), { timeout: 5000 })
        .toEqual([fine.message_id, stuckAck.message_id]);
      expect(receiver.all('chat.message')[1]?.payload).toMatchObject({ content: 'stuck', sender_id: 'sender' });
      expect(persistedOnB).toEqual([stuckAck.message_id]);
      expect(await inspector.exists(noteKey)).toBe(0);

      // The hook on the dead instance finishing late publishes nothing more (it is cut off), and B never again.
      release();
      await receiver.barrier();
      expect(receiver.all('chat.message').map((f) => f.payload.content)).toEqual(['fine', 'stuck']);
    }, 20_000);
  },
);
