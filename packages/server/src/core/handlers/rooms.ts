import {
  type ChatMessage,
  type ClientFrameOf,
  type RoomPosition,
  type RoomPresence,
  type RoomSnapshot,
  recoveryReplays,
  type StreamPosition,
} from '@gateway/protocol';
import { andThen, type MaybePromise } from '../maybe-promise';
import type { Parts } from '../parts';
import { pageBytesFor } from '../presence/pages';
import { holdRecovering, type RecoveryPlan, recoverRooms, releaseHeld } from '../recovery';
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

type RoomParts = Pick<Parts, 'options' | 'membership' | 'presence' | 'history'>;

/**
 * Runs each new room through the authorize hook (in parallel) and the per-connection room limit
 * (in request order). Rooms the session is in already are granted without asking again.
 */
export async function authorizeRooms(
  rt: Pick<Parts, 'options'>,
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

/**
 * A room's presence for a session entering it: its member count and first page of members (at most
 * `maxRoomSnapshot` and a page's bytes), so entering a room of N users costs no more than a page.
 */
export function roomPresence(
  rt: Pick<Parts, 'presence' | 'options'>,
  roomId: string,
  position?: StreamPosition,
): RoomPresence {
  const { maxRoomSnapshot, maxBufferedBytes } = rt.options;
  const presence = rt.presence.roomPresence(roomId, maxRoomSnapshot, pageBytesFor(maxBufferedBytes));
  return position === undefined ? presence : { ...presence, position };
}

/**
 * Presence and recent messages, as `subscribed` and seed 003's status show them. Synchronous with in-process
 * history, a promise when the history is shared (Redis).
 */
export function roomSnapshot(
  rt: Pick<Parts, 'presence' | 'history' | 'options'>,
  roomId: string,
): MaybePromise<RoomSnapshot> {
  return andThen(rt.history.recent(roomId), (recent) => ({ ...roomPresence(rt, roomId), recent_messages: recent }));
}

async function subscribe(
  rt: RoomParts,
  session: Session,
  roomIds: readonly string[],
  since: readonly RoomPosition[] | undefined,
  ref?: string,
): Promise<void> {
  const { granted, refused } = await authorizeRooms(rt, session, [...new Set(roomIds)]);
  // A session that ended while the hook ran joins nothing; a detached one still does (it will resume).
  if (session.ended) return;
  const recovering = holdRecovering(session, since, granted);
  let answered = false;
  try {
    for (const roomId of granted) rt.membership.joinRoom(session, roomId);
    const plan = await recoverRooms(rt, session, recovering);
    const positions = await roomPositions(rt, granted, plan);
    // Members shown include this session: with changes ordered across instances, its join is in the table
    // once settled. Joined before the history is read: a message sent meanwhile is delivered or in the history.
    // A room replayed from its log needs no recent messages: the replay brings what the client lacks.
    const reads = granted.map((roomId) => (replaysFrom(plan, roomId) ? [] : rt.history.recent(roomId)));
    const settling = rt.presence.settled();
    if (settling !== undefined) await settling;
    const recent = reads.some((read) => read instanceof Promise)
      ? await Promise.all(reads)
      : (reads as ChatMessage[][]);
    const rooms = granted.map(
      (roomId, i): RoomSnapshot => ({
        ...roomPresence(rt, roomId, positions.get(roomId)),
        recent_messages: recent[i] ?? [],
      }),
    );
    session.send('subscribed', { rooms, refused, ...(plan.answers.length > 0 ? { recovery: plan.answers } : {}) }, ref);
    answered = true;
    plan.replay();
  } finally {
    // Whatever failed midway, no room stays held: its live dispatches go on, with nothing replayed.
    if (!answered) releaseHeld(session, recovering);
  }
}

/** True when the room's log answered in the client's epoch, so its missed dispatches are replayed. */
function replaysFrom(plan: RecoveryPlan, roomId: string): boolean {
  return plan.answers.some((answer) => answer.room_id === roomId && recoveryReplays(answer));
}

/**
 * Each granted room's log position, read after joining (the room's next dispatch takes a higher offset):
 * a recovered room's as its log was read, the others' now. Empty without room logs.
 */
export function roomPositions(
  rt: Pick<Parts, 'options'>,
  granted: readonly string[],
  plan: RecoveryPlan,
): MaybePromise<Map<string, StreamPosition>> {
  const logs = rt.options.backplane.logs;
  const positions = new Map(plan.positions);
  if (logs === undefined) return positions;
  const pending: Promise<void>[] = [];
  for (const roomId of granted) {
    if (positions.has(roomId)) continue;
    const position = logs.position(roomId);
    if (position instanceof Promise) {
      pending.push(
        position.then(
          (read) => {
            positions.set(roomId, read);
          },
          (error: unknown) => rt.options.logger.warn({ err: error, room_id: roomId }, 'room log position unavailable'),
        ),
      );
    } else positions.set(roomId, position);
  }
  return pending.length === 0 ? positions : Promise.all(pending).then(() => positions);
}

function unsubscribe(rt: Pick<Parts, 'membership'>, session: Session, roomIds: readonly string[], ref?: string): void {
  for (const roomId of roomIds) rt.membership.leaveRoom(session, roomId);
  session.send('unsubscribed', { room_ids: roomIds }, ref);
}

export function onSubscribe(rt: RoomParts, session: Session, frame: ClientFrameOf<'subscribe'>): Promise<void> {
  return subscribe(rt, session, frame.payload.room_ids, frame.payload.since, frame.ref);
}

export function onUnsubscribe(
  rt: Pick<Parts, 'membership'>,
  session: Session,
  frame: ClientFrameOf<'unsubscribe'>,
): void {
  unsubscribe(rt, session, frame.payload.room_ids, frame.ref);
}

/** Seed 004's spelling: the guild id is the room id. */
export function onGuildSubscribe(
  rt: RoomParts,
  session: Session,
  frame: ClientFrameOf<'guild.subscribe'>,
): Promise<void> {
  return subscribe(rt, session, [frame.payload.guild_id], undefined, frame.ref);
}

export function onGuildUnsubscribe(
  rt: Pick<Parts, 'membership'>,
  session: Session,
  frame: ClientFrameOf<'guild.unsubscribe'>,
): void {
  unsubscribe(rt, session, [frame.payload.guild_id], frame.ref);
}
