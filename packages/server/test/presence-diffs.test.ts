import { describe, expect, it } from 'vitest';
import { ManualClock } from './helpers/manual-clock';
import { request } from './helpers/requests';
import { startTestServer, type TestServer } from './helpers/server';
import type { Frame, TestClient } from './helpers/ws-client';

const quiet = { heartbeatIntervalMs: 3_600_000 };

/**
 * A connection fed to the gateway core directly (no socket), so many can identify within one turn of the
 * event loop: each `identify` is handled in microtasks, before the turn's presence diffs go out.
 */
interface FakeClient {
  readonly sent: Frame[];
  readonly ready: () => boolean;
}

function identifyFake(
  t: TestServer<[]>,
  identify: Record<string, unknown>,
  onReady?: (closed: (code: number, reason: string) => void) => void,
): FakeClient {
  const sent: Frame[] = [];
  const handle = t.server.gateway.open({
    send: (text) => {
      const frame = JSON.parse(text) as Frame;
      sent.push(frame);
      if (frame.type === 'ready' && onReady !== undefined) onReady((code, reason) => handle.closed(code, reason));
    },
    close: () => {},
  });
  handle.message(JSON.stringify({ type: 'identify', payload: identify }), false);
  return { sent, ready: () => sent.some((frame) => frame.type === 'ready') };
}

/** `count` ids in an order that is not their id order, so "by user id" is something to get right. */
const shuffledIds = (prefix: string, count: number, width: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}${String((i * 7) % count).padStart(width, '0')}`);

const userIds = (entries: Array<{ user_id: string }>) => entries.map((entry) => entry.user_id);

const taken = new WeakMap<TestClient, Set<Frame>>();

/**
 * The next `presence.diff` of one scope (`roomId`, or global when undefined) not returned before, waiting up
 * to `timeoutMs`; other scopes' diffs stay for their own calls.
 */
async function nextDiff(client: TestClient, roomId: string | undefined, timeoutMs = 2000): Promise<Frame> {
  const used = taken.get(client) ?? new Set<Frame>();
  taken.set(client, used);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = client.all('presence.diff').find((frame) => frame.payload.room_id === roomId && !used.has(frame));
    if (found !== undefined) {
      used.add(found);
      return found;
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`No presence.diff of ${roomId ?? 'the global scope'} within ${timeoutMs} ms`);
    await client.next('presence.diff', left).catch(() => undefined);
  }
}

/** A member of the room on a socket, past the diffs of its own coming (in the room, and to everyone). */
async function memberOf(t: TestServer<[]>, roomId: string): Promise<TestClient> {
  const member = await t.joinRooms('member', [roomId]);
  expect((await nextDiff(member, roomId)).payload).toMatchObject({ joined: [{ user_id: 'member' }], count: 1 });
  expect((await nextDiff(member, undefined)).payload).toMatchObject({ joined: [{ user_id: 'member' }], count: 1 });
  return member;
}

const diffsOf = (client: TestClient, roomId: string | undefined) =>
  client.all('presence.diff').filter((frame) => frame.payload.room_id === roomId);

describe('presence diffs', () => {
  it('twenty users entering a room within one turn reach a member in one diff per scope naming all twenty', async () => {
    const t = await startTestServer(quiet);
    const member = await memberOf(t, 'lobby');

    const ids = shuffledIds('user-', 20, 2);
    const fakes = ids.map((id) => identifyFake(t, { user_id: id, subscriptions: ['lobby'] }));

    const roomDiff = await nextDiff(member, 'lobby');
    expect(userIds(roomDiff.payload.joined).sort()).toEqual([...ids].sort());
    expect(roomDiff.payload).toEqual({ room_id: 'lobby', joined: expect.any(Array), count: 21 });
    const globalDiff = await nextDiff(member, undefined);
    expect(userIds(globalDiff.payload.joined).sort()).toEqual([...ids].sort());
    expect(globalDiff.payload).toEqual({ joined: expect.any(Array), count: 21 });
    await member.barrier();
    // Nothing else about them: the member's own join, then the twenty at once.
    expect(diffsOf(member, 'lobby')).toHaveLength(2);
    expect(member.changes().filter((change) => ids.includes(change.userId))).toHaveLength(40);

    // The joiners are in the room's diff too (no exclusion): the same one, naming each of them.
    expect(fakes.every((fake) => fake.ready())).toBe(true);
    for (const fake of fakes) {
      const diffs = fake.sent.filter((frame) => frame.type === 'presence.diff' && frame.payload.room_id === 'lobby');
      expect(diffs.map((frame) => frame.payload)).toEqual([roomDiff.payload]);
    }
  });

  it('a user who comes and goes within one turn is in no diff', async () => {
    const t = await startTestServer(quiet);
    const member = await memberOf(t, 'lobby');

    let passingReady = false;
    identifyFake(t, { user_id: 'passing', subscriptions: ['lobby'] }, (closed) => {
      passingReady = true;
      // Still within the turn that brought it in: gone before that turn's diffs go out.
      queueMicrotask(() => closed(1000, 'bye'));
    });
    identifyFake(t, { user_id: 'stays', subscriptions: ['lobby'] });

    expect((await nextDiff(member, 'lobby')).payload).toEqual({
      room_id: 'lobby',
      joined: [expect.objectContaining({ user_id: 'stays' })],
      count: 2,
    });
    expect((await nextDiff(member, undefined)).payload).toEqual({
      joined: [expect.objectContaining({ user_id: 'stays' })],
      count: 2,
    });
    await member.barrier();
    // It did come in (ready), and it is gone: it simply never showed.
    expect(passingReady).toBe(true);
    expect(t.server.gateway.presence().map((entry) => entry.user_id)).not.toContain('passing');
    expect(member.changes().filter((change) => change.userId === 'passing')).toEqual([]);
  });

  it('never names an invisible member: not when it leaves the room, nor again after it went invisible', async () => {
    const t = await startTestServer({ ...quiet, globalPresence: false });
    const watcher = await t.joinRooms('watcher', ['r']);
    const ghost = await t.joinRooms('ghost', ['r'], { presence: { status: 'invisible' } });
    expect((await request(ghost, 'unsubscribe', { room_ids: ['r'] })).type).toBe('unsubscribed');
    const shade = await t.joinRooms('shade', ['r']);
    expect((await watcher.nextChange('joined', 'shade', 'r')).frame.payload.count).toBe(2);
    expect((await request(shade, 'presence.update', { status: 'invisible' })).type).toBe('ack');
    expect((await watcher.nextChange('left', 'shade', 'r')).frame.payload).toEqual({
      room_id: 'r',
      left: ['shade'],
      count: 1,
    });
    expect((await request(shade, 'unsubscribe', { room_ids: ['r'] })).type).toBe('unsubscribed');
    // A last arrival: its diff comes after anything the leaves above could have made.
    await t.joinRooms('last', ['r']);
    await watcher.nextChange('joined', 'last', 'r');
    expect(watcher.changes().map((change) => [change.kind, change.userId])).toEqual([
      ['joined', 'watcher'],
      ['joined', 'shade'],
      ['left', 'shade'],
      ['joined', 'last'],
    ]);
  });

  it('presenceBatchMs holds the diffs on the clock until the window ends, then sends each user as they are', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...quiet, clock, presenceBatchMs: 100 });
    const { client: watcher } = await t.join({ user_id: 'watcher' });
    expect(watcher.frames.find((frame) => frame.type === 'hello')?.payload.limits.presence_batch_ms).toBe(100);
    // The watcher's own join opened the window; ann's falls into it.
    const { client: ann } = await t.join({ user_id: 'ann' });
    await Promise.all([watcher.barrier(), ann.barrier()]);
    expect(watcher.all('presence.diff')).toEqual([]);
    clock.advance(99);
    await Promise.all([watcher.barrier(), ann.barrier()]);
    expect(watcher.all('presence.diff')).toEqual([]);
    clock.advance(1);
    const first = await watcher.next('presence.diff');
    expect(userIds(first.payload.joined).sort()).toEqual(['ann', 'watcher']);
    expect(first.payload).toEqual({ joined: expect.any(Array), count: 2 });
    expect((await ann.next('presence.diff')).payload).toEqual(first.payload);

    // A second window: ann changes three times, carol comes and goes, bob comes.
    for (const status of ['idle', 'online', 'dnd']) {
      expect((await request(ann, 'presence.update', { status })).type).toBe('ack');
    }
    const { client: carol } = await t.join({ user_id: 'carol' });
    carol.close(1000);
    await expect.poll(() => t.server.gateway.presence().some((entry) => entry.user_id === 'carol')).toBe(false);
    await t.join({ user_id: 'bob' });
    await watcher.barrier();
    expect(watcher.all('presence.diff')).toHaveLength(1);
    clock.advance(100);
    const second = await watcher.next('presence.diff');
    expect(second.payload).toEqual({
      joined: [expect.objectContaining({ user_id: 'bob', status: 'online' })],
      updated: [expect.objectContaining({ user_id: 'ann', status: 'dnd' })],
      count: 3,
    });
    await watcher.barrier();
    expect(watcher.all('presence.diff')).toHaveLength(2);
  });

  it('subscribed shows a room of 250 by count and its first 100 members; presence.list pages the rest', async () => {
    const t = await startTestServer(quiet);
    const ids = shuffledIds('m-', 249, 3);
    const fakes = ids.map((id) => identifyFake(t, { user_id: id, subscriptions: ['big'] }));
    await expect.poll(() => fakes.every((fake) => fake.ready())).toBe(true);

    const { client: reader } = await t.join({ user_id: 'reader' });
    const subscribed = await request(reader, 'subscribe', { room_ids: ['big'] });
    expect(subscribed.type).toBe('subscribed');
    const [room] = subscribed.payload.rooms;
    const all = [...ids, 'reader'].sort();
    expect(room).toMatchObject({ room_id: 'big', member_count: 250, recent_messages: [] });
    expect(userIds(room.members)).toEqual(all.slice(0, 100));
    expect(room.members_next).toBe(all[99]);
    expect(room.members_on_request).toBeUndefined();

    const rest: string[] = [];
    let after: string | undefined = room.members_next;
    for (let pages = 0; after !== undefined; pages++) {
      expect(pages).toBeLessThan(10);
      const page = await request(reader, 'presence.list', { room_id: 'big', after });
      expect(page.type).toBe('ack');
      rest.push(...userIds(page.payload.presence));
      after = page.payload.next;
    }
    expect(rest).toEqual(all.slice(100));
  });

  it('a room on request (presenceOnRequest) shows and tells its count only; presence.list still answers', async () => {
    const t = await startTestServer({ ...quiet, globalPresence: false, presenceOnRequest: ['live:*'] });
    const a = await t.joinRooms('a', ['live:1']);
    await t.joinRooms('b', ['live:1']);
    const { client: reader } = await t.join({ user_id: 'reader' });
    const subscribed = await request(reader, 'subscribe', { room_ids: ['live:1', 'live'] });
    expect(subscribed.payload.rooms).toEqual([
      {
        room_id: 'live:1',
        member_count: 3,
        members: [],
        members_on_request: true,
        recent_messages: [],
        position: { epoch: expect.any(String), offset: 0 },
      },
      // Not `live:*`: its members come as usual.
      {
        room_id: 'live',
        member_count: 1,
        members: [expect.objectContaining({ user_id: 'reader' })],
        recent_messages: [],
        position: { epoch: expect.any(String), offset: 0 },
      },
    ]);
    expect((await nextDiff(reader, 'live:1')).payload).toEqual({ room_id: 'live:1', count: 3 });

    const c = await t.joinRooms('c', ['live:1']);
    expect((await nextDiff(reader, 'live:1')).payload).toEqual({ room_id: 'live:1', count: 4 });
    // A member's status is no news to a room on request: the next diff is c's leave.
    expect((await request(a, 'presence.update', { status: 'dnd' })).type).toBe('ack');
    expect((await request(c, 'unsubscribe', { room_ids: ['live:1'] })).type).toBe('unsubscribed');
    expect((await nextDiff(reader, 'live:1')).payload).toEqual({ room_id: 'live:1', count: 3 });
    await reader.barrier();
    expect(diffsOf(reader, 'live:1')).toHaveLength(3);

    const list = await request(reader, 'presence.list', { room_id: 'live:1' });
    expect(list.type).toBe('ack');
    expect(userIds(list.payload.presence)).toEqual(['a', 'b', 'reader']);
    expect(list.payload.presence[0]).toMatchObject({ user_id: 'a', status: 'dnd' });
  });

  it('ready.rooms gives each room granted from identify its count and first members', async () => {
    const t = await startTestServer({
      ...quiet,
      maxRoomSnapshot: 2,
      presenceOnRequest: ['live:*'],
      authorize: ({ room_id }) => room_id !== 'secret',
    });
    for (const id of ['z', 'b', 'a']) await t.joinRooms(id, ['r']);
    // Invisible is offline to others: neither counted nor listed.
    await t.joinRooms('c', ['r'], { presence: { status: 'invisible' } });
    await t.joinRooms('d', ['live:9']);

    const { ready } = await t.join({ user_id: 'n', subscriptions: ['r', 'secret', 'empty', 'live:9'] });
    expect(ready.payload.subscriptions).toEqual(['r', 'empty', 'live:9']);
    expect(ready.payload.refused).toEqual([{ room_id: 'secret', code: 'forbidden', message: expect.any(String) }]);
    const rooms = ready.payload.rooms.map(
      ({ position, ...room }: { members: Array<{ user_id: string }>; position: unknown }) => {
        // Each room's log position as the session entered it: nothing said there yet.
        expect(position).toEqual({ epoch: expect.any(String), offset: 0 });
        return { ...room, members: userIds(room.members) };
      },
    );
    expect(rooms).toEqual([
      { room_id: 'r', member_count: 4, members: ['a', 'b'], members_next: 'b' },
      { room_id: 'empty', member_count: 1, members: ['n'] },
      { room_id: 'live:9', member_count: 2, members: [], members_on_request: true },
    ]);
  });
});
