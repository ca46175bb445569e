import * as z from 'zod/mini';
import { RoomSnapshot } from '../entities';
import { frame } from '../envelope';
import { Id } from '../primitives';

const RoomIds = z.array(Id).check(z.minLength(1), z.maxLength(100));

// ── client → server ─────────────────────────────────────────────────────────

/** Subscribe to rooms (seed 001's `joinRoom`, seed 002's `subscribe`, seed 003's session code). */
export const Subscribe = frame('subscribe', z.object({ room_ids: RoomIds }));
export const Unsubscribe = frame('unsubscribe', z.object({ room_ids: RoomIds }));

/** The guild family's spelling of a subscription (seed 004): the guild id is the room id. */
export const GuildSubscribe = frame('guild.subscribe', z.object({ guild_id: Id }));
export const GuildUnsubscribe = frame('guild.unsubscribe', z.object({ guild_id: Id }));

// ── server → client (replies, carrying the request's `ref`) ─────────────────

export const RefusedRoom = z.object({ room_id: Id, code: z.string(), message: z.string() });

/** Reply to `subscribe`/`guild.subscribe`: the granted rooms with members and recent messages, and the refused ones. */
export const Subscribed = frame(
  'subscribed',
  z.object({ rooms: z.array(RoomSnapshot), refused: z.array(RefusedRoom) }),
);

export const Unsubscribed = frame('unsubscribed', z.object({ room_ids: z.array(Id) }));
