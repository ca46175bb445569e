import * as z from 'zod/mini';
import { ChatMessage, PresenceEntry } from './entities';
import { StreamSnapshot } from './frames/chat';
import { Id, NonNegativeInt, Timestamp } from './primitives';

/**
 * The payload of the `ack` that answers each request type (when the request carries a `ref`).
 * `subscribe`/`unsubscribe` and their guild spellings are answered by `subscribed`/`unsubscribed` instead.
 */
export const ackResultSchemas = {
  'chat.send': z.object({
    status: z.literal('accepted'),
    message_id: Id,
    client_msg_id: Id,
    room_id: Id,
    /** True when this `client_msg_id` was seen before: the original ack is repeated, nothing is sent again. */
    duplicate: z.optional(z.boolean()),
  }),
  'chat.edit': z.object({ message_id: Id }),
  'chat.delete': z.object({ message_id: Id }),
  'chat.history': z.object({
    room_id: Id,
    messages: z.array(ChatMessage),
    /**
     * There may be more in the direction asked (older with `before` or no cursor, newer with `after`): page on
     * from the first message (older) or the last (newer). Absent from servers before paging.
     */
    more: z.optional(z.boolean()),
  }),
  'chat.stream_fetch': StreamSnapshot,
  'recording.start': z.object({ recording_id: Id }),
  'recording.event': z.object({ recording_id: Id, index: NonNegativeInt }),
  'recording.stop': z.object({ recording_id: Id, events: NonNegativeInt }),
  'presence.update': z.object({}),
  'presence.list': z.object({ room_id: z.optional(Id), presence: z.array(PresenceEntry), next: z.optional(Id) }),
  replay: z.object({ replayed: NonNegativeInt }),
  reauth: z.object({ expires_at: z.optional(Timestamp) }),
} as const;

export type AckResultType = keyof typeof ackResultSchemas;
export type AckResults = { [K in AckResultType]: z.infer<(typeof ackResultSchemas)[K]> };
