import type { ClientFrameOf, Data } from '@gateway/protocol';
import type { Parts } from '../parts';
import { presenceDataBytes } from '../presence/pages';
import type { Session } from '../session';
import { requireRoom } from './chat';

/** Why presence data is refused, or undefined when it fits `maxPresenceDataBytes`. */
export function oversizePresenceData(rt: Pick<Parts, 'options'>, data: Data | undefined): string | undefined {
  if (data === undefined) return undefined;
  const bytes = presenceDataBytes(data);
  const max = rt.options.maxPresenceDataBytes;
  return bytes <= max ? undefined : `Presence data is ${bytes} bytes of JSON; the limit is ${max}.`;
}

/**
 * Sets this device's status (and the user's data); others see the aggregated change once it is in the table.
 * Data above `maxPresenceDataBytes` changes nothing: every watcher of the user would get it with each update.
 */
export function onPresenceUpdate(
  rt: Pick<Parts, 'presence' | 'replies' | 'options'>,
  session: Session,
  frame: ClientFrameOf<'presence.update'>,
): void {
  const { status, data } = frame.payload;
  const tooLarge = oversizePresenceData(rt, data);
  if (tooLarge !== undefined) {
    rt.replies.fail(session, 'payload_too_large', tooLarge, frame.ref);
    return;
  }
  rt.presence.status(session, status, data);
  if (frame.ref !== undefined) rt.replies.ack(session, {}, frame.ref);
}

/** Ephemeral: reaches the room's other users (none of the sender's devices), throttled, expiring. */
export function onTypingStart(
  rt: Pick<Parts, 'replies' | 'typing' | 'delivery' | 'options'>,
  session: Session,
  frame: ClientFrameOf<'typing.start'>,
): void {
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
  rt.delivery.toRoom(roomId, 'typing.start', payload, { users: [user.id] });
}

export function onTypingStop(
  rt: Pick<Parts, 'replies' | 'typing'>,
  session: Session,
  frame: ClientFrameOf<'typing.stop'>,
): void {
  const roomId = frame.payload.room_id;
  if (!requireRoom(rt, session, roomId, frame.ref)) return;
  rt.typing.stopAndTell(roomId, session.user.id);
}
