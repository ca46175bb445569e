import type { ChatMessage, ClientFrameOf } from '@gateway/protocol';
import type { ChatSendAck, Runtime } from '../runtime';
import type { Session } from '../session';

/**
 * Stores (through the persistMessage hook, if any), keeps in history, then dispatches to the room.
 * Without a hook it dispatches synchronously, so a client's frames keep their order.
 */
export function publishMessage(rt: Runtime, message: ChatMessage): Promise<void> | undefined {
  const deliver = () => {
    rt.history.add(message);
    rt.toRoom(message.room_id, 'chat.message', message);
  };
  const persist = rt.options.persistMessage;
  if (persist === undefined) {
    deliver();
    return undefined;
  }
  return rt.trackInFlight(
    (async () => {
      await persist(message);
      deliver();
    })(),
  );
}

/**
 * Seed 001's flow: ack at once (before persistence), then persist and dispatch to every connection in
 * the room, the sender's included so it can swap its optimistic copy. Retries within the dedup window
 * get the original ack marked duplicate and dispatch nothing.
 */
export async function onChatSend(rt: Runtime, session: Session, frame: ClientFrameOf<'chat.send'>): Promise<void> {
  const user = session.user;
  const request = frame.payload;
  if (!requireRoom(rt, session, request.room_id, frame.ref)) return;
  const dedupKey = `${user.id}\u0000${request.client_msg_id}`;
  const original = rt.dedup.get(dedupKey);
  if (original !== undefined) {
    rt.ack(session, { ...original, duplicate: true }, frame.ref);
    return;
  }
  const message: ChatMessage = {
    message_id: rt.newId(),
    room_id: request.room_id,
    sender_id: user.id,
    client_msg_id: request.client_msg_id,
    kind: request.kind ?? 'text',
    content: request.content,
    created_at: rt.timestamp(),
  };
  if (user.display_name !== undefined) message.sender_name = user.display_name;
  if (request.metadata !== undefined) message.metadata = request.metadata;
  const ack: ChatSendAck = {
    status: 'accepted',
    message_id: message.message_id,
    client_msg_id: request.client_msg_id,
    room_id: request.room_id,
  };
  rt.dedup.set(dedupKey, ack);
  rt.ack(session, ack, frame.ref);
  if (rt.typing.stop(request.room_id, user.id)) rt.sendTypingStop(request.room_id, user.id);
  try {
    await publishMessage(rt, message);
  } catch (error) {
    // The send may be retried with the same client_msg_id, so it must not count as seen.
    rt.dedup.delete(dedupKey);
    rt.options.logger.error({ err: error, message_id: message.message_id }, 'persistMessage failed');
    rt.fail(session, 'handler_failed', 'The message could not be stored; it was not delivered.', undefined, {
      client_msg_id: request.client_msg_id,
      message_id: message.message_id,
    });
  }
}

export function onChatEdit(rt: Runtime, session: Session, frame: ClientFrameOf<'chat.edit'>): void {
  const { room_id, message_id, content } = frame.payload;
  const message = ownMessage(rt, session, room_id, message_id, frame.ref);
  if (message === undefined) return;
  const edited: ChatMessage = { ...message, content, edited_at: rt.timestamp() };
  rt.history.replace(edited);
  rt.toRoom(room_id, 'chat.message.update', { message_id, room_id, content, edited_at: edited.edited_at });
  rt.ack(session, { message_id }, frame.ref);
}

export function onChatDelete(rt: Runtime, session: Session, frame: ClientFrameOf<'chat.delete'>): void {
  const { room_id, message_id } = frame.payload;
  if (ownMessage(rt, session, room_id, message_id, frame.ref) === undefined) return;
  rt.history.remove(room_id, message_id);
  rt.toRoom(room_id, 'chat.message.delete', { message_id, room_id });
  rt.ack(session, { message_id }, frame.ref);
}

export function onChatHistory(rt: Runtime, session: Session, frame: ClientFrameOf<'chat.history'>): void {
  const { room_id, limit } = frame.payload;
  if (!requireRoom(rt, session, room_id, frame.ref)) return;
  rt.ack(session, { room_id, messages: rt.history.recent(room_id, limit) }, frame.ref);
}

/** True when subscribed; otherwise answers not_subscribed. */
export function requireRoom(rt: Runtime, session: Session, roomId: string, ref: string | undefined): boolean {
  if (session.rooms.has(roomId)) return true;
  rt.fail(session, 'not_subscribed', `Subscribe to room "${roomId}" first.`, ref);
  return false;
}

/** The message when it exists and the session's user sent it; otherwise answers the error. */
function ownMessage(
  rt: Runtime,
  session: Session,
  roomId: string,
  messageId: string,
  ref: string | undefined,
): ChatMessage | undefined {
  if (!requireRoom(rt, session, roomId, ref)) return undefined;
  const message = rt.history.find(roomId, messageId);
  if (message === undefined) {
    rt.fail(session, 'not_found', `No message "${messageId}" in room "${roomId}".`, ref);
    return undefined;
  }
  if (message.sender_id !== session.user.id) {
    rt.fail(session, 'forbidden', 'Only the sender may change a message.', ref);
    return undefined;
  }
  return message;
}
