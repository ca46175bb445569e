import type { ClientFrameOf } from '@gateway/protocol';
import type { Runtime } from '../runtime';
import type { Session } from '../session';
import { requireRoom } from './chat';

/** Sets this device's status (and the user's data); others see the aggregated change. */
export function onPresenceUpdate(rt: Runtime, session: Session, frame: ClientFrameOf<'presence.update'>): void {
  const user = session.user;
  const { status, data } = frame.payload;
  rt.presence.update(session.id, user.id, status, data);
  // Announced when the delta comes back (at once in memory), by this instance only.
  rt.cluster.status(session, status, data);
  if (frame.ref !== undefined) rt.ack(session, {}, frame.ref);
}

/** Ephemeral: reaches the room's other users (none of the sender's devices), throttled, expiring. */
export function onTypingStart(rt: Runtime, session: Session, frame: ClientFrameOf<'typing.start'>): void {
  const user = session.user;
  const roomId = frame.payload.room_id;
  if (!requireRoom(rt, session, roomId, frame.ref)) return;
  if (!rt.typing.start(roomId, user.id)) return;
  const payload = {
    room_id: roomId,
    user_id: user.id,
    ...(user.display_name === undefined ? {} : { display_name: user.display_name }),
    expires_in_ms: rt.options.typingTtlMs,
  };
  rt.toRoom(roomId, 'typing.start', payload, { users: [user.id] });
}

export function onTypingStop(rt: Runtime, session: Session, frame: ClientFrameOf<'typing.stop'>): void {
  const user = session.user;
  const roomId = frame.payload.room_id;
  if (!requireRoom(rt, session, roomId, frame.ref)) return;
  if (rt.typing.stop(roomId, user.id)) rt.sendTypingStop(roomId, user.id);
}
