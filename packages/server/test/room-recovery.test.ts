import { describe, expect, it } from 'vitest';
import { ManualClock } from './helpers/manual-clock';
import { nextMessages, request, say } from './helpers/requests';
import { dropConnection, lastSeq, resume } from './helpers/resume';
import { startTestServer, type TestServer } from './helpers/server';
import type { Frame, TestClient } from './helpers/ws-client';

const WINDOW = 10_000;
const quiet = { resumeWindowMs: WINDOW, heartbeatIntervalMs: 3_600_000 };

/** The last `pos` a client saw of a room: what it sends in `since`. */
function lastPosition(client: TestClient, room: string): { room_id: string; epoch: string; offset: number } {
  const seen = client.frames.filter((frame) => frame.pos?.room_id === room);
  const last = seen.at(-1)?.pos;
  if (last === undefined) throw new Error(`no position seen in ${room}`);
  return last;
}

async function identify(
  t: TestServer<[]>,
  payload: Record<string, unknown>,
): Promise<{ client: TestClient; ready: Frame }> {
  const client = await t.connect();
  client.send({ type: 'identify', payload });
  return { client, ready: await client.next('ready') };
}

describe('room positions', () => {
  it('numbers each room dispatch in its envelope; presence diffs and dispatches to a user carry none', async () => {
    const t = await startTestServer(quiet);
    const ann = await t.joinRooms('ann', ['team']);
    const subscribed = ann.all('subscribed')[0];
    const entered = subscribed?.payload.rooms[0].position;
    expect(entered).toEqual({ epoch: expect.any(String), offset: 0 });
    expect(ann.all('hello')[0]?.payload.limits.max_recover).toBe(1000);

    await say(ann, 'team', 'one', 'two');
    const [one, two] = await nextMessages(ann, 2);
    expect(one?.pos).toEqual({ room_id: 'team', epoch: entered.epoch, offset: 1 });
    expect(two?.pos).toEqual({ room_id: 'team', epoch: entered.epoch, offset: 2 });
    expect(t.server.gateway.send({ userId: 'ann' }, 'system', { message: 'hi' })).toBe(true);
    expect((await ann.next('system')).pos).toBeUndefined();
    for (const diff of ann.all('presence.diff')) expect(diff.pos).toBeUndefined();
    // A room of its own numbers from 1 in an epoch of its own.
    await request(ann, 'subscribe', { room_ids: ['other'] });
    await say(ann, 'other', 'three');
    expect((await ann.next('chat.message')).pos).toMatchObject({ room_id: 'other', offset: 1 });
  });

  it('gives each room of identify its position in ready', async () => {
    const t = await startTestServer(quiet);
    const bob = await t.joinRooms('bob', ['team']);
    await say(bob, 'team', 'before');
    const { ready } = await identify(t, { user_id: 'ann', subscriptions: ['team'] });
    expect(ready.payload.rooms[0]).toMatchObject({ room_id: 'team', position: { offset: 1 } });
    expect(ready.payload.recovery).toBeUndefined();
  });
});

describe('room recovery after the session is gone', () => {
  it('replays what a client missed after its resume window passed, then live, once and in order', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...quiet, clock });
    const bob = await t.joinRooms('bob', ['team', 'lobby']);
    const { client: ann, ready } = await identify(t, { user_id: 'ann', subscriptions: ['team', 'lobby'] });
    await say(bob, 'team', 'a1', 'a2');
    await say(bob, 'lobby', 'l1');
    await nextMessages(ann, 3);
    const since = [lastPosition(ann, 'team'), lastPosition(ann, 'lobby')];

    await dropConnection(t, ann);
    await say(bob, 'team', 'b1', 'b2', 'b3');
    await say(bob, 'lobby', 'l2');
    clock.advance(WINDOW);
    const refused = await resume(t, { session_id: ready.payload.session_id, seq: lastSeq(ann) });
    expect(refused.answer.type).toBe('invalid_session');
    await say(bob, 'team', 'c1');

    const back = refused.client;
    back.send({ type: 'identify', payload: { user_id: 'ann', subscriptions: ['team', 'lobby'], since } });
    const again = await back.next('ready');
    expect(again.payload.recovery).toEqual([
      { room_id: 'team', recovered: true, replayed: 4 },
      { room_id: 'lobby', recovered: true, replayed: 1 },
    ]);
    expect(again.payload.rooms.map((room: { position: unknown }) => room.position)).toEqual([
      { epoch: since[0]?.epoch, offset: 6 },
      { epoch: since[1]?.epoch, offset: 2 },
    ]);
    await say(bob, 'team', 'live');
    const got = await nextMessages(back, 6);
    expect(got.map((frame) => [frame.payload.content, frame.pos?.offset])).toEqual([
      ['b1', 3],
      ['b2', 4],
      ['b3', 5],
      ['c1', 6],
      ['l2', 2],
      ['live', 7],
    ]);
    // The replay is the new session's first dispatches; live ones (presence diffs too) come after it.
    expect(got.slice(0, 5).map((frame) => frame.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(got[5]?.seq).toBeGreaterThan(5);
  });

  it('recovers a room left and subscribed again, without recent messages in the snapshot', async () => {
    const t = await startTestServer(quiet);
    const bob = await t.joinRooms('bob', ['team']);
    const ann = await t.joinRooms('ann', ['team']);
    await say(bob, 'team', 'm1');
    await ann.next('chat.message');
    const since = lastPosition(ann, 'team');
    await request(ann, 'unsubscribe', { room_ids: ['team'] });
    await say(bob, 'team', 'm2', 'm3');
    const reply = await request(ann, 'subscribe', { room_ids: ['team'], since: [since] });
    expect(reply.payload.recovery).toEqual([{ room_id: 'team', recovered: true, replayed: 2 }]);
    expect(reply.payload.rooms[0].recent_messages).toEqual([]);
    expect(reply.payload.rooms[0].position).toEqual({ epoch: since.epoch, offset: 3 });
    const got = await nextMessages(ann, 2);
    expect(got.map((frame) => frame.payload.content)).toEqual(['m2', 'm3']);
    // Without a position, a room is entered as before: recent messages, nothing replayed.
    const { client: carol } = await t.join({ user_id: 'carol' });
    const plain = await request(carol, 'subscribe', { room_ids: ['team'] });
    expect(plain.payload.recovery).toBeUndefined();
    expect(plain.payload.rooms[0].recent_messages.map((m: { content: string }) => m.content)).toEqual([
      'm1',
      'm2',
      'm3',
    ]);
  });

  it('says where the hole starts when the room keeps less than was missed, and replays what it keeps', async () => {
    const t = await startTestServer({ ...quiet, roomLogDefault: { maxEntries: 3 } });
    const bob = await t.joinRooms('bob', ['team']);
    const ann = await t.joinRooms('ann', ['team']);
    await say(bob, 'team', 'seen');
    await ann.next('chat.message');
    const since = lastPosition(ann, 'team');
    ann.close(1000);
    await say(bob, 'team', 'x2', 'x3', 'x4', 'x5', 'x6');
    const { client, ready } = await identify(t, { user_id: 'ann', subscriptions: ['team'], since: [since] });
    expect(ready.payload.recovery).toEqual([
      { room_id: 'team', recovered: false, replayed: 3, reason: 'too_old', missed_from: 2, missed_to: 3 },
    ]);
    expect((await nextMessages(client, 3)).map((frame) => frame.payload.content)).toEqual(['x4', 'x5', 'x6']);
  });

  it('keeps a room by its pattern’s retention, age included, on the gateway clock', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({
      ...quiet,
      clock,
      roomLogRetention: [{ rooms: 'live:*', maxAgeMs: 60_000 }],
    });
    const bob = await t.joinRooms('bob', ['live:1', 'team']);
    const ann = await t.joinRooms('ann', ['live:1', 'team']);
    await say(bob, 'live:1', 'old');
    await say(bob, 'team', 'old');
    await nextMessages(ann, 2);
    const since = [lastPosition(ann, 'live:1'), lastPosition(ann, 'team')];
    await request(ann, 'unsubscribe', { room_ids: ['live:1', 'team'] });
    await say(bob, 'live:1', 'stale');
    await say(bob, 'team', 'kept');
    clock.advance(61_000);
    const reply = await request(ann, 'subscribe', { room_ids: ['live:1', 'team'], since });
    expect(reply.payload.recovery).toEqual([
      { room_id: 'live:1', recovered: false, replayed: 0, reason: 'too_old', missed_from: 2, missed_to: 2 },
      { room_id: 'team', recovered: true, replayed: 1 },
    ]);
  });

  it('replays at most max_recover, the newest, and says too_many', async () => {
    const t = await startTestServer({ ...quiet, maxRecover: 2 });
    const bob = await t.joinRooms('bob', ['team']);
    const since = { room_id: 'team', ...(bob.all('subscribed')[0]?.payload.rooms[0].position ?? {}) };
    await say(bob, 'team', 'm1', 'm2', 'm3', 'm4');
    const { client, ready } = await identify(t, { user_id: 'ann', subscriptions: ['team'], since: [since] });
    expect(ready.payload.recovery).toEqual([
      { room_id: 'team', recovered: false, replayed: 2, reason: 'too_many', missed_from: 1, missed_to: 2 },
    ]);
    expect((await nextMessages(client, 2)).map((frame) => frame.payload.content)).toEqual(['m3', 'm4']);
  });

  it('tells a client from before a restart that the epoch changed, and ignores positions of rooms not granted', async () => {
    const first = await startTestServer(quiet);
    const bob = await first.joinRooms('bob', ['team']);
    await say(bob, 'team', 'before');
    const since = lastPosition(bob, 'team');
    await first.server.close();
    const t = await startTestServer({ ...quiet, authorize: ({ room_id }) => room_id !== 'secret' });
    const { ready } = await identify(t, {
      user_id: 'bob',
      subscriptions: ['team', 'secret'],
      since: [
        since,
        { room_id: 'secret', epoch: since.epoch, offset: 0 },
        { room_id: 'elsewhere', epoch: 'e', offset: 3 },
      ],
    });
    expect(ready.payload.refused.map((room: { room_id: string }) => room.room_id)).toEqual(['secret']);
    expect(ready.payload.recovery).toEqual([
      { room_id: 'team', recovered: false, replayed: 0, reason: 'epoch_changed' },
    ]);
  });

  it('replays nothing that excluded the user, as the live fan-out did', async () => {
    const t = await startTestServer(quiet);
    const bob = await t.joinRooms('bob', ['team']);
    const since = { room_id: 'team', ...bob.all('subscribed')[0]?.payload.rooms[0].position };
    t.server.gateway.broadcast('system', { message: 'not for ann' }, { room: 'team', exclude: { users: ['ann'] } });
    t.server.gateway.broadcast('system', { message: 'for all' }, { room: 'team' });
    const { client, ready } = await identify(t, { user_id: 'ann', subscriptions: ['team'], since: [since] });
    expect(ready.payload.recovery).toEqual([{ room_id: 'team', recovered: true, replayed: 1 }]);
    const got = await client.next('system');
    expect(got).toMatchObject({ seq: 1, payload: { message: 'for all' }, pos: { offset: 2 } });
  });
});
