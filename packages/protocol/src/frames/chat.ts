import * as z from 'zod/mini';
import { ChatMessage, MessageKind } from '../entities';
import { frame } from '../envelope';
import { Data, Id, NonNegativeInt, Timestamp } from '../primitives';

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

/** The `ack` result of `chat.stream_fetch`. */
export const StreamSnapshot = z.object({
  stream_id: Id,
  room_id: Id,
  chunks: z.array(z.object({ index: NonNegativeInt, content: z.string() })),
  ended: z.boolean(),
});
