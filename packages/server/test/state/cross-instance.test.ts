import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RedisServer,
  redisAvailability,
  redisSuiteTitle,
  startRedisServer,
  stopRedisServers,
} from '../helpers/redis-server';
import { request, settle } from '../helpers/requests';
import { startTestServer } from '../helpers/server';

const redis = redisAvailability();
let server: RedisServer | undefined;
let prefixes = 0;

beforeAll(async () => {
  if (redis.available) server = await startRedisServer();
});

afterAll(async () => {
  await stopRedisServers();
});

/** Two gateways in this process sharing one Redis under a fresh prefix, as two instances would. */
async function pair() {
  if (server === undefined) throw new Error('no redis-server');
  const options = { redisUrl: server.url, redisPrefix: `x${++prefixes}:` };
  return [await startTestServer(options), await startTestServer(options)] as const;
}

describe.skipIf(!redis.available)(redisSuiteTitle('shared state across instances (Redis)', redis), () => {
  it('dedup: the same client_msg_id sent to A then B is delivered once, and B answers the original ack', async () => {
    const [a, b] = await pair();
    const onA = await a.joinRooms('ann', ['r']);
    const onB = await b.joinRooms('ann', ['r']);
    const watcherA = await a.joinRooms('wat', ['r']);
    const watcherB = await b.joinRooms('wes', ['r']);
    const first = await request(onA, 'chat.send', { room_id: 'r', client_msg_id: 'm-1', content: 'once' });
    expect(first.payload).toMatchObject({ status: 'accepted', client_msg_id: 'm-1' });
    expect(first.payload.duplicate).toBeUndefined();
    const retry = await request(onB, 'chat.send', { room_id: 'r', client_msg_id: 'm-1', content: 'once' });
    expect(retry.payload).toEqual({ ...first.payload, duplicate: true });
    await settle(onA, 'r', [onA, onB, watcherA, watcherB]);
    for (const client of [onA, onB, watcherA, watcherB]) {
      const contents = client.all('chat.message').map((frame) => frame.payload.content);
      expect(contents.filter((content) => content === 'once')).toHaveLength(1);
      expect(client.all('chat.message')[0]?.payload.message_id).toBe(first.payload.message_id);
    }
  });

  it('dedup: a send accepted by an instance that died before publishing it is published once by the retry', async () => {
    const [a, b] = await pair();
    const prefix = `x${prefixes}:`;
    const onB = await b.joinRooms('ann', ['r']);
    const watcherA = await a.joinRooms('wat', ['r']);
    const watcherB = await b.joinRooms('wes', ['r']);
    // What an instance leaves behind when it is killed after claiming the send (and acking it) but before
    // publishing: the claim with the ack and the message, and no publish.
    const message = {
      message_id: 'm-lost',
      room_id: 'r',
      sender_id: 'ann',
      client_msg_id: 'c-lost',
      kind: 'text',
      content: 'accepted, then the instance died',
      created_at: '2026-11-22T00:00:00.000Z',
    };
    const ack = { status: 'accepted', message_id: 'm-lost', client_msg_id: 'c-lost', room_id: 'r' };
    const redisClient = new Redis(server?.url ?? '', { lazyConnect: true });
    await redisClient.connect();
    await redisClient.set(`${prefix}dedup:ann:c-lost`, JSON.stringify({ ack, message }), 'PX', 60_000);
    await redisClient.quit();

    const retry = await request(onB, 'chat.send', { room_id: 'r', client_msg_id: 'c-lost', content: message.content });
    expect(retry.payload).toEqual({ ...ack, duplicate: true });
    const again = await request(onB, 'chat.send', { room_id: 'r', client_msg_id: 'c-lost', content: message.content });
    expect(again.payload).toEqual({ ...ack, duplicate: true });
    await settle(onB, 'r', [onB, watcherA, watcherB]);
    for (const client of [onB, watcherA, watcherB]) {
      const lost = client.all('chat.message').filter((frame) => frame.payload.message_id === 'm-lost');
      expect(lost.map((frame) => frame.payload)).toEqual([message]);
    }
  });

  it('history: a message sent on A is in B’s subscribed snapshot, chat.history and room status', async () => {
    const [a, b] = await pair();
    const sender = await a.joinRooms('ann', ['r']);
    for (const content of ['one', 'two']) {
      await request(sender, 'chat.send', { room_id: 'r', client_msg_id: content, content });
      await sender.next('chat.message');
    }
    const { client: late } = await b.join({ user_id: 'bob' });
    const subscribed = await request(late, 'subscribe', { room_ids: ['r'] });
    expect(subscribed.payload.rooms[0].recent_messages.map((m: { content: string }) => m.content)).toEqual([
      'one',
      'two',
    ]);
    const history = await request(late, 'chat.history', { room_id: 'r', limit: 1 });
    expect(history.payload.messages.map((m: { content: string }) => m.content)).toEqual(['two']);
    const status = await (await fetch(`${b.server.url}/rooms/r`)).json();
    expect(status.recent_messages.map((m: { content: string }) => m.content)).toEqual(['one', 'two']);
  });

  it('history: an edit and a delete made on B change what A answers, and reach both', async () => {
    const [a, b] = await pair();
    const onA = await a.joinRooms('ann', ['r']);
    const onB = await b.joinRooms('ann', ['r']);
    const sent = await request(onA, 'chat.send', { room_id: 'r', client_msg_id: 'e', content: 'draft' });
    const keep = await request(onA, 'chat.send', { room_id: 'r', client_msg_id: 'k', content: 'keep' });
    const messageId = sent.payload.message_id;
    const edited = await request(onB, 'chat.edit', { room_id: 'r', message_id: messageId, content: 'final' });
    expect(edited.type).toBe('ack');
    expect((await onA.next('chat.message.update')).payload).toMatchObject({ message_id: messageId, content: 'final' });
    let history = await request(onA, 'chat.history', { room_id: 'r' });
    expect(history.payload.messages.map((m: { content: string }) => m.content)).toEqual(['final', 'keep']);
    expect((await request(onB, 'chat.delete', { room_id: 'r', message_id: messageId })).type).toBe('ack');
    expect((await onA.next('chat.message.delete')).payload.message_id).toBe(messageId);
    history = await request(onA, 'chat.history', { room_id: 'r' });
    expect(history.payload.messages.map((m: { message_id: string }) => m.message_id)).toEqual([
      keep.payload.message_id,
    ]);
    const { client: stranger } = await b.join({ user_id: 'eve' });
    await request(stranger, 'subscribe', { room_ids: ['r'] });
    const refused = await request(stranger, 'chat.edit', {
      room_id: 'r',
      message_id: keep.payload.message_id,
      content: 'x',
    });
    expect(refused.payload.code).toBe('forbidden');
  });

  it('keeps one connection’s frames in order while Redis is asked: acks and messages follow the sends', async () => {
    const [a] = await pair();
    const client = await a.joinRooms('ann', ['r']);
    const count = 20;
    for (let i = 0; i < count; i++) {
      client.send({
        type: 'chat.send',
        payload: { room_id: 'r', client_msg_id: `o${i}`, content: `m${i}` },
        ref: `o${i}`,
      });
    }
    client.send({ type: 'chat.history', payload: { room_id: 'r' }, ref: 'h' });
    const history = await client.reply('h');
    expect(history.payload.messages.map((m: { content: string }) => m.content)).toEqual(
      Array.from({ length: count }, (_, i) => `m${i}`),
    );
    const acks = client.frames.filter((frame) => frame.type === 'ack' && frame.ref?.startsWith('o'));
    expect(acks.map((frame) => frame.ref)).toEqual(Array.from({ length: count }, (_, i) => `o${i}`));
    for (let i = 0; i < count; i++) await client.next('chat.message');
    expect(client.all('chat.message').map((frame) => frame.payload.content)).toEqual(
      Array.from({ length: count }, (_, i) => `m${i}`),
    );
  });
});
