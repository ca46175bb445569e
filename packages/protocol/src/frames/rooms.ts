import * as z from 'zod/mini';
import { RoomSnapshot } from '../entities';
import { frame } from '../envelope';
import { Id } from '../primitives';

// Replies to `subscribe` and friends (sent from frames/requests.ts), carrying the request's `ref`.

export const RefusedRoom = z.object({ room_id: Id, code: z.string(), message: z.string() });

/** Reply to `subscribe`/`guild.subscribe`: the granted rooms with members and recent messages, and the refused ones. */
export const Subscribed = frame(
  'subscribed',
  z.object({ rooms: z.array(RoomSnapshot), refused: z.array(RefusedRoom) }),
);

export const Unsubscribed = frame('unsubscribed', z.object({ room_ids: z.array(Id) }));
