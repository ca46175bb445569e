import * as z from 'zod/mini';
import { ChatMessage, Content, MessageKind } from '../entities';
import { frame } from '../envelope';
import { Data, Id, NonNegativeInt, PositiveInt, Timestamp } from '../primitives';

// ── client → server ─────────────────────────────────────────────────────────

/** Send a message to a room; acked with `{status:"accepted", message_id, client_msg_id}`. */
export const ChatSend = frame(
  'chat.send',
  z.object({
    room_id: Id,
    /** Chosen by the client, unique per user; echoed in `chat.message` and used to drop retried duplicates. */
    client_msg_id: Id,
    content: Content,
    kind: z.optional(MessageKind),
    metadata: z.optional(Data),
  }),
);

export const ChatEdit = frame('chat.edit', z.object({ room_id: Id, message_id: Id, content: Content }));

export const ChatDelete = frame('chat.delete', z.object({ room_id: Id, message_id: Id }));

/** Ask for a room's recent messages; acked with `{room_id, messages}`. */
export const ChatHistory = frame('chat.history', z.object({ room_id: Id, limit: z.optional(PositiveInt) }));

// ── server → client ─────────────────────────────────────────────────────────

export const ChatMessageFrame = frame('chat.message', ChatMessage);

export const ChatMessageUpdate = frame(
  'chat.message.update',
  z.object({ message_id: Id, room_id: Id, content: z.string(), edited_at: Timestamp }),
);

export const ChatMessageDelete = frame('chat.message.delete', z.object({ message_id: Id, room_id: Id }));

/** A server-initiated streamed message (an AI answer, a long upload); chunks are indexed from 0 per stream. */
export const ChatStreamStart = frame(
  'chat.stream_start',
  z.object({
    stream_id: Id,
    room_id: Id,
    sender_id: Id,
    kind: z.optional(MessageKind),
    metadata: z.optional(Data),
    started_at: Timestamp,
  }),
);

export const ChatStreamChunk = frame(
  'chat.stream_chunk',
  z.object({ stream_id: Id, room_id: Id, index: NonNegativeInt, content: z.string() }),
);

/** Ends a stream; `chunks` lets a client see that it missed some, `message` is the assembled result. */
export const ChatStreamEnd = frame(
  'chat.stream_end',
  z.object({
    stream_id: Id,
    room_id: Id,
    chunks: NonNegativeInt,
    message: z.optional(ChatMessage),
  }),
);

/** Ask for the chunks of a stream from `from_index` on (a client that missed some); acked with a snapshot. */
export const ChatStreamFetch = frame(
  'chat.stream_fetch',
  z.object({ stream_id: Id, from_index: z.optional(NonNegativeInt) }),
);

/** The `ack` result of `chat.stream_fetch`. */
export const StreamSnapshot = z.object({
  stream_id: Id,
  room_id: Id,
  chunks: z.array(z.object({ index: NonNegativeInt, content: z.string() })),
  ended: z.boolean(),
});
