import { describe, expect, it } from 'vitest';
import { request } from '../helpers/requests';
import { startTestServer, type TestServer } from '../helpers/server';
import type { Frame, TestClient } from '../helpers/ws-client';

const quiet = { heartbeatIntervalMs: 3_600_000 };

/** Users joining in an order that is not their id order, so "first by user id" is something to get right. */
const shuffled = (count: number) =>
  Array.from({ length: count }, (_, i) => `user-${String((i * 7) % count).padStart(2, '0')}`);

async function joinAll(t: TestServer<[]>, ids: readonly string[], identify: Record<string, unknown> = {}) {
  const clients: TestClient[] = [];
  for (const id of ids) clients.push((await t.join({ user_id: id, ...identify })).client);
  return clients;
}

/** Every page of `presence.list` from the first, in order. */
async function pageThrough(client: TestClient, payload: Record<string, unknown>): Promise<Frame[]> {
  const pages: Frame[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await request(client, 'presence.list', after === undefined ? payload : { ...payload, after });
    expect(page.type).toBe('ack');
    pages.push(page);
    after = page.payload.next;
    if (after === undefined) return pages;
    expect(pages.length).toBeLessThan(100);
  }
}

const idsOf = (pages: Frame[]) =>
  pages.flatMap((page) => page.payload.presence.map((e: { user_id: string }) => e.user_id));

describe('the presence snapshot in ready is bounded (maxPresenceSnapshot)', () => {
  it('carries at most the cap, first by user id, and presence_total when it was cut', async () => {
    const t = await startTestServer({ ...quiet, maxPresenceSnapshot: 5 });
    const ids = shuffled(12);
    await joinAll(t, ids);
    const { ready } = await t.join({ user_id: 'newcomer' });
    const all = [...ids, 'newcomer'].sort();
    expect(ready.payload.presence.map((entry: { user_id: string }) => entry.user_id)).toEqual(all.slice(0, 5));
    expect(ready.payload.presence_total).toBe(13);
  });

  it('is whole, without presence_total, when everyone fits', async () => {
    const t = await startTestServer({ ...quiet, maxPresenceSnapshot: 5 });
    await joinAll(t, shuffled(4));
    const { ready } = await t.join({ user_id: 'newcomer' });
    expect(ready.payload.presence).toHaveLength(5);
    expect(ready.payload.presence_total).toBeUndefined();
  });

  it('with global presence off: nobody in ready.presence; each room the users sharing it, cut by maxRoomSnapshot', async () => {
    const t = await startTestServer({ ...quiet, globalPresence: false, maxPresenceSnapshot: 3, maxRoomSnapshot: 3 });
    for (const id of shuffled(6)) await t.joinRooms(id, ['r']);
    await t.join({ user_id: 'elsewhere' });
    const { client, ready } = await t.join({ user_id: 'newcomer', subscriptions: ['r'] });
    expect(ready.payload.presence).toEqual([]);
    expect(ready.payload.presence_total).toBeUndefined();
    const [room] = ready.payload.rooms;
    expect(ready.payload.rooms).toHaveLength(1);
    expect(room).toMatchObject({ room_id: 'r', member_count: 7, members_next: 'user-01' });
    expect(room.members.map((entry: { user_id: string }) => entry.user_id)).toEqual(['newcomer', 'user-00', 'user-01']);
    // The rest of the room from where the page stopped, and nobody from outside it.
    const rest = await pageThrough(client, { room_id: 'r', after: room.members_next });
    expect(idsOf(rest)).toEqual(['user-02', 'user-03', 'user-04', 'user-05']);
  });

  it('stops short of a quarter of the buffer cap, whatever the cap in entries says', async () => {
    // 40,000 bytes of buffer: a page is at most 10,000 bytes of JSON, four users with 2 KB of data.
    const t = await startTestServer({ ...quiet, maxBufferedBytes: 40_000 });
    const ids = shuffled(10);
    await joinAll(t, ids, { presence: { data: { blob: 'x'.repeat(2000) } } });
    const { client, ready } = await t.join({ user_id: 'newcomer' });
    expect(ready.payload.presence.length).toBeLessThan(6);
    expect(JSON.stringify(ready.payload.presence).length).toBeLessThanOrEqual(10_000);
    expect(ready.payload.presence_total).toBe(11);
    // The pages of presence.list keep to the same bytes, and still list everyone once.
    const pages = await pageThrough(client, { limit: 1000 });
    for (const page of pages) expect(JSON.stringify(page.payload.presence).length).toBeLessThanOrEqual(10_000);
    expect(idsOf(pages)).toEqual([...ids, 'newcomer'].sort());
  });
});

describe('presence.list pages through presence', () => {
  it('global scope: everyone exactly once, in user id order, the last page without next', async () => {
    const t = await startTestServer({ ...quiet, maxPresenceSnapshot: 4 });
    const ids = shuffled(13);
    const clients = await joinAll(t, ids);
    // An invisible user is offline to others: never listed, and never the reason for one more page.
    await request(clients[0] as TestClient, 'presence.update', { status: 'invisible' });
    const { client } = await t.join({ user_id: 'zz-last' });
    const pages = await pageThrough(client, { limit: 4 });
    const expected = [...ids.slice(1), 'zz-last'].sort();
    expect(idsOf(pages)).toEqual(expected);
    expect(pages).toHaveLength(Math.ceil(expected.length / 4));
    expect(pages.at(-1)?.payload.next).toBeUndefined();
    expect(pages[0]?.payload.room_id).toBeUndefined();
  });

  it('a room: its members exactly once, and nobody from outside it', async () => {
    const t = await startTestServer(quiet);
    const members = shuffled(9);
    for (const id of members) await t.joinRooms(id, ['r']);
    await joinAll(t, ['outsider-1', 'outsider-2']);
    const reader = await t.joinRooms('reader', ['r']);
    const pages = await pageThrough(reader, { room_id: 'r', limit: 2 });
    expect(idsOf(pages)).toEqual([...members, 'reader'].sort());
    expect(pages.every((page) => page.payload.room_id === 'r')).toBe(true);
  });

  it('refuses the global scope when global presence is off (forbidden), and a room not subscribed', async () => {
    const t = await startTestServer({ ...quiet, globalPresence: false });
    const reader = await t.joinRooms('reader', ['mine']);
    const global = await request(reader, 'presence.list', {});
    expect(global.type).toBe('error');
    expect(global.payload.code).toBe('forbidden');
    const other = await request(reader, 'presence.list', { room_id: 'not-mine' });
    expect(other.payload.code).toBe('not_subscribed');
    expect((await request(reader, 'presence.list', { room_id: 'mine' })).payload.presence).toHaveLength(1);
  });
});
