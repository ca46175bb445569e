import type { ClientFrameOf, PresenceEntry, RoomSnapshot } from '@gateway/protocol';
import { andThen, type MaybePromise } from '../maybe-promise';
import type { Runtime } from '../runtime';
import type { Session } from '../session';

export interface RefusedRoom {
  room_id: string;
  code: 'forbidden' | 'too_many_rooms';
  message: string;
}

interface Verdict {
  allowed: boolean;
  reason?: string | undefined;
}

/**
 * Runs each new room through the authorize hook (in parallel) and the per-connection room limit
 * (in request order). Rooms the session is in already are granted without asking again.
 */
export async function authorizeRooms(
  rt: Runtime,
  session: Session,
  roomIds: readonly string[],
): Promise<{ granted: string[]; refused: RefusedRoom[] }> {
  const user = session.user;
  const verdicts = await Promise.all(
    roomIds.map(async (roomId): Promise<Verdict> => {
      if (session.rooms.has(roomId)) return { allowed: true };
      try {
        const result = await rt.options.authorize({ user, session_id: session.id, room_id: roomId });
        if (typeof result === 'boolean') return { allowed: result };
        return result.allowed ? { allowed: true } : { allowed: false, reason: result.reason };
      } catch (error) {
        rt.options.logger.error({ err: error, room_id: roomId, user_id: user.id }, 'authorize hook threw');
        return { allowed: false, reason: 'Authorization failed.' };
      }
    }),
  );
  const granted: string[] = [];
  const refused: RefusedRoom[] = [];
  let newRooms = 0;
  roomIds.forEach((roomId, i) => {
    const verdict = verdicts[i];
    if (verdict === undefined || !verdict.allowed) {
      refused.push({ room_id: roomId, code: 'forbidden', message: verdict?.reason ?? 'Not allowed in this room.' });
      return;
    }
    if (!session.rooms.has(roomId)) {
      if (session.rooms.size + newRooms >= rt.options.maxRoomsPerConnection) {
        refused.push({
          room_id: roomId,
          code: 'too_many_rooms',
          message: `At most ${rt.options.maxRoomsPerConnection} rooms per connection.`,
        });
        return;
      }
      newRooms++;
    }
    granted.push(roomId);
  });
  return { granted, refused };
}

/** Presence of the users subscribed to a room, on every instance. */
export function roomMembers(rt: Runtime, roomId: string): PresenceEntry[] {
  return rt.cluster.roomUserIds(roomId).flatMap((userId) => rt.cluster.entry(userId) ?? []);
}

/**
 * Members and recent messages, as `subscribed` and seed 003's status show them. Synchronous with in-process
 * history, a promise when the history is shared (Redis).
 */
export function roomSnapshot(rt: Runtime, roomId: string): MaybePromise<RoomSnapshot> {
  return andThen(rt.history.recent(roomId), (recent) => ({
    room_id: roomId,
    members: roomMembers(rt, roomId),
    recent_messages: recent,
  }));
}

async function subscribe(rt: Runtime, session: Session, roomIds: readonly string[], ref?: string): Promise<void> {
  const { granted, refused } = await authorizeRooms(rt, session, [...new Set(roomIds)]);
  // A session that ended while the hook ran joins nothing; a detached one still does (it will resume).
  if (session.ended) return;
  for (const roomId of granted) rt.joinRoom(session, roomId);
  // Joined before the history is read: a message sent meanwhile is delivered or in the history, never lost.
  const snapshots = granted.map((roomId) => roomSnapshot(rt, roomId));
  const rooms = snapshots.some((snapshot) => snapshot instanceof Promise) ? await Promise.all(snapshots) : snapshots;
  session.send('subscribed', { rooms: rooms as RoomSnapshot[], refused }, ref);
}

function unsubscribe(rt: Runtime, session: Session, roomIds: readonly string[], ref?: string): void {
  for (const roomId of roomIds) rt.leaveRoom(session, roomId);
  session.send('unsubscribed', { room_ids: roomIds }, ref);
}

export function onSubscribe(rt: Runtime, session: Session, frame: ClientFrameOf<'subscribe'>): Promise<void> {
  return subscribe(rt, session, frame.payload.room_ids, frame.ref);
}

export function onUnsubscribe(rt: Runtime, session: Session, frame: ClientFrameOf<'unsubscribe'>): void {
  unsubscribe(rt, session, frame.payload.room_ids, frame.ref);
}

/** Seed 004's spelling: the guild id is the room id. */
export function onGuildSubscribe(
  rt: Runtime,
  session: Session,
  frame: ClientFrameOf<'guild.subscribe'>,
): Promise<void> {
  return subscribe(rt, session, [frame.payload.guild_id], frame.ref);
}

export function onGuildUnsubscribe(rt: Runtime, session: Session, frame: ClientFrameOf<'guild.unsubscribe'>): void {
  unsubscribe(rt, session, [frame.payload.guild_id], frame.ref);
}
