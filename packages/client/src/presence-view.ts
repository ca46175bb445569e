import type { AckResults, PresenceEntry, ServerFrameOf } from '@gateway/protocol';
import type { PresenceChange } from './events';

type Members = ReadonlyMap<string, PresenceEntry>;

/** Who is online: everyone the server shares globally, and the members of each subscribed room. */
export interface PresenceState {
  readonly global: Members;
  readonly rooms: ReadonlyMap<string, Members>;
}

/** The frames presence is kept current from, and the pages that complete a cut `ready`. */
export type PresenceFrame =
  | ServerFrameOf<'ready' | 'presence.join' | 'presence.update' | 'presence.leave' | 'subscribed' | 'unsubscribed'>
  | { type: 'presence.list'; payload: AckResults['presence.list'] };

export const emptyPresence: PresenceState = { global: new Map(), rooms: new Map() };

const byUser = (entries: readonly PresenceEntry[]): Members => new Map(entries.map((entry) => [entry.user_id, entry]));

function withEntry(members: Members, entry: PresenceEntry): Members {
  return new Map(members).set(entry.user_id, entry);
}

function without(members: Members, userId: string): Members {
  const next = new Map(members);
  next.delete(userId);
  return next;
}

/** Applies `update` to every room whose members satisfy `where`; rooms it leaves alone keep their identity. */
function mapRooms(
  rooms: PresenceState['rooms'],
  where: (members: Members) => boolean,
  update: (m: Members) => Members,
) {
  const next = new Map<string, Members>();
  for (const [roomId, members] of rooms) next.set(roomId, where(members) ? update(members) : members);
  return next;
}

/**
 * Pure: the presence state after one frame, or the same object when the frame changes nothing.
 * A room-scoped event touches that room (and refreshes the user's global entry); a global one touches
 * the global scope and the user's entry in every room, since a status is the user's, not the room's.
 */
export function reducePresence(state: PresenceState, frame: PresenceFrame): PresenceState {
  switch (frame.type) {
    case 'ready':
      return { global: byUser(frame.payload.presence), rooms: new Map() };
    case 'subscribed': {
      if (frame.payload.rooms.length === 0) return state;
      const rooms = new Map(state.rooms);
      for (const room of frame.payload.rooms) rooms.set(room.room_id, byUser(room.members));
      return { global: state.global, rooms };
    }
    case 'unsubscribed': {
      const rooms = new Map(state.rooms);
      for (const roomId of frame.payload.room_ids) rooms.delete(roomId);
      return rooms.size === state.rooms.size ? state : { global: state.global, rooms };
    }
    case 'presence.join':
    case 'presence.update': {
      const { room_id: roomId, presence } = frame.payload;
      const userId = presence.user_id;
      if (roomId === undefined) {
        return {
          global: withEntry(state.global, presence),
          rooms: mapRooms(
            state.rooms,
            (m) => m.has(userId),
            (m) => withEntry(m, presence),
          ),
        };
      }
      const rooms = new Map(state.rooms).set(roomId, withEntry(state.rooms.get(roomId) ?? new Map(), presence));
      return { global: state.global.has(userId) ? withEntry(state.global, presence) : state.global, rooms };
    }
    case 'presence.list': {
      // More of the snapshot `ready` began: each entry as it was when the page was made (events since follow it).
      const global = new Map(state.global);
      for (const entry of frame.payload.presence) global.set(entry.user_id, entry);
      return { global, rooms: state.rooms };
    }
    case 'presence.leave': {
      const { room_id: roomId, user_id: userId } = frame.payload;
      if (roomId === undefined) {
        return {
          global: without(state.global, userId),
          rooms: mapRooms(
            state.rooms,
            (m) => m.has(userId),
            (m) => without(m, userId),
          ),
        };
      }
      const members = state.rooms.get(roomId);
      if (members === undefined || !members.has(userId)) return state;
      return { global: state.global, rooms: new Map(state.rooms).set(roomId, without(members, userId)) };
    }
  }
}

/** What a frame changed, for the `presence` event. */
export function describeChange(frame: PresenceFrame): PresenceChange {
  if (
    frame.type === 'ready' ||
    frame.type === 'subscribed' ||
    frame.type === 'unsubscribed' ||
    frame.type === 'presence.list'
  )
    return {};
  const { room_id: roomId } = frame.payload;
  const userId = frame.type === 'presence.leave' ? frame.payload.user_id : frame.payload.presence.user_id;
  return roomId === undefined ? { user_id: userId } : { user_id: userId, room_id: roomId };
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

  /** The members of a subscribed room. */
  inRoom(roomId: string): PresenceEntry[] {
    return [...(this._read().rooms.get(roomId)?.values() ?? [])];
  }
}
