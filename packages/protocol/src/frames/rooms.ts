import * as z from 'zod/mini';
import { RoomRecovery, RoomSnapshot } from '../entities';
import { frame } from '../envelope';
import { Id } from '../primitives';

// Replies to `subscribe` and friends (sent from frames/requests.ts), carrying the request's `ref`.

export const RefusedRoom = z.object({ room_id: Id, code: z.string(), message: z.string() });

/**
 * Reply to `subscribe`/`guild.subscribe`: the granted rooms with members and recent messages, the refused ones,
 * and for each granted room named in `since`, how its recovery went.
 */
export const Subscribed = frame(
  'subscribed',
  z.object({
    rooms: z.array(RoomSnapshot),
    refused: z.array(RefusedRoom),
    recovery: z.optional(z.array(RoomRecovery)),
  }),
);

export const Unsubscribed = frame('unsubscribed', z.object({ room_ids: z.array(Id) }));
