import type { AckResults, PresenceEntry, RoomPresence, ServerFrameOf } from '@gateway/protocol';
import type { PresenceChange } from './events';

type Members = ReadonlyMap<string, PresenceEntry>;

/** Who is online: everyone the server shares globally, and the members of each subscribed room. */
export interface PresenceState {
  readonly global: Members;
  readonly rooms: ReadonlyMap<string, Members>;
  /**
   * How many users the server counts in each subscribed room, and online under `''` (global presence): more
   * than `rooms` or `global` hold once a scope is larger than the server's first page.
   */
  readonly counts: ReadonlyMap<string, number>;
}

/** The frames presence is kept current from, and the pages that complete it. */
export type PresenceFrame =
  | ServerFrameOf<'ready' | 'presence.diff' | 'subscribed' | 'unsubscribed'>
  | { type: 'presence.list'; payload: AckResults['presence.list'] };

export const emptyPresence: PresenceState = { global: new Map(), rooms: new Map(), counts: new Map() };

/**
 * `members` with `set` upserted (with `only`, those it holds already) and `gone` removed; the same map when
 * nothing was, so a diff that names nobody here leaves the state as it was.
 */
function merged(members: Members, set: readonly PresenceEntry[], gone: readonly string[] = [], only = false): Members {
  const next = new Map(members);
  let changed = false;
  for (const entry of set) {
    if (only && !next.has(entry.user_id)) continue;
    next.set(entry.user_id, entry);
    changed = true;
  }
  for (const userId of gone) changed = next.delete(userId) || changed;
  return changed ? next : members;
}

/** The rooms' members and counts from `ready` or `subscribed`, over what `state` had. */
function withRooms(state: PresenceState, snapshots: readonly RoomPresence[], global = state.global): PresenceState {
  const rooms = new Map(state.rooms);
  const counts = new Map(state.counts);
  for (const room of snapshots) {
    rooms.set(room.room_id, merged(new Map(), room.members));
    counts.set(room.room_id, room.member_count);
  }
  return { global, rooms, counts };
}

/**
 * Pure: the presence state after one frame, or the same object when the frame changes nothing. A room's diff
 * touches that room (and refreshes the users' global entries); a global one touches the global scope and the
 * users' entries in every room holding them, since a status is the user's, not the room's.
 */
export function reducePresence(state: PresenceState, frame: PresenceFrame): PresenceState {
  switch (frame.type) {
    case 'ready': {
      const { presence, presence_total: total = presence.length, rooms = [] } = frame.payload;
      return withRooms({ ...emptyPresence, counts: new Map([['', total]]) }, rooms, merged(new Map(), presence));
    }
    case 'subscribed':
      return frame.payload.rooms.length === 0 ? state : withRooms(state, frame.payload.rooms);
    case 'unsubscribed': {
      const rooms = new Map(state.rooms);
      const counts = new Map(state.counts);
      for (const roomId of frame.payload.room_ids) {
        rooms.delete(roomId);
        counts.delete(roomId);
      }
      return rooms.size === state.rooms.size ? state : { ...state, rooms, counts };
    }
    case 'presence.list':
    case 'presence.diff': {
      // A page is a diff that only upserts: each entry as it was when the page was made (diffs since follow
      // it), and no count (the one held stays).
      const payload = frame.payload;
      const { room_id: roomId } = payload;
      const [changed, left, count] =
        'presence' in payload
          ? [payload.presence, []]
          : [(payload.joined ?? []).concat(payload.updated ?? []), payload.left, payload.count];
      // A diff for a room left meanwhile is stale.
      if (roomId !== undefined && !state.rooms.has(roomId)) return state;
      // Copied once, at the first room that changes; untouched rooms keep their maps.
      let rooms: Map<string, Members> | undefined;
      for (const [id, members] of state.rooms) {
        const next =
          roomId === undefined || id === roomId
            ? merged(members, changed, id === roomId ? left : [], !roomId)
            : members;
        if (next === members) continue;
        rooms ??= new Map(state.rooms);
        rooms.set(id, next);
      }
      const global = merged(state.global, changed, roomId ? [] : left, !!roomId);
      const counts =
        count === undefined || state.counts.get(roomId ?? '') === count
          ? state.counts
          : new Map(state.counts).set(roomId ?? '', count);
      return rooms === undefined && global === state.global && counts === state.counts
        ? state
        : { global, rooms: rooms ?? state.rooms, counts };
    }
  }
}

/** Where a frame changed the view, for the `presence` event (the diff itself is the `presence.diff` event). */
export function describeChange(frame: PresenceFrame): PresenceChange {
  return frame.type === 'presence.diff' ? { room_id: frame.payload.room_id } : {};
}

/** Read-only view of the client's presence state. */
export class PresenceView {
  private readonly _read: () => PresenceState;

  constructor(read: () => PresenceState) {
    this._read = read;
  }

  /** A user's presence, from the global scope or any shared room. */
  get(userId: string): PresenceEntry | undefined {
    const { global, rooms } = this._read();
    const entry = global.get(userId);
    if (entry !== undefined) return entry;
    for (const members of rooms.values()) {
      const member = members.get(userId);
      if (member !== undefined) return member;
    }
    return undefined;
  }

  /** Every user known to be online, once each. */
  list(): PresenceEntry[] {
    const { global, rooms } = this._read();
    const all = new Map(global);
    for (const members of rooms.values()) for (const [id, entry] of members) if (!all.has(id)) all.set(id, entry);
    return [...all.values()];
  }

  /**
   * The members of a subscribed room that the client holds: all of them up to the server's first page
   * (`maxRoomSnapshot`), then those that page, joined or changed since; `listPresence` pages in the rest.
   */
  inRoom(roomId: string): PresenceEntry[] {
    return [...(this._read().rooms.get(roomId)?.values() ?? [])];
  }

  /**
   * How many users the server counts in a subscribed room (undefined when not subscribed), or online
   * without `roomId` (global presence; 0 without it). More than the view holds of a scope larger than the
   * server's first page: `client.listPresence` pages the rest into the view.
   */
  count(roomId?: string): number | undefined {
    return this._read().counts.get(roomId ?? '');
  }
}
