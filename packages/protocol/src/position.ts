import * as z from 'zod/mini';
import { Id, NonNegativeInt } from './primitives';

/**
 * Names one unbroken run of a room's stream: when the server loses a room's history (an in-memory server
 * restarted, Redis flushed or expired the room), the room starts a new epoch and its offsets start again.
 */
export const Epoch = z.string().check(z.minLength(1), z.maxLength(64));
export type Epoch = z.infer<typeof Epoch>;

/**
 * Where a room's stream stands: its epoch and the offset of its last message (0 before the first). Each
 * message the server publishes to a room (every dispatch but `presence.diff`) takes the next offset.
 */
export const StreamPosition = z.object({ epoch: Epoch, offset: NonNegativeInt });
export type StreamPosition = z.infer<typeof StreamPosition>;

/** A room's stream position: on each room dispatch (the envelope's `pos`) and in `since` of a (re)subscribe. */
export const RoomPosition = z.object({ room_id: Id, epoch: Epoch, offset: NonNegativeInt });
export type RoomPosition = z.infer<typeof RoomPosition>;
