import { describe, expect, it } from 'vitest';
import { redisAvailability, redisForSuite, redisSuiteTitle } from '../helpers/redis-server';
import { request } from '../helpers/requests';
import { dropConnection, lastSeq, resume } from '../helpers/resume';
import { startTestServer, type TestServer } from '../helpers/server';
import type { Frame, TestClient } from '../helpers/ws-client';
import { frameMatching } from './scenarios';

const redis = redisAvailability();
const shared = redisForSuite(redis);

/** The seq of the newest anchor A wrote for the session: a resume elsewhere can rebuild from there. */
async function anchoredSeq(prefix: string, sessionId: string): Promise<number | undefined> {
  const data = await shared.commands().hget(`${prefix}session:${sessionId}`, 'data');
  if (data === null || data === undefined) return undefined;
  return (JSON.parse(data) as { anchors: Array<{ seq: number }> }).anchors.at(-1)?.seq;
}

const aboutUser = (userId: string) => (frame: Frame) =>
  frame.type.startsWith('presence.') && (frame.payload?.presence?.user_id ?? frame.payload?.user_id) === userId;

describe.skipIf(!redis.available)(redisSuiteTitle('presence across a resume on another instance', redis), () => {
  it('a session moving from A to B makes no presence.leave or presence.join; it leaves once when it ends', async () => {
    const options = { redisUrl: shared.url(), redisPrefix: 'ho1:' };
    const gateways: TestServer<[]>[] = [];
    for (let i = 0; i < 3; i++) gateways.push(await startTestServer(options));
    const [a, b, c] = gateways;
    if (a === undefined || b === undefined || c === undefined) throw new Error('no gateways');

    const watchers = [await b.joinRooms('wes', ['h']), await c.joinRooms('wat', ['h'])];
    const { client: onA, ready } = await a.join({ user_id: 'alice', display_name: 'alice' });
    const sessionId: string = ready.payload.session_id;
    await request(onA, 'subscribe', { room_ids: ['h'] });
    for (const watcher of watchers) {
      await frameMatching(watcher, 'presence.join', (f) => f.payload.room_id === 'h' && aboutUser('alice')(f));
    }
    await expect.poll(() => b.server.gateway.room('h').online_users.includes('alice'), { timeout: 5000 }).toBe(true);
    const seq = lastSeq(onA);
    await dropConnection(a, onA);
    // Once A has anchored the session at the client's seq, B can rebuild it.
    await expect.poll(() => anchoredSeq(options.redisPrefix, sessionId), { timeout: 5000 }).toBe(seq);
    const before = watchers.map((watcher) => watcher.frames.length);

    const { client: onB, answer } = await resume(b, { session_id: sessionId, seq });
    expect(answer.type).toBe('resumed');
    await expect.poll(() => a.server.gateway.stats().sessions, { timeout: 5000 }).toBe(0);

    // Barriers: a presence change made on A after it forgot alice, and one on B after the resume. Each
    // instance's presence deltas arrive in the order it published them, so anything A or B said about alice
    // during the hand-over has arrived at every watcher by then.
    const { client: zed } = await a.join({ user_id: 'zed', display_name: 'zed' });
    zed.close(1000);
    const { client: yan } = await b.join({ user_id: 'yan', display_name: 'yan' });
    yan.close(1000);
    for (const watcher of watchers) {
      await frameMatching(watcher, 'presence.leave', (f) => f.payload.room_id === undefined && aboutUser('zed')(f));
      await frameMatching(watcher, 'presence.leave', (f) => f.payload.room_id === undefined && aboutUser('yan')(f));
    }
    watchers.forEach((watcher, i) => {
      const after = watcher.frames.slice(before[i]).filter(aboutUser('alice'));
      expect(after.map((f) => f.type)).toEqual([]);
    });
    for (const gateway of [a, b, c]) expect(gateway.server.gateway.room('h').online_users).toContain('alice');

    // Alice is live on B: a message there reaches her, and her session ends with one leave everywhere.
    await request(watchers[1] as TestClient, 'chat.send', { room_id: 'h', client_msg_id: 'hi', content: 'hi' });
    expect((await onB.next('chat.message', 5000)).payload.content).toBe('hi');
    onB.close(1000);
    for (const watcher of watchers) {
      await frameMatching(watcher, 'presence.leave', (f) => f.payload.room_id === undefined && aboutUser('alice')(f));
      await frameMatching(watcher, 'presence.leave', (f) => f.payload.room_id === 'h' && aboutUser('alice')(f));
    }
    const { client: last } = await a.join({ user_id: 'zoe', display_name: 'zoe' });
    last.close(1000);
    for (const watcher of watchers) {
      await frameMatching(watcher, 'presence.leave', (f) => f.payload.room_id === undefined && aboutUser('zoe')(f));
      const after = watcher.frames.slice(before[watchers.indexOf(watcher)]).filter(aboutUser('alice'));
      expect(after.map((f) => [f.type, f.payload.room_id])).toEqual([
        ['presence.leave', 'h'],
        ['presence.leave', undefined],
      ]);
    }
    for (const gateway of [a, b, c]) {
      await expect
        .poll(() => gateway.server.gateway.room('h').online_users.includes('alice'), { timeout: 5000 })
        .toBe(false);
    }
  });
});
