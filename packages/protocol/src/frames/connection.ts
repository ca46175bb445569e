import * as z from 'zod/mini';
import { PresenceEntry, RoomPresence, RoomRecovery, User } from '../entities';
import { bareFrame, frame } from '../envelope';
import { Data, Id, NonNegativeInt, PositiveInt, Seq, Timestamp } from '../primitives';
import { RefusedRoom } from './rooms';

/** A token bucket: `burst` frames at once, refilled at `per_second` (which may be a fraction). */
export const RateLimit = z.object({ burst: PositiveInt, per_second: z.number().check(z.positive()) });
export type RateLimit = z.infer<typeof RateLimit>;

/** Limits the server enforces, announced in `hello` so a client never has to learn them by error. */
export const Limits = z.object({
  max_frame_bytes: PositiveInt,
  max_content_length: PositiveInt,
  max_rooms_per_connection: PositiveInt,
  max_connections_per_user: PositiveInt,
  /** Deepest nesting of objects and arrays a frame may have. */
  max_json_depth: PositiveInt,
  typing_ttl_ms: PositiveInt,
  identify_timeout_ms: PositiveInt,
  /**
   * Per connection, by class of frame: every frame counts as `general` except heartbeats, which count only in
   * `heartbeat`; typing, recording and presence updates also count in their own. `heartbeat` and `presence`
   * are optional since older servers omit them.
   */
  rate_limits: z.object({
    general: RateLimit,
    typing: RateLimit,
    recording: RateLimit,
    heartbeat: z.optional(RateLimit),
    presence: z.optional(RateLimit),
  }),
  /** Largest presence `data` of one user, in bytes of its JSON (`error payload_too_large` above it). */
  max_presence_data_bytes: z.optional(PositiveInt),
  /** Most presence entries `ready` carries; `presence.list` pages through the rest. */
  max_presence_snapshot: z.optional(PositiveInt),
  /** Most members a room's presence carries when a session enters it (`members_next` then pages the rest). */
  max_room_snapshot: z.optional(PositiveInt),
  /**
   * How long a server gathers presence changes into one `presence.diff` per scope, in ms; 0 (or absent):
   * until the end of the event-loop turn that made them.
   */
  presence_batch_ms: z.optional(NonNegativeInt),
  /** Most missed dispatches of one room a `since` replays; beyond it the newest are, with `too_many`. */
  max_recover: z.optional(PositiveInt),
});
export type Limits = z.infer<typeof Limits>;

// ── server → client ─────────────────────────────────────────────────────────

export const Hello = frame(
  'hello',
  z.object({
    protocol_version: PositiveInt,
    heartbeat_interval: PositiveInt,
    resume_window_ms: NonNegativeInt,
    limits: Limits,
    server_id: z.optional(z.string()),
  }),
);

export const Ready = frame(
  'ready',
  z.object({
    session_id: Id,
    user: User,
    device_id: Id,
    subscriptions: z.array(Id),
    /** Everyone online, with global presence on (empty without it: room members come in `rooms`). */
    presence: z.array(PresenceEntry),
    /**
     * How many users are online, when `presence` holds only the first `limits.max_presence_snapshot` of them
     * (by user id): page through the rest with `presence.list`. Absent when `presence` is whole.
     */
    presence_total: z.optional(NonNegativeInt),
    /** The presence of each room granted from `identify.subscriptions`, as `subscribed` gives it. */
    rooms: z.optional(z.array(RoomPresence)),
    /** The rooms of `identify.subscriptions` not granted, as in `subscribed`; optional since older servers omit it. */
    refused: z.optional(z.array(RefusedRoom)),
    /** For each granted room named in `identify.since`: how its recovery went (the replay follows `ready`). */
    recovery: z.optional(z.array(RoomRecovery)),
  }),
);

export const Resumed = frame('resumed', z.object({ session_id: Id, replayed: NonNegativeInt }));

export const InvalidSession = frame(
  'invalid_session',
  z.object({ resumable: z.boolean(), reason: z.optional(z.string()) }),
);

/** Server-paced reconnect (drain, deploy): reconnect after `after_ms` plus up to `jitter_ms`, then resume. */
export const Reconnect = frame(
  'reconnect',
  z.object({
    after_ms: z.optional(NonNegativeInt),
    jitter_ms: z.optional(NonNegativeInt),
    reason: z.optional(z.string()),
  }),
);

/** Sent before every close the server initiates, since close reasons are capped at 123 bytes. */
export const Goodbye = frame('goodbye', z.object({ code: z.int(), reason: z.string(), resumable: z.boolean() }));

/** The token will expire soon: send `reauth` with a fresh one before `expires_at`, or be closed 4200. */
export const AuthExpiring = frame('auth.expiring', z.object({ expires_at: Timestamp, expires_in_ms: NonNegativeInt }));

/** Generic reply to a request carrying `ref`; the result's shape depends on the request type. */
export const Ack = frame('ack', z.optional(Data));

export const ErrorFrame = frame(
  'error',
  z.object({
    code: z.string(),
    message: z.string(),
    retry_after_ms: z.optional(NonNegativeInt),
    details: z.optional(Data),
  }),
);

// ── both directions ─────────────────────────────────────────────────────────

/**
 * Client → server: keep-alive carrying the last seq the client has seen, so the server can trim its replay buffer.
 * Server → client: sent when the server has heard nothing for an interval; the client answers `heartbeat_ack` at once.
 */
export const Heartbeat = bareFrame('heartbeat', z.object({ last_seq: z.optional(Seq) }));
export const HeartbeatAck = bareFrame('heartbeat_ack', z.object({}));
