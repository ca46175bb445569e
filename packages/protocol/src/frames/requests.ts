import * as z from 'zod/mini';
import { Content, MessageKind } from '../entities';
import { frame } from '../envelope';
import { RoomPosition, StreamPosition } from '../position';
import {
  Data,
  DeviceType,
  DisplayName,
  EventName,
  Id,
  NonNegativeInt,
  PositiveInt,
  PresenceStatus,
  Seq,
} from '../primitives';

// Every frame only a client sends, in a module of its own: the client builds these itself (typed from the
// inferred types) and validates only what it receives, so with `sideEffects: false` a client bundle
// drops this module whole. The server validates them through `clientFrameSchemas`.

// ── connection ──────────────────────────────────────────────────────────────

/** Rooms' last positions a client saw, at most one per room it names; positions of other rooms are ignored. */
const Since = z.array(RoomPosition).check(z.maxLength(100));

export const Identify = frame(
  'identify',
  z.object({
    /** JWT; required unless the server runs in dev mode. */
    token: z.optional(z.string().check(z.maxLength(8192))),
    /** Dev mode only: the user to be. Ignored when a token is verified. */
    user_id: z.optional(Id),
    display_name: z.optional(DisplayName),
    device_type: z.optional(DeviceType),
    /** Stable id of this device; one is made up when absent. */
    device_id: z.optional(Id),
    protocol_version: z.optional(PositiveInt),
    /** Rooms to subscribe to as part of identify (seed 004's `guildIds`). */
    subscriptions: z.optional(z.array(Id).check(z.maxLength(100))),
    /** Where the client left rooms of `subscriptions` (a session that expired): what they missed is replayed. */
    since: z.optional(Since),
    presence: z.optional(z.object({ status: z.optional(PresenceStatus), data: z.optional(Data) })),
  }),
);

export const Resume = frame(
  'resume',
  z.object({ session_id: Id, seq: Seq, token: z.optional(z.string().check(z.maxLength(8192))) }),
);

/** Replace the connection's token in-band, so a long-lived connection never drops for expiry. Same user only. */
export const Reauth = frame('reauth', z.object({ token: z.string().check(z.minLength(1), z.maxLength(8192)) }));

/** Gap repair on a live connection: resend every dispatch after `since`. */
export const Replay = frame('replay', z.object({ since: Seq }));

// ── rooms ───────────────────────────────────────────────────────────────────

const RoomIds = z.array(Id).check(z.minLength(1), z.maxLength(100));

/** Subscribe to rooms (seed 001's `joinRoom`, seed 002's `subscribe`, seed 003's session code). */
export const Subscribe = frame(
  'subscribe',
  z.object({
    room_ids: RoomIds,
    /** Where the client left some of these rooms: what it missed since is replayed after `subscribed`. */
    since: z.optional(Since),
  }),
);
export const Unsubscribe = frame('unsubscribe', z.object({ room_ids: RoomIds }));

/** The guild family's spelling of a subscription (seed 004): the guild id is the room id. */
export const GuildSubscribe = frame('guild.subscribe', z.object({ guild_id: Id }));
export const GuildUnsubscribe = frame('guild.unsubscribe', z.object({ guild_id: Id }));

// ── chat ────────────────────────────────────────────────────────────────────

/** Send a message to a room; acked with `{status:"accepted", message_id, client_msg_id}`. */
export const ChatSend = frame(
  'chat.send',
  z.object({
    room_id: Id,
    /** Chosen by the client, unique per user; echoed in `chat.message` and used to drop retried duplicates. */
    client_msg_id: Id,
    content: Content,
    kind: z.optional(MessageKind),
    metadata: z.optional(Data),
  }),
);

export const ChatEdit = frame('chat.edit', z.object({ room_id: Id, message_id: Id, content: Content }));

export const ChatDelete = frame('chat.delete', z.object({ room_id: Id, message_id: Id }));

/** Most messages one `chat.history` answers; a larger `limit` is answered as this. */
export const MAX_HISTORY_LIMIT = 100;

/**
 * Where a page of history stops (exclusive): a message, by its id (ids sort by creation, so an app's own
 * database pages by them too), or a room stream position (a dispatch's `pos`, the edges of a recovery's hole).
 */
export const HistoryCursor = z.union([z.object({ message_id: Id }), StreamPosition]);
export type HistoryCursor = z.infer<typeof HistoryCursor>;

/**
 * Ask for a page of a room's messages, oldest first; acked with `{room_id, messages, more}`. `before` only: the
 * newest `limit` older than it; `after` (with or without `before`): the oldest `limit` newer than it; neither:
 * the latest.
 */
export const ChatHistory = frame(
  'chat.history',
  z.object({
    room_id: Id,
    limit: z.optional(PositiveInt),
    before: z.optional(HistoryCursor),
    after: z.optional(HistoryCursor),
  }),
);

/** Ask for the chunks of a stream from `from_index` on (a client that missed some); acked with a snapshot. */
export const ChatStreamFetch = frame(
  'chat.stream_fetch',
  z.object({ stream_id: Id, from_index: z.optional(NonNegativeInt) }),
);

// ── presence and typing ─────────────────────────────────────────────────────

/** Change this device's status or the user's presence data (seed 003's `participant_update`). */
export const PresenceSet = frame('presence.update', z.object({ status: PresenceStatus, data: z.optional(Data) }));

/**
 * A page of presence, in user id order: everyone online (global presence) or one room's members. `after` is
 * the last user id of the previous page; acked with `{presence, next?}`, `next` being the `after` of the next
 * page when there is one.
 */
export const PresenceList = frame(
  'presence.list',
  z.object({
    room_id: z.optional(Id),
    after: z.optional(Id),
    limit: z.optional(z.int().check(z.minimum(1), z.maximum(1000))),
  }),
);

export const TypingStartRequest = frame('typing.start', z.object({ room_id: Id }));
export const TypingStopRequest = frame('typing.stop', z.object({ room_id: Id }));

// ── recording ───────────────────────────────────────────────────────────────

export const RecordingStartRequest = frame(
  'recording.start',
  z.object({ room_id: Id, recording_id: z.optional(Id), metadata: z.optional(Data) }),
);
export const RecordingEventRequest = frame(
  'recording.event',
  z.object({ recording_id: Id, event: EventName, data: z.optional(Data) }),
);
export const RecordingStopRequest = frame('recording.stop', z.object({ recording_id: Id }));
