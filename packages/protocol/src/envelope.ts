import * as z from 'zod/mini';
import { Ref, Seq } from './primitives';

/**
 * The envelope of every frame, both directions: `{ type, payload?, seq?, ref? }`.
 * `seq` only on server dispatches, `ref` only on requests and the replies to them.
 */
export function frame<T extends string, P extends z.ZodMiniType>(type: T, payload: P) {
  return z.object({
    type: z.literal(type),
    payload,
    seq: z.optional(Seq),
    ref: z.optional(Ref),
  });
}

/** A frame whose payload may be left out on the wire (`{"type":"heartbeat"}`). */
export function bareFrame<T extends string, P extends z.ZodMiniType>(type: T, payload: P) {
  return frame(type, z.optional(payload));
}
