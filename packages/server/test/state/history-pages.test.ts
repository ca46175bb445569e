import type { ChatMessage } from '@gateway/protocol';
import { describe, expect, it } from 'vitest';
import type { LogRetention } from '../../src/core/ports/room-logs';
import { ManualClock } from '../helpers/manual-clock';
import { redisSuiteTitle } from '../helpers/redis-server';
import { request } from '../helpers/requests';
import { startTestServer } from '../helpers/server';
import { sharedStatesForFile } from '../helpers/shared-states';
import type { Frame } from '../helpers/ws-client';

/** History pages and retention: one suite for both places the history can live (graphql-ws style). */
const { redis, implementations, url } = sharedStatesForFile('hp');

const start = Date.UTC(2026, 0, 1);
const id = (n: number) => `m${String(n).padStart(4, '0')}`;

function message(room: string, n: number, at = start, content = `c${n}`): ChatMessage {
  return {
    message_id: id(n),
    room_id: room,
    sender_id: 'ann',
    kind: 'text',
    content,
    created_at: new Date(at).toISOString(),
  };
}

const ids = (messages: readonly ChatMessage[]) => messages.map((m) => m.message_id);
const forever = Number.POSITIVE_INFINITY;

for (const impl of implementations) {
  describe.skipIf(!impl.available)(redisSuiteTitle(`history pages: ${impl.title}`, redis), () => {
    it('pages back and forth by message id, with what lies beyond and the oldest kept', async () => {
      const history = (await impl.make()).history({ size: 20 });
      for (let n = 1; n <= 12; n++) await history.add(message('r', n));
      const page = (query: Parameters<NonNullable<typeof history.page>>[1]) => history.page?.('r', query);
      expect(await page({ limit: 5 })).toEqual({
        messages: [8, 9, 10, 11, 12].map((n) => message('r', n)),
        more: true,
        oldest: id(1),
      });
      const back = await page({ before: id(8), limit: 5 });
      expect([ids(back?.messages ?? []), back?.more]).toEqual([[3, 4, 5, 6, 7].map(id), true]);
      const forth = await page({ after: id(3), before: id(7), limit: 5 });
      expect([ids(forth?.messages ?? []), forth?.more]).toEqual([[4, 5, 6].map(id), false]);
      expect(await page({ after: id(12), limit: 5 })).toEqual({ messages: [], more: false, oldest: id(1) });
      expect(await history.page?.('nowhere', { limit: 5 })).toEqual({ messages: [], more: false, oldest: undefined });
    });

    it('keeps each room by its own length, age and bytes', async () => {
      const clock = new ManualClock(start);
      const rules: Record<string, LogRetention> = {
        short: { maxEntries: 3, maxAgeMs: forever, maxBytes: forever },
        young: { maxEntries: 50, maxAgeMs: 60_000, maxBytes: forever },
        light: { maxEntries: 50, maxAgeMs: forever, maxBytes: 600 },
      };
      const history = (await impl.make()).history({
        size: 10,
        retentionFor: (room) => rules[room] ?? { maxEntries: 10, maxAgeMs: forever, maxBytes: forever },
        now: () => clock.now(),
      });
      for (let n = 1; n <= 12; n++) {
        for (const room of ['short', 'young', 'other']) await history.add(message(room, n, clock.now()));
        await history.add(message('light', n, clock.now(), 'x'.repeat(100)));
        clock.advance(10_000);
      }
      // Now is 120 s after the first: the young room keeps what is at most 60 s old.
      expect(ids(await history.recent('short'))).toEqual([10, 11, 12].map(id));
      expect(ids(await history.recent('other'))).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map(id));
      expect(ids(await history.recent('young'))).toEqual([7, 8, 9, 10, 11, 12].map(id));
      expect((await history.page?.('young', { limit: 50 }))?.oldest).toBe(id(7));
      const light = await history.recent('light');
      expect(light.length).toBeGreaterThan(0);
      expect(light.reduce((bytes, m) => bytes + JSON.stringify(m).length, 0)).toBeLessThanOrEqual(600);
      expect(ids(light).at(-1)).toBe(id(12));
      clock.advance(60_000);
      expect(await history.recent('young')).toEqual([]);
      expect(await history.find('young', id(12))).toBeUndefined();
    });
  });
}

describe.skipIf(!redis.available)(redisSuiteTitle('chat.history on Redis', redis), () => {
  it('pages by message and by position on a room logged in Redis, two instances alike', async () => {
    const clock = new ManualClock();
    const shared = { heartbeatIntervalMs: 3_600_000, clock, redisUrl: url(), redisPrefix: 'hpe:', historySize: 8 };
    const a = await startTestServer(shared);
    const b = await startTestServer(shared);
    const bob = await a.joinRooms('bob', ['team']);
    const ann = await b.joinRooms('ann', ['team']);
    const sent: string[] = [];
    for (let n = 1; n <= 10; n++) {
      clock.advance(1);
      const ack = await request(bob, 'chat.send', { room_id: 'team', client_msg_id: `c${n}`, content: `m${n}` });
      sent.push(ack.payload.message_id);
    }
    await bob.barrier();
    const content = (reply: Frame) => reply.payload.messages.map((m: ChatMessage) => m.content);
    const latest = await request(ann, 'chat.history', { room_id: 'team', limit: 4 });
    expect([content(latest), latest.payload.more]).toEqual([['m7', 'm8', 'm9', 'm10'], true]);
    const back = await request(ann, 'chat.history', { room_id: 'team', before: { message_id: sent[6] } });
    expect([content(back), back.payload.more]).toEqual([['m3', 'm4', 'm5', 'm6'], false]);

    const pos = bob.frames.find((f) => f.type === 'chat.message' && f.payload.content === 'm5')?.pos;
    if (pos === undefined) throw new Error('no position for m5');
    const after = await request(ann, 'chat.history', { room_id: 'team', limit: 3, after: pos });
    expect([content(after), after.payload.more]).toEqual([['m6', 'm7', 'm8'], true]);
    const other = await request(ann, 'chat.history', { room_id: 'team', after: { ...pos, epoch: 'gone' } });
    expect(other).toMatchObject({ type: 'error', payload: { code: 'position_unavailable' } });
  });
});
