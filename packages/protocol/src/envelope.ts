import * as z from 'zod/mini';
import { RoomPosition } from './position';
import { Ref, Seq } from './primitives';

/**
 * The envelope of every frame, both directions: `{ type, payload?, seq?, ref?, pos? }`.
 * `seq` only on server dispatches, `ref` only on requests and the replies to them, `pos` only on the
 * dispatches of a room's stream (its position after that dispatch).
 */
export function frame<T extends string, P extends z.ZodMiniType>(type: T, payload: P) {
  return z.object({
    type: z.literal(type),
    payload,
    seq: z.optional(Seq),
    ref: z.optional(Ref),
    pos: z.optional(RoomPosition),
  });
}

/** A frame whose payload may be left out on the wire (`{"type":"heartbeat"}`). */
export function bareFrame<T extends string, P extends z.ZodMiniType>(type: T, payload: P) {
  return frame(type, z.optional(payload));
}
