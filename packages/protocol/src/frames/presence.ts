import * as z from 'zod/mini';
import { PresenceEntry } from '../entities';
import { frame } from '../envelope';
import { DisplayName, Id, PositiveInt } from '../primitives';

// ── server → client ─────────────────────────────────────────────────────────
// Without `room_id` a presence event is in the global scope (every connected user);
// with it, the user joined or left that room (seed 003's participant_joined / participant_left).

export const PresenceJoin = frame('presence.join', z.object({ room_id: z.optional(Id), presence: PresenceEntry }));

export const PresenceUpdate = frame('presence.update', z.object({ room_id: z.optional(Id), presence: PresenceEntry }));

export const PresenceLeave = frame('presence.leave', z.object({ room_id: z.optional(Id), user_id: Id }));

/** Ephemeral: never sequenced, queued or replayed. Expires after `expires_in_ms` unless renewed. */
export const TypingStart = frame(
  'typing.start',
  z.object({
    room_id: Id,
    user_id: Id,
    display_name: z.optional(DisplayName),
    expires_in_ms: PositiveInt,
  }),
);

export const TypingStop = frame('typing.stop', z.object({ room_id: Id, user_id: Id }));
