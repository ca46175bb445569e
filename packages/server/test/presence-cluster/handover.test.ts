import { describe, expect, it } from 'vitest';
import { redisAvailability, redisForSuite, redisSuiteTitle } from '../helpers/redis-server';
import { request } from '../helpers/requests';
import { dropConnection, lastSeq, resume } from '../helpers/resume';
import { startTestServer, type TestServer } from '../helpers/server';
import type { PresenceChange, TestClient } from '../helpers/ws-client';
import { changeMatching } from './scenarios';

const redis = redisAvailability();
const shared = redisForSuite(redis);

/** The seq of the newest anchor A wrote for the session: a resume elsewhere can rebuild from there. */
async function anchoredSeq(prefix: string, sessionId: string): Promise<number | undefined> {
  const data = await shared.commands().hget(`${prefix}session:${sessionId}`, 'data');
  if (data === null || data === undefined) return undefined;
  return (JSON.parse(data) as { anchors: Array<{ seq: number }> }).anchors.at(-1)?.seq;
}

/** What the diffs a client got from its `from`th frame on said of one user: [kind, room] each. */
function toldAbout(client: TestClient, userId: string, from: number): Array<[string, string | undefined]> {
  return client
    .changes()
    .filter((change: PresenceChange) => change.userId === userId && client.frames.indexOf(change.frame) >= from)
    .map((change) => [change.kind, change.roomId]);
}

/** A user on `at` whom every watcher sees come and then go: each watcher has heard what `at` said before. */
async function comeAndGo(at: TestServer<[]>, userId: string, watchers: readonly TestClient[]): Promise<void> {
  const { client } = await at.join({ user_id: userId, display_name: userId });
  for (const watcher of watchers) await changeMatching(watcher, 'joined', userId, undefined);
  client.close(1000);
  for (const watcher of watchers) await changeMatching(watcher, 'left', userId, undefined);
}

describe.skipIf(!redis.available)(redisSuiteTitle('presence across a resume on another instance', redis), () => {
  it('a session moving from A to B makes no leave or join in any diff; it leaves once when it ends', async () => {
    const options = { redisUrl: shared.url(), redisPrefix: 'ho1:' };
    const gateways: TestServer<[]>[] = [];
    for (let i = 0; i < 3; i++) gateways.push(await startTestServer(options));
    const [a, b, c] = gateways;
    if (a === undefined || b === undefined || c === undefined) throw new Error('no gateways');

    const watchers = [await b.joinRooms('wes', ['h']), await c.joinRooms('wat', ['h'])];
    const { client: onA, ready } = await a.join({ user_id: 'alice', display_name: 'alice' });
    const sessionId: string = ready.payload.session_id;
    await request(onA, 'subscribe', { room_ids: ['h'] });
    for (const watcher of watchers) await changeMatching(watcher, 'joined', 'alice', 'h');
    await expect.poll(() => b.server.gateway.room('h').online_users.includes('alice'), { timeout: 5000 }).toBe(true);
    const seq = lastSeq(onA);
    await dropConnection(a, onA);
    // Once A has anchored the session at the client's seq, B can rebuild it.
    await expect.poll(() => anchoredSeq(options.redisPrefix, sessionId), { timeout: 5000 }).toBe(seq);
    const before = watchers.map((watcher) => watcher.frames.length);

    const { client: onB, answer } = await resume(b, { session_id: sessionId, seq });
    expect(answer.type).toBe('resumed');
    await expect.poll(() => a.server.gateway.stats().sessions, { timeout: 5000 }).toBe(0);

    // Barriers: presence changes made on A after it forgot alice, and on B after the resume. Each instance's
    // presence diffs arrive in the order it published them, so anything A or B said about alice during the
    // hand-over has arrived at every watcher by then. (Each user is seen to come before going: one who came
    // and went within one batch would be in no diff at all.)
    await comeAndGo(a, 'zed', watchers);
    await comeAndGo(b, 'yan', watchers);
    watchers.forEach((watcher, i) => {
      expect(toldAbout(watcher, 'alice', before[i] ?? 0)).toEqual([]);
    });
    for (const gateway of [a, b, c]) expect(gateway.server.gateway.room('h').online_users).toContain('alice');

    // Alice is live on B: a message there reaches her, and her session ends with one leave everywhere.
    await request(watchers[1] as TestClient, 'chat.send', { room_id: 'h', client_msg_id: 'hi', content: 'hi' });
    expect((await onB.next('chat.message', 5000)).payload.content).toBe('hi');
    onB.close(1000);
    for (const watcher of watchers) {
      await changeMatching(watcher, 'left', 'alice', undefined);
      await changeMatching(watcher, 'left', 'alice', 'h');
    }
    await comeAndGo(a, 'zoe', watchers);
    watchers.forEach((watcher, i) => {
      expect(toldAbout(watcher, 'alice', before[i] ?? 0)).toEqual([
        ['left', 'h'],
        ['left', undefined],
      ]);
    });
    for (const gateway of [a, b, c]) {
      await expect
        .poll(() => gateway.server.gateway.room('h').online_users.includes('alice'), { timeout: 5000 })
        .toBe(false);
    }
  });
});
