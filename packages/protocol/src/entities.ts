import * as z from 'zod/mini';
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

export const RoomSnapshot = z.object({
  room_id: Id,
  members: z.array(PresenceEntry),
  recent_messages: z.array(ChatMessage),
});
export type RoomSnapshot = z.infer<typeof RoomSnapshot>;

export const Counted = NonNegativeInt;
