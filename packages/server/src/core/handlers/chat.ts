import type { ChatMessage, ClientFrameOf } from '@gateway/protocol';
import type { AcceptedSend, ChatSendAck } from '../chat-types';
import { andThen, type MaybePromise } from '../maybe-promise';
import type { Parts } from '../parts';
import type { UnpublishedStore } from '../ports/unpublished-store';
import type { Session } from '../session';
import { answerHistory } from './history';

/** What publishing an accepted message needs. */
export type PublishParts = Pick<Parts, 'history' | 'options' | 'inFlight' | 'delivery'>;
type ChatParts = PublishParts & Pick<Parts, 'stamps' | 'dedup' | 'unpublished' | 'replies' | 'typing'>;

/**
 * Stores (through the persistMessage hook, if any), keeps in history, then dispatches to the room: history
 * first, so whoever subscribes meanwhile finds the message there. Returns a promise while that is pending;
 * without a hook and with in-process history it all happens synchronously.
 */
export function publishMessage(rt: PublishParts, message: ChatMessage): Promise<void> | undefined {
  const deliver = () => {
    const stored = rt.history.add(message);
    if (stored instanceof Promise) return stored.then(() => publishOnce(rt, message));
    publishOnce(rt, message);
    return undefined;
  };
  const persist = rt.options.persistMessage;
  if (persist === undefined) return deliver();
  return rt.inFlight.track(
    (async () => {
      const startedAt = rt.options.clock.now();
      try {
        await persist(message);
      } finally {
        rt.options.metrics.observePersist(rt.options.clock.now() - startedAt);
      }
      await deliver();
    })(),
  );
}

/**
 * A chat message sent by a user goes to its room at most once per (sender, client_msg_id) within the dedup
 * window, whichever instance publishes it: the one that accepted it, or the one a retry reached after the
 * first died between accepting and publishing.
 */
function publishOnce(rt: PublishParts, message: ChatMessage): void {
  // Keyed by the message id: a retry republishes the very message its claim kept, while a send after the
  // dedup window is a new message with a new id.
  const once = { key: `chat:${message.message_id}`, ttlMs: rt.options.dedupWindowMs };
  rt.delivery.toRoom(message.room_id, 'chat.message', message, undefined, once);
}

/**
 * Seed 001's flow: ack at once (before persistence), then persist and dispatch to every connection in
 * the room, the sender's included so it can swap its optimistic copy. Retries within the dedup window
 * get the original ack marked duplicate and dispatch nothing. With shared state "at once" means once the
 * message is noted where another instance can rescue it (see `accept`).
 *
 * Returns a promise while the connection's later frames must wait (a shared dedup, unpublished or history
 * store being asked), so acks and dispatches keep the order the frames came in; persisting does not hold
 * them up.
 */
export function onChatSend(
  rt: ChatParts,
  session: Session,
  frame: ClientFrameOf<'chat.send'>,
): Promise<void> | undefined {
  const receivedAt = rt.options.clock.now();
  const user = session.user;
  const request = frame.payload;
  if (!requireRoom(rt, session, request.room_id, frame.ref)) return undefined;
  const message: ChatMessage = {
    message_id: rt.stamps.newId(),
    room_id: request.room_id,
    sender_id: user.id,
    client_msg_id: request.client_msg_id,
    kind: request.kind ?? 'text',
    content: request.content,
    created_at: rt.stamps.timestamp(),
  };
  if (user.display_name !== undefined) message.sender_name = user.display_name;
  if (request.metadata !== undefined) message.metadata = request.metadata;
  const ack: ChatSendAck = {
    status: 'accepted',
    message_id: message.message_id,
    client_msg_id: request.client_msg_id,
    room_id: request.room_id,
  };
  const shared = rt.unpublished !== undefined;
  const claimed = rt.dedup.claim(user.id, request.client_msg_id, shared ? { ack, message } : { ack });
  if (claimed instanceof Promise) {
    // Tracked, so a stop (drain to other instances) waits until the claimed message is in its room: a retry
    // on another instance would otherwise be answered as a duplicate of a message nobody got.
    return rt.inFlight.track(
      claimed.then((original) => accept(rt, session, frame, message, ack, original, receivedAt)),
    );
  }
  return accept(rt, session, frame, message, ack, claimed, receivedAt);
}

function accept(
  rt: ChatParts,
  session: Session,
  frame: ClientFrameOf<'chat.send'>,
  message: ChatMessage,
  ack: ChatSendAck,
  original: AcceptedSend | undefined,
  receivedAt: number,
): Promise<void> | undefined {
  const unpublished = rt.unpublished;
  if (original !== undefined) {
    // The instance that accepted it may have died before publishing; publishing is once-only, so trying
    // again delivers it if and only if nobody did. (With a persist hook the message may not be stored yet:
    // its own instance publishes it, or, if that died, the one that takes its unpublished notes.)
    const kept = rt.options.persistMessage === undefined ? original.message : undefined;
    if (kept === undefined || unpublished === undefined) {
      ackDuplicate(rt, session, frame, original, receivedAt);
      if (kept !== undefined) publishOnce(rt, kept);
      return undefined;
    }
    // This ack too promises delivery: noted here first, in case this instance dies before its publish.
    return afterNote(
      () => unpublished.add(rt.options.serverId, kept),
      () => {
        ackDuplicate(rt, session, frame, original, receivedAt);
        publishOnce(rt, kept);
        unpublished.done(rt.options.serverId, kept.message_id);
      },
      (error) => refuse(rt, session, frame, kept, error, false),
    );
  }
  // `accepted` means "will be delivered". In one process that holds as soon as the ack is written: nobody
  // else could publish it, and a crash takes the whole room down with it. With shared state the ack waits
  // until the message is noted in the unpublished store (one awaited Redis round trip): if this instance dies
  // after the ack — its persist hook running, or before its history write and publish went out — the
  // instance that takes its notes publishes it (once-only), since the sender, holding its ack, never retries.
  // Noting rather than publishing before the ack keeps seed 001's order (the ack, then the room's dispatch,
  // the sender's own copy included) and the hook's place after the ack, at the cost of that one round trip.
  if (unpublished === undefined) return acceptNoted(rt, session, frame, message, ack, receivedAt, undefined);
  return afterNote(
    () => unpublished.add(rt.options.serverId, message),
    () => acceptNoted(rt, session, frame, message, ack, receivedAt, unpublished),
    (error) => refuse(rt, session, frame, message, error, true),
  );
}

/** Runs `next` once the note is written (at once when the store answered in place); `refused` if it failed. */
function afterNote(
  note: () => MaybePromise<void>,
  next: () => Promise<void> | undefined | void,
  refused: (error: unknown) => void,
): Promise<void> | undefined {
  let written: MaybePromise<void>;
  try {
    written = note();
  } catch (error) {
    refused(error);
    return undefined;
  }
  if (!(written instanceof Promise)) return next() ?? undefined;
  return written.then(next, refused);
}

function ackDuplicate(
  rt: ChatParts,
  session: Session,
  frame: ClientFrameOf<'chat.send'>,
  original: AcceptedSend,
  receivedAt: number,
): void {
  rt.replies.ack(session, { ...original.ack, duplicate: true }, frame.ref);
  rt.options.metrics.observeAckLatency(rt.options.clock.now() - receivedAt);
}

/**
 * The message could not be noted, so it is not accepted: an error with the frame's `ref` instead of the ack,
 * nothing published, and (for a first send) the claim released so a retry with the same client_msg_id is
 * a new attempt. A duplicate keeps its claim: the original ack stands for the retry after this one.
 */
function refuse(
  rt: ChatParts,
  session: Session,
  frame: ClientFrameOf<'chat.send'>,
  message: ChatMessage,
  error: unknown,
  first: boolean,
): void {
  const clientMsgId = frame.payload.client_msg_id;
  if (first) {
    // Its write may have landed though its reply was lost: removed, so no rescue publishes what was refused.
    rt.unpublished?.done(rt.options.serverId, message.message_id);
    void rt.dedup.release(session.user.id, clientMsgId);
  }
  rt.options.logger.warn(
    { err: error, message_id: message.message_id },
    'chat.send refused: the message could not be noted in the shared store',
  );
  rt.replies.fail(session, 'internal_error', 'The message could not be accepted; send it again.', frame.ref, {
    client_msg_id: clientMsgId,
  });
}

/** The message is noted where another instance would find it (or there is no other instance): ack, publish. */
function acceptNoted(
  rt: ChatParts,
  session: Session,
  frame: ClientFrameOf<'chat.send'>,
  message: ChatMessage,
  ack: ChatSendAck,
  receivedAt: number,
  unpublished: UnpublishedStore | undefined,
): Promise<void> | undefined {
  const userId = session.user.id;
  rt.replies.ack(session, ack, frame.ref);
  rt.options.metrics.observeAckLatency(rt.options.clock.now() - receivedAt);
  rt.typing.stopAndTell(message.room_id, userId);
  const published = publishMessage(rt, message);
  if (unpublished !== undefined) {
    // Sent after the publish went out (publishOnce writes it in the same step as the history write's answer).
    const done = () => unpublished.done(rt.options.serverId, message.message_id);
    (published ?? Promise.resolve()).then(done, done);
  }
  if (published === undefined) return undefined;
  const failed = (error: unknown) => {
    // The send may be retried with the same client_msg_id, so it must not count as seen.
    void rt.dedup.release(userId, message.client_msg_id ?? ack.client_msg_id);
    rt.options.logger.error({ err: error, message_id: message.message_id }, 'persistMessage failed');
    rt.replies.fail(session, 'handler_failed', 'The message could not be stored; it was not delivered.', undefined, {
      client_msg_id: ack.client_msg_id,
      message_id: message.message_id,
    });
  };
  // Persisting may take long: later frames wait only for shared history, never for the hook.
  if (rt.options.persistMessage !== undefined) {
    published.catch(failed);
    return undefined;
  }
  return published.catch(failed);
}

export function onChatEdit(rt: ChatParts, session: Session, frame: ClientFrameOf<'chat.edit'>): MaybePromise<void> {
  const { room_id, message_id, content } = frame.payload;
  return andThen(ownMessage(rt, session, room_id, message_id, frame.ref), (message) => {
    if (message === undefined) return undefined;
    const edited: ChatMessage = { ...message, content, edited_at: rt.stamps.timestamp() };
    return andThen(rt.history.replace(edited), () => {
      rt.delivery.toRoom(room_id, 'chat.message.update', { message_id, room_id, content, edited_at: edited.edited_at });
      rt.replies.ack(session, { message_id }, frame.ref);
    });
  });
}

export function onChatDelete(rt: ChatParts, session: Session, frame: ClientFrameOf<'chat.delete'>): MaybePromise<void> {
  const { room_id, message_id } = frame.payload;
  return andThen(ownMessage(rt, session, room_id, message_id, frame.ref), (message) => {
    if (message === undefined) return undefined;
    return andThen(rt.history.remove(room_id, message_id), () => {
      rt.delivery.toRoom(room_id, 'chat.message.delete', { message_id, room_id });
      rt.replies.ack(session, { message_id }, frame.ref);
    });
  });
}

/** A page of a room's history, for its subscribers only (`handlers/history.ts`). */
export function onChatHistory(
  rt: Pick<Parts, 'history' | 'historyLoads' | 'replies' | 'options'>,
  session: Session,
  frame: ClientFrameOf<'chat.history'>,
): MaybePromise<void> {
  if (!requireRoom(rt, session, frame.payload.room_id, frame.ref)) return undefined;
  return answerHistory(rt, session, frame);
}

/** True when subscribed; otherwise answers not_subscribed. */
export function requireRoom(
  rt: Pick<Parts, 'replies'>,
  session: Session,
  roomId: string,
  ref: string | undefined,
): boolean {
  if (session.rooms.has(roomId)) return true;
  rt.replies.fail(session, 'not_subscribed', `Subscribe to room "${roomId}" first.`, ref);
  return false;
}

/** The message when it exists and the session's user sent it; otherwise answers the error. */
function ownMessage(
  rt: Pick<Parts, 'history' | 'replies'>,
  session: Session,
  roomId: string,
  messageId: string,
  ref: string | undefined,
): MaybePromise<ChatMessage | undefined> {
  if (!requireRoom(rt, session, roomId, ref)) return undefined;
  return andThen(rt.history.find(roomId, messageId), (message) => {
    if (message === undefined) {
      rt.replies.fail(session, 'not_found', `No message "${messageId}" in room "${roomId}".`, ref);
      return undefined;
    }
    if (message.sender_id !== session.user.id) {
      rt.replies.fail(session, 'forbidden', 'Only the sender may change a message.', ref);
      return undefined;
    }
    return message;
  });
}
