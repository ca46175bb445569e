import { describe, expect, it } from 'vitest';
import { redisAvailability, redisForSuite, redisSuiteTitle } from '../helpers/redis-server';
import { nextMessages, request, say } from '../helpers/requests';
import { startTestServer } from '../helpers/server';

const redis = redisAvailability();
const quiet = { heartbeatIntervalMs: 3_600_000 };

/** Room logs on Redis: two gateways on one Redis number a room's dispatches in one order and recover it alike. */
describe.skipIf(!redis.available)(redisSuiteTitle('room logs on Redis', redis), () => {
  const suite = redisForSuite(redis);

  it('numbers a room once for every instance, keeps it in Redis, and recovers it on another instance', async () => {
    const a = await startTestServer({ ...quiet, redisUrl: suite.url(), redisPrefix: 'rl1:' });
    const b = await startTestServer({ ...quiet, redisUrl: suite.url(), redisPrefix: 'rl1:' });
    const bob = await a.joinRooms('bob', ['team']);
    const ann = await b.joinRooms('ann', ['team']);
    const entered = ann.all('subscribed')[0]?.payload.rooms[0].position;
    expect(entered).toEqual({ epoch: expect.stringMatching(/^[0-9a-f]{16}$/), offset: 0 });

    await say(bob, 'team', 'one', 'two');
    const seen = await nextMessages(ann, 2);
    expect(seen.map((frame) => frame.pos)).toEqual([
      { room_id: 'team', epoch: entered.epoch, offset: 1 },
      { room_id: 'team', epoch: entered.epoch, offset: 2 },
    ]);
    expect((await nextMessages(bob, 2)).map((frame) => frame.pos?.offset)).toEqual([1, 2]);
    expect(await suite.commands().hgetall('rl1:{room:team}:head')).toEqual({ epoch: entered.epoch, head: '2' });

    // Ann leaves for good (a clean close ends her session) and comes back on the other instance.
    ann.close(1000);
    await say(bob, 'team', 'three', 'four');
    const back = await a.connect();
    back.send({
      type: 'identify',
      payload: { user_id: 'ann', subscriptions: ['team'], since: [{ room_id: 'team', ...entered, offset: 2 }] },
    });
    const ready = await back.next('ready');
    expect(ready.payload.recovery).toEqual([{ room_id: 'team', recovered: true, replayed: 2 }]);
    expect(ready.payload.rooms[0].position).toEqual({ epoch: entered.epoch, offset: 4 });
    await say(bob, 'team', 'five');
    const got = await nextMessages(back, 3);
    expect(got.map((frame) => [frame.payload.content, frame.pos?.offset])).toEqual([
      ['three', 3],
      ['four', 4],
      ['five', 5],
    ]);
  });

  it('starts a new epoch when Redis lost the room, and says so to a client from before', async () => {
    const a = await startTestServer({ ...quiet, redisUrl: suite.url(), redisPrefix: 'rl2:' });
    const bob = await a.joinRooms('bob', ['team']);
    await say(bob, 'team', 'before');
    const before = (await bob.next('chat.message')).pos;
    await suite.commands().del('rl2:{room:team}:head', 'rl2:{room:team}:log');
    await say(bob, 'team', 'after');
    const after = (await bob.next('chat.message')).pos;
    expect(after?.epoch).not.toBe(before?.epoch);
    expect(after?.offset).toBe(1);
    const { client: ann } = await a.join({ user_id: 'ann' });
    const reply = await request(ann, 'subscribe', { room_ids: ['team'], since: [before] });
    expect(reply.payload.recovery).toEqual([
      { room_id: 'team', recovered: false, replayed: 0, reason: 'epoch_changed' },
    ]);
    expect(reply.payload.rooms[0].recent_messages.length).toBeGreaterThan(0);
  });

  it('keeps a room within its retention in Redis and says where the hole is', async () => {
    const a = await startTestServer({
      ...quiet,
      redisUrl: suite.url(),
      redisPrefix: 'rl3:',
      roomLogRetention: [{ rooms: 'small:*', maxEntries: 2 }],
      rateLimits: { general: { burst: 1_000_000, perSecond: 1_000_000 } },
    });
    const bob = await a.joinRooms('bob', ['small:1']);
    const entered = bob.all('subscribed')[0]?.payload.rooms[0].position;
    // MAXLEN ~ trims whole nodes of the stream only, so a few more than asked may stay; never fewer.
    await say(bob, 'small:1', ...Array.from({ length: 300 }, (_, i) => `m${i + 1}`));
    const { client: ann } = await a.join({ user_id: 'ann' });
    const reply = await request(ann, 'subscribe', {
      room_ids: ['small:1'],
      since: [{ room_id: 'small:1', ...entered }],
    });
    const [answer] = reply.payload.recovery;
    expect(answer).toMatchObject({ room_id: 'small:1', recovered: false, reason: 'too_old', missed_from: 1 });
    expect(answer.replayed).toBeGreaterThanOrEqual(2);
    expect(answer.missed_to + answer.replayed).toBe(300);
    expect(await suite.commands().xlen('rl3:{room:small:1}:log')).toBeLessThan(300);
  });
});
