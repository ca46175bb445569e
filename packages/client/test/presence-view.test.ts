import type { PresenceEntry, RoomPresence } from '@gateway/protocol';
import { describe, expect, it } from 'vitest';
import { describeChange, emptyPresence, type PresenceFrame, PresenceView, reducePresence } from '../src/presence-view';

const at = '2025-01-01T00:00:00.000Z';

function entry(userId: string, devices: [string, PresenceEntry['status']][]): PresenceEntry {
  const statuses = devices.map(([, status]) => status);
  const status = statuses.includes('online') ? 'online' : statuses.includes('dnd') ? 'dnd' : 'idle';
  return {
    user_id: userId,
    status,
    devices: devices.map(([id, deviceStatus]) => ({ device_id: id, device_type: 'web', status: deviceStatus })),
    updated_at: at,
  };
}

const online = (userId: string) => entry(userId, [[`${userId}-1`, 'online']]);
const [amy, ben, cat, dan] = ['amy', 'ben', 'cat', 'dan'].map(online) as [
  PresenceEntry,
  PresenceEntry,
  PresenceEntry,
  PresenceEntry,
];

const ready = (presence: PresenceEntry[], rooms?: RoomPresence[]): PresenceFrame => ({
  type: 'ready',
  payload: {
    session_id: 's',
    user: { id: 'me' },
    device_id: 'd',
    subscriptions: rooms?.map((room) => room.room_id) ?? [],
    presence,
    ...(rooms === undefined ? {} : { rooms }),
  },
});

/** A room as `subscribed` or `ready.rooms` gives it; the count is the members' unless the server has more. */
const room = (roomId: string, members: PresenceEntry[], more: Partial<RoomPresence> = {}): RoomPresence => ({
  room_id: roomId,
  member_count: members.length,
  members,
  ...more,
});

const subscribed = (...rooms: RoomPresence[]): PresenceFrame => ({
  type: 'subscribed',
  payload: { rooms: rooms.map((r) => ({ ...r, recent_messages: [] })), refused: [] },
});

const diff = (payload: Extract<PresenceFrame, { type: 'presence.diff' }>['payload']): PresenceFrame => ({
  type: 'presence.diff',
  seq: 1,
  payload,
});

function run(frames: PresenceFrame[]) {
  const state = frames.reduce(reducePresence, emptyPresence);
  return { state, view: new PresenceView(() => state) };
}

const ids = (entries: PresenceEntry[]) => entries.map((e) => e.user_id).sort();

describe('presence view', () => {
  it('starts from the ready snapshot', () => {
    const { view } = run([ready([entry('bob', [['b1', 'online']])])]);
    expect(view.list().map((e) => e.user_id)).toEqual(['bob']);
    expect(view.get('bob')?.status).toBe('online');
    expect(view.count()).toBe(1);
  });

  it('follows one user across two devices: join, second device, status change, one leaves', () => {
    const phone = entry('bob', [['phone', 'idle']]);
    const both = entry('bob', [
      ['phone', 'idle'],
      ['laptop', 'online'],
    ]);
    const { view } = run([ready([]), diff({ joined: [phone], count: 1 }), diff({ updated: [both], count: 1 })]);
    expect(view.get('bob')?.devices.map((d) => d.device_id)).toEqual(['phone', 'laptop']);
    expect(view.get('bob')?.status).toBe('online');

    const later = run([ready([both]), diff({ updated: [entry('bob', [['phone', 'idle']])], count: 1 })]);
    expect(later.view.get('bob')?.status).toBe('idle');
    expect(later.view.get('bob')?.devices).toHaveLength(1);
  });

  it('drops the user when the last device leaves, from the global scope and every room', () => {
    const bob = online('bob');
    const gone = run([
      ready([bob]),
      subscribed(room('r1', [bob]), room('r2', [bob])),
      diff({ left: ['bob'], count: 0 }),
    ]);
    expect(gone.state.global.has('bob')).toBe(false);
    // A room's members change only by the room's own diffs, so its members and its count stay in step.
    expect(ids(gone.view.inRoom('r1'))).toEqual(['bob']);
    expect(gone.view.count('r1')).toBe(1);

    const { view } = run([
      ready([bob]),
      subscribed(room('r1', [bob]), room('r2', [bob])),
      diff({ left: ['bob'], count: 0 }),
      diff({ room_id: 'r1', left: ['bob'], count: 0 }),
      diff({ room_id: 'r2', left: ['bob'], count: 0 }),
    ]);
    expect(view.get('bob')).toBeUndefined();
    expect(view.list()).toEqual([]);
    expect(view.inRoom('r1')).toEqual([]);
    expect(view.inRoom('r2')).toEqual([]);
    expect([view.count(), view.count('r1'), view.count('r2')]).toEqual([0, 0, 0]);
  });

  it('keeps rooms apart: room-scoped join and leave touch only that room', () => {
    const carol = online('carol');
    const { state, view } = run([
      ready([]),
      subscribed(room('r1', []), room('r2', [])),
      diff({ room_id: 'r1', joined: [carol], count: 1 }),
      diff({ room_id: 'r2', joined: [carol], count: 1 }),
      diff({ room_id: 'r2', left: ['carol'], count: 0 }),
    ]);
    expect(ids(view.inRoom('r1'))).toEqual(['carol']);
    expect(view.inRoom('r2')).toEqual([]);
    expect([view.count('r1'), view.count('r2')]).toEqual([1, 0]);
    expect(view.get('carol')?.status).toBe('online');
    // Joining a room shows the user in it, not globally: the global scope has diffs of its own.
    expect(state.global.size).toBe(0);
    expect(view.count()).toBe(0);
  });

  it('refreshes a user in their rooms when their global status changes, and globally from a room diff', () => {
    const dave = online('dave');
    const { state, view } = run([
      ready([dave]),
      subscribed(room('r1', [dave]), room('r2', [])),
      diff({ updated: [entry('dave', [['d1', 'dnd']])], count: 1 }),
    ]);
    expect(view.inRoom('r1')[0]?.status).toBe('dnd');
    // A room that does not show dave does not start to.
    expect(view.inRoom('r2')).toEqual([]);

    const idle = entry('dave', [['d1', 'idle']]);
    const next = reducePresence(state, diff({ room_id: 'r1', updated: [idle], count: 1 }));
    expect(next.global.get('dave')).toEqual(idle);
    expect(next.rooms.get('r1')?.get('dave')).toEqual(idle);
    expect(next.rooms.get('r2')?.size).toBe(0);
  });

  it('applies a diff naming several users at once: joined, updated and left together', () => {
    const busyAmy = entry('amy', [['amy-1', 'dnd']]);
    const { state, view } = run([
      ready([amy, ben]),
      subscribed(room('r1', [amy, ben])),
      diff({ joined: [cat, dan], updated: [busyAmy], left: ['ben'], count: 3 }),
    ]);
    expect(ids([...state.global.values()])).toEqual(['amy', 'cat', 'dan']);
    expect(view.get('amy')?.status).toBe('dnd');
    expect(view.count()).toBe(3);
    // The room refreshes the one it holds and keeps its members for its own diff.
    expect(ids(view.inRoom('r1'))).toEqual(['amy', 'ben']);
    expect(state.rooms.get('r1')?.get('amy')).toEqual(busyAmy);

    const after = reducePresence(
      state,
      diff({ room_id: 'r1', joined: [cat, dan], updated: [amy], left: ['ben'], count: 3 }),
    );
    const inRoom = new PresenceView(() => after);
    expect(ids(inRoom.inRoom('r1'))).toEqual(['amy', 'cat', 'dan']);
    expect(inRoom.count('r1')).toBe(3);
    expect(after.global.get('amy')?.status).toBe('online');
  });

  it('tells in which room a diff changed the view (the diff itself says who)', () => {
    expect(
      describeChange(diff({ room_id: 'r1', joined: [amy], updated: [ben], left: ['cat', 'dan'], count: 2 })),
    ).toEqual({ room_id: 'r1' });
    expect(describeChange(diff({ updated: [ben], joined: [amy], count: 2 })).room_id).toBeUndefined();
    expect(describeChange(ready([amy]))).toEqual({});
    expect(describeChange(subscribed(room('r1', [amy])))).toEqual({});
    expect(describeChange({ type: 'presence.list', payload: { presence: [ben] } })).toEqual({});
  });

  it('counts each room as the server does: from ready.rooms, subscribed and every diff', () => {
    const entered = [
      ready([], [room('big', [amy, ben], { member_count: 500, members_next: 'ben' })]),
      subscribed(room('small', [amy, cat]), room('huge', [], { member_count: 10_000, members_on_request: true })),
    ];
    const { view } = run(entered);
    expect([view.count('big'), view.count('small'), view.count('huge')]).toEqual([500, 2, 10_000]);
    expect(ids(view.inRoom('big'))).toEqual(['amy', 'ben']);
    expect(view.count('nowhere')).toBeUndefined();
    // Without global presence the global scope is empty, whatever the rooms hold.
    expect(view.count()).toBe(0);

    const { view: later } = run([
      ...entered,
      diff({ room_id: 'big', joined: [cat], count: 501 }),
      // A user beyond the page the client holds leaves: only the count shows it.
      diff({ room_id: 'big', left: ['zed'], count: 500 }),
      diff({ room_id: 'small', left: ['cat'], count: 1 }),
      diff({ room_id: 'huge', count: 10_001 }),
    ]);
    expect(later.count('big')).toBe(500);
    expect(ids(later.inRoom('big'))).toEqual(['amy', 'ben', 'cat']);
    expect(later.count('small')).toBe(1);
    expect(later.count('huge')).toBe(10_001);
    expect(later.inRoom('huge')).toEqual([]);
  });

  it('starts the rooms and counts afresh from each ready', () => {
    const { view } = run([
      ready([amy], [room('r1', [amy])]),
      subscribed(room('r2', [amy])),
      ready([], [room('r2', [], { member_count: 7 })]),
    ]);
    expect(view.inRoom('r1')).toEqual([]);
    expect(view.count('r1')).toBeUndefined();
    expect(view.inRoom('r2')).toEqual([]);
    expect(view.count('r2')).toBe(7);
    expect(view.list()).toEqual([]);
  });

  it('ignores a diff for a room it is not subscribed to, left or never entered', () => {
    const { state, view } = run([
      ready([amy]),
      subscribed(room('r1', [amy])),
      { type: 'unsubscribed', payload: { room_ids: ['r1'] } },
    ]);
    const busy = entry('amy', [['amy-1', 'dnd']]);
    const late = diff({ room_id: 'r1', joined: [ben], updated: [busy], count: 2 });
    expect(reducePresence(state, late)).toBe(state);
    expect(reducePresence(state, diff({ room_id: 'r9', joined: [ben], count: 1 }))).toBe(state);
    expect(view.inRoom('r1')).toEqual([]);
    expect(view.count('r9')).toBeUndefined();
    expect(view.get('amy')?.status).toBe('online');
  });

  it('merges a room page into that room, a page without room into the global scope', () => {
    const { state, view } = run([
      ready([]),
      subscribed(room('big', [amy, ben], { member_count: 4, members_next: 'ben' })),
      { type: 'presence.list', payload: { room_id: 'big', presence: [cat, dan] } },
    ]);
    expect(ids(view.inRoom('big'))).toEqual(['amy', 'ben', 'cat', 'dan']);
    expect(view.count('big')).toBe(4);
    expect(state.global.size).toBe(0);

    const page = { room_id: 'r9', presence: [cat] };
    expect(reducePresence(state, { type: 'presence.list', payload: page })).toBe(state);

    // A global page refreshes the entries rooms hold of its users, as a global diff does; other rooms stay as they were.
    const freshDan = { ...dan, status: 'idle' as const };
    const global = reducePresence(state, { type: 'presence.list', payload: { presence: [freshDan] } });
    expect([...global.global.keys()]).toEqual(['dan']);
    expect(global.rooms.get('big')?.get('dan')).toBe(freshDan);
    const stranger = reducePresence(state, {
      type: 'presence.list',
      payload: { presence: [{ ...dan, user_id: 'eve' }] },
    });
    expect(stranger.rooms).toBe(state.rooms);
  });

  it('forgets a room on unsubscribed, and returns the same state when nothing changes', () => {
    const { state, view } = run([
      ready([]),
      subscribed(room('r1', [amy])),
      { type: 'unsubscribed', payload: { room_ids: ['r1'] } },
    ]);
    expect(view.inRoom('r1')).toEqual([]);
    expect(view.list()).toEqual([]);
    expect(reducePresence(state, diff({ room_id: 'r9', left: ['x'], count: 0 }))).toBe(state);
    expect(reducePresence(state, { type: 'unsubscribed', payload: { room_ids: ['r1'] } })).toBe(state);
    expect(reducePresence(state, { type: 'subscribed', payload: { rooms: [], refused: [] } })).toBe(state);
  });
});
