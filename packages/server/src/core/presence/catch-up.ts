import { type PreparedDispatch, parsePreparedPayload, prepareDispatch } from '@gateway/protocol';
import { ALL_CHANNEL } from '../ports/backplane';
import type { Session } from '../session';
import type { MissedPresence } from './away';
import type { PresenceTable } from './table';

/**
 * The user a presence event is about (`presence.user_id`, or `user_id` in a leave); undefined for anything else.
 * Read from the shared body, once per event and instance, and only while some session is away.
 */
export function presenceSubject(message: PreparedDispatch): string | undefined {
  let payload: unknown;
  try {
    payload = parsePreparedPayload(message);
  } catch {
    return undefined;
  }
  if (typeof payload !== 'object' || payload === null) return undefined;
  const { presence, user_id: userId } = payload as { presence?: { user_id?: unknown }; user_id?: unknown };
  const subject = presence?.user_id ?? userId;
  return typeof subject === 'string' ? subject : undefined;
}

/**
 * Tells a session each user's presence as it is now, for every (user, channel) whose presence changed while
 * the session was away: `presence.join` or `presence.update` with the entry (join when the last change was
 * one), `presence.leave` when the user is gone (from everyone, or from the room). Dispatched like any other,
 * so they are numbered, buffered and replayed with the rest; never about the session's own user, and only for
 * the rooms it is still in.
 */
export function tellMissed(table: PresenceTable, session: Session, missed: Iterable<MissedPresence>): number {
  let told = 0;
  for (const { channel, userId, type } of missed) {
    if (userId === session.user.id) continue;
    const roomId = channel === ALL_CHANNEL ? undefined : channel.startsWith('room:') ? channel.slice(5) : null;
    if (roomId === null || (roomId !== undefined && !session.rooms.has(roomId))) continue;
    const entry = roomId === undefined || table.inRoom(roomId, userId) ? table.entry(userId) : undefined;
    const scope = roomId === undefined ? {} : { room_id: roomId };
    if (entry === undefined) session.dispatch(prepareDispatch('presence.leave', { ...scope, user_id: userId }));
    else {
      const kind = type === 'presence.join' ? 'presence.join' : 'presence.update';
      session.dispatch(prepareDispatch(kind, { ...scope, presence: entry }));
    }
    told += 1;
  }
  return told;
}

/**
 * The presence events a rebuilt session skipped (stream entries, in order), as the log of a session away keeps
 * them: the latest per user and channel, ordered by when that latest one came.
 */
export function coalesceMissed(
  entries: Iterable<{ readonly channel: string; readonly message: PreparedDispatch }>,
): MissedPresence[] {
  const latest = new Map<string, MissedPresence>();
  for (const { channel, message } of entries) {
    const userId = presenceSubject(message);
    if (userId === undefined) continue;
    const key = `${channel.length}:${channel}${userId}`;
    latest.delete(key);
    latest.set(key, { channel, userId, type: message.type });
  }
  return [...latest.values()];
}
