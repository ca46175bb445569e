import * as z from 'zod/mini';
import { PresenceEntry } from '../entities';
import { frame } from '../envelope';
import { DisplayName, Id, NonNegativeInt, PositiveInt } from '../primitives';

// ── server → client ─────────────────────────────────────────────────────────

/**
 * What changed in one presence scope since the last diff: everyone online without `room_id` (global
 * presence), or one room's members with it. A server sends at most one diff per scope per event-loop turn (or
 * per `presence_batch_ms`), so a room of N users filling up costs each member a handful of frames rather than
 * N. `joined` are users now shown who were not, `updated` users shown before and after whose entry changed,
 * `left` users no longer shown; a user is in at most one of them, as the server saw them when it sent the diff.
 * `count` is how many users the scope shows after it (a room's visible members), so a client keeps the count
 * of a room whose members it holds only a page of. A room whose presence is on request gets diffs with
 * `count` only. A diff may name the receiver's own user.
 */
export const PresenceDiff = frame(
  'presence.diff',
  z.object({
    room_id: z.optional(Id),
    joined: z.optional(z.array(PresenceEntry)),
    updated: z.optional(z.array(PresenceEntry)),
    left: z.optional(z.array(Id)),
    count: NonNegativeInt,
  }),
);

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
