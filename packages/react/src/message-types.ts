import type { ChatMessage, GatewayClientError, RoomRecovery, ServerPayloads } from '@gateway/client';

/** A message the server has: its copy, as received. */
export interface SentMessage extends ChatMessage {
  readonly status: 'sent';
  /**
   * A React key, unique in the list: the `message_id`, or, for the copy of a send this client showed first, the
   * send's key (its `client_msg_id`), so the row survives the settling.
   */
  readonly key: string;
}

/** A send of this client the server's copy has not yet replaced: `pending` on its way, or `failed` (retry or discard it). */
export interface PendingMessage {
  readonly status: 'pending' | 'failed';
  /** The `client_msg_id`, which the server's copy carries too. */
  readonly key: string;
  readonly client_msg_id: string;
  /** The server's id, once it acknowledged the send; its copy of the message follows. */
  readonly message_id: string | undefined;
  readonly room_id: string;
  /** This client's user, when known at the time of the send. */
  readonly sender_id: string | undefined;
  readonly content: string;
  readonly kind: ChatMessage['kind'];
  readonly metadata: Record<string, unknown> | undefined;
  /** Why it failed (`status: 'failed'`): the rejected send, or the server's `handler_failed` when storing it failed. */
  readonly error: GatewayClientError | undefined;
}

/**
 * Messages of the room that the list lacks: the client was away longer than its session lasted, and the server
 * could not replay all it missed. The rows after the hole are the ones it could; fetch the rest with
 * `client.history`, or let a refetch of the room (after a `reset`) fill it.
 */
export interface MessageHole {
  /**
   * `too_old` (the room's log no longer reaches back that far), `too_many` (more than the server replays at
   * once), `epoch_changed` (the server lost the room's log: offsets start again) or `unavailable` (it keeps none,
   * or could not read it).
   */
  readonly reason: NonNullable<RoomRecovery['reason']>;
  /** The first and last offset of the room's stream missed; undefined when the epoch changed or nothing was read. */
  readonly missed_from: number | undefined;
  readonly missed_to: number | undefined;
  /**
   * The `key` of the row the hole comes after (render a "some messages could not be loaded" row below it), or
   * undefined when it comes before the first row: the list was refetched without reaching back that far.
   */
  readonly after: string | undefined;
}

/** One row of a room's message list. */
export type MessageItem = SentMessage | PendingMessage;

/** The live events a room's list is kept current from. */
export type LiveEvent =
  | { readonly type: 'chat.message'; readonly payload: ChatMessage }
  | { readonly type: 'chat.message.update'; readonly payload: ServerPayloads['chat.message.update'] }
  | { readonly type: 'chat.message.delete'; readonly payload: ServerPayloads['chat.message.delete'] };

export interface MessageList {
  /** The server's messages, oldest first, each once by `message_id`. */
  readonly sent: readonly SentMessage[];
  /** This client's sends not yet replaced by the server's copy, in the order they were made. */
  readonly pending: readonly PendingMessage[];
  /** `sent` then `pending`: what a UI renders. */
  readonly items: readonly MessageItem[];
  /** True once the room's history arrived (the `subscribed` snapshot or `chat.history`). */
  readonly loaded: boolean;
  /** What the list lacks after a recovery that was not whole; undefined when it lacks nothing. */
  readonly hole: MessageHole | undefined;
}
