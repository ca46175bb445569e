import * as z from 'zod/mini';
import { StreamPosition } from './position';
import { Data, DeviceType, DisplayName, Id, NonNegativeInt, PresenceStatus, Timestamp } from './primitives';

/** Longest chat message content, in UTF-16 code units (seed 002 caps messages at 8 KB). */
export const MAX_CONTENT_LENGTH = 8192;

export const Content = z.string().check(z.minLength(1), z.maxLength(MAX_CONTENT_LENGTH));

/** What a chat message is: ordinary text, a question to the room's host (seed 003), or a system note. */
export const MessageKind = z.enum(['text', 'question', 'system']);
export type MessageKind = z.infer<typeof MessageKind>;

export const User = z.object({
  id: Id,
  display_name: z.optional(DisplayName),
});
export type User = z.infer<typeof User>;

/** One connection of a user: a browser tab, a phone, a bot. */
export const PresenceDevice = z.object({
  device_id: Id,
  device_type: DeviceType,
  status: PresenceStatus,
});
export type PresenceDevice = z.infer<typeof PresenceDevice>;

/** A user's presence aggregated over their devices; the user is offline when no device is left. */
export const PresenceEntry = z.object({
  user_id: Id,
  display_name: z.optional(DisplayName),
  status: PresenceStatus,
  devices: z.array(PresenceDevice),
  data: z.optional(Data),
  updated_at: Timestamp,
});
export type PresenceEntry = z.infer<typeof PresenceEntry>;

export const ChatMessage = z.object({
  message_id: Id,
  room_id: Id,
  sender_id: Id,
  sender_name: z.optional(DisplayName),
  client_msg_id: z.optional(Id),
  kind: MessageKind,
  content: z.string(),
  metadata: z.optional(Data),
  created_at: Timestamp,
  edited_at: z.optional(Timestamp),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/**
 * Why a room could not be recovered whole: `epoch_changed` (the room's history was lost since: nothing
 * replayed), `too_old` (the oldest message kept is later than the one after the position), `too_many` (more
 * missed than one subscribe replays: the newest are replayed), `unavailable` (this server keeps no stream).
 */
export const RecoveryReason = z.enum(['epoch_changed', 'too_old', 'too_many', 'unavailable']);
export type RecoveryReason = z.infer<typeof RecoveryReason>;

/**
 * The answer to a room's position in `since`: `replayed` dispatches of the room follow the reply, oldest first,
 * before anything live. `recovered: false` names the reason and, unless the epoch changed, the offsets missed
 * (`missed_from` to `missed_to`, both included) that were not replayed: what an app fetches with `chat.history`.
 */
export const RoomRecovery = z.object({
  room_id: Id,
  recovered: z.boolean(),
  replayed: NonNegativeInt,
  reason: z.optional(RecoveryReason),
  missed_from: z.optional(NonNegativeInt),
  missed_to: z.optional(NonNegativeInt),
});
export type RoomRecovery = z.infer<typeof RoomRecovery>;

/**
 * A room's presence when a session enters it: how many members it shows and the first of them by user id.
 * `members_next` (the last user id of the page) says more follow: `presence.list` with `room_id` and
 * `after` pages through them; the room's `presence.diff`s keep both the count and the members a client holds
 * current. `members_on_request`: the room's members are never pushed (a large room, by the server's
 * configuration): `members` is empty, its diffs carry only `count`, and `presence.list` answers on request.
 */
export const RoomPresence = z.object({
  room_id: Id,
  member_count: NonNegativeInt,
  members: z.array(PresenceEntry),
  members_next: z.optional(Id),
  members_on_request: z.optional(z.literal(true)),
  /** The room's stream position as the session enters it; absent when the server keeps no stream for rooms. */
  position: z.optional(StreamPosition),
});
export type RoomPresence = z.infer<typeof RoomPresence>;

export const RoomSnapshot = z.extend(RoomPresence, { recent_messages: z.array(ChatMessage) });
export type RoomSnapshot = z.infer<typeof RoomSnapshot>;

export const Counted = NonNegativeInt;
