import type { ChatMessage } from '@gateway/protocol';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { inMemorySharedState } from '../../src/index';
import { redisSuiteTitle, startRedisServer } from '../helpers/redis-server';
import { sharedStatesForFile } from '../helpers/shared-states';

/** One behaviour suite for both places the shared state can live (graphql-ws style). */
const { redis, implementations, url, open } = sharedStatesForFile('t');
const now = 1_000;

function message(room: string, id: string, content = id): ChatMessage {
  return {
    message_id: id,
    room_id: room,
    sender_id: 'ann',
    client_msg_id: `c-${id}`,
    kind: 'text',
    content,
    created_at: '2025-01-01T00:00:00.000Z',
  };
}

const ack = (id: string) => ({ status: 'accepted', message_id: id, client_msg_id: `c-${id}`, room_id: 'r' });

for (const impl of implementations) {
  describe.skipIf(!impl.available)(redisSuiteTitle(`shared state: ${impl.title}`, redis), () => {
    const settings = () => ({ windowMs: 60_000, now: () => now });

    it('dedup: the first claim wins, a repeat gets the original value back', async () => {
      const dedup = (await impl.make()).dedup<ReturnType<typeof ack>>(settings());
      expect(await dedup.claim('ann', 'm1', ack('one'))).toBeUndefined();
      expect(await dedup.claim('ann', 'm1', ack('two'))).toEqual(ack('one'));
      expect(await dedup.claim('bob', 'm1', ack('three'))).toBeUndefined();
    });

    it('dedup: keys do not collide when user ids contain the separator', async () => {
      const dedup = (await impl.make()).dedup<ReturnType<typeof ack>>(settings());
      expect(await dedup.claim('a:b', 'c', ack('one'))).toBeUndefined();
      expect(await dedup.claim('a', 'b:c', ack('two'))).toBeUndefined();
    });

    it('dedup: a released claim can be made again', async () => {
      const dedup = (await impl.make()).dedup<ReturnType<typeof ack>>(settings());
      await dedup.claim('ann', 'm1', ack('one'));
      await dedup.release('ann', 'm1');
      expect(await dedup.claim('ann', 'm1', ack('two'))).toBeUndefined();
      expect(await dedup.claim('ann', 'm1', ack('three'))).toEqual(ack('two'));
    });

    it('history: keeps the last N per room, oldest first, and answers limits', async () => {
      const history = (await impl.make()).history({ size: 3 });
      for (const id of ['a', 'b', 'c', 'd']) await history.add(message('r1', id));
      await history.add(message('r2', 'x'));
      expect((await history.recent('r1')).map((m) => m.message_id)).toEqual(['b', 'c', 'd']);
      expect((await history.recent('r1', 2)).map((m) => m.message_id)).toEqual(['c', 'd']);
      expect((await history.recent('r2')).map((m) => m.message_id)).toEqual(['x']);
      expect(await history.recent('nowhere')).toEqual([]);
      expect(await history.recent('r1', 0)).toEqual([]);
    });

    it('history: find, replace and remove rewrite the kept entry in place', async () => {
      const history = (await impl.make()).history({ size: 10 });
      for (const id of ['a', 'b', 'c']) await history.add(message('r', id));
      expect(await history.find('r', 'b')).toEqual(message('r', 'b'));
      expect(await history.find('r', 'zz')).toBeUndefined();
      const edited = { ...message('r', 'b', 'edited'), edited_at: '2025-01-01T00:00:01.000Z' };
      await history.replace(edited);
      await history.replace(message('r', 'unknown'));
      expect(await history.recent('r')).toEqual([message('r', 'a'), edited, message('r', 'c')]);
      await history.remove('r', 'a');
      await history.remove('r', 'unknown');
      expect((await history.recent('r')).map((m) => m.message_id)).toEqual(['b', 'c']);
      await history.add(message('r', 'd'));
      expect((await history.recent('r')).map((m) => m.message_id)).toEqual(['b', 'c', 'd']);
    });
  });
}

describe('shared state: in memory specifics', () => {
  it('answers synchronously, so the in-process path never waits a microtask', () => {
    const history = inMemorySharedState.history({ size: 5 });
    expect(history.add(message('r', 'a'))).toBeUndefined();
    expect(history.recent('r')).toEqual([message('r', 'a')]);
    const dedup = inMemorySharedState.dedup<string>({ windowMs: 10, now: () => now });
    expect(dedup.claim('ann', 'm', 'first')).toBeUndefined();
  });

  it('forgets a dedup claim once its window has passed', () => {
    let clock = 0;
    const dedup = inMemorySharedState.dedup<string>({ windowMs: 100, now: () => clock });
    dedup.claim('ann', 'm', 'first');
    clock = 99;
    expect(dedup.claim('ann', 'm', 'second')).toBe('first');
    clock = 100;
    expect(dedup.claim('ann', 'm', 'third')).toBeUndefined();
  });
});

describe.skipIf(!redis.available)(redisSuiteTitle('shared state: Redis key formats', redis), () => {
  it('uses {prefix}dedup:{user}:{id} with the window as PX, and {prefix}history:{room} as a list', async () => {
    const state = await open('keys:');
    await state.dedup<string>({ windowMs: 30_000, now: () => now }).claim('a:b', 'm1', 'ack');
    await state.history({ size: 5 }).add(message('room 1', 'x'));
    const raw = new Redis(url());
    try {
      expect(await raw.get('keys:dedup:a%3Ab:m1')).toBe('"ack"');
      const ttl = await raw.pttl('keys:dedup:a%3Ab:m1');
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(30_000);
      expect((await raw.lrange('keys:history:room 1', 0, -1)).map((item) => JSON.parse(item))).toEqual([
        message('room 1', 'x'),
      ]);
    } finally {
      raw.disconnect();
    }
  });

  it('expires a room history list ttlMs after its last message, an edit keeping the deadline', async () => {
    const state = await open('ttl:');
    const history = state.history({ size: 5, ttlMs: 60_000 });
    await history.add(message('r', 'x'));
    await history.replace({ ...message('r', 'x'), content: 'edited' });
    const raw = new Redis(url());
    try {
      const ttl = await raw.pttl('ttl:history:r');
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
      // The default: a week, so a room named once and never again does not stay in Redis for good.
      await state.history({ size: 5 }).add(message('quiet room', 'y'));
      expect(await raw.pttl('ttl:history:quiet room')).toBeGreaterThan(6 * 24 * 3600 * 1000);
    } finally {
      raw.disconnect();
    }
  });

  it('falls back when Redis is unreachable: dedup locally, history empty, nothing throws', async () => {
    const down = await startRedisServer();
    const state = await open('down:', down.url);
    await down.kill();
    const dedup = state.dedup<string>({ windowMs: 30_000, now: () => now });
    expect(await dedup.claim('ann', 'm', 'first')).toBeUndefined();
    expect(await dedup.claim('ann', 'm', 'second')).toBe('first');
    const history = state.history({ size: 5 });
    await history.add(message('r', 'a'));
    expect(await history.recent('r')).toEqual([]);
    expect(await history.find('r', 'a')).toBeUndefined();
  });
});
