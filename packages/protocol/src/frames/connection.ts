import * as z from 'zod/mini';
import { PresenceEntry, User } from '../entities';
import { bareFrame, frame } from '../envelope';
import { Data, DeviceType, DisplayName, Id, NonNegativeInt, PositiveInt, PresenceStatus, Seq } from '../primitives';

/** Limits the server enforces, announced in `hello` so a client never has to learn them by error. */
export const Limits = z.object({
  max_frame_bytes: PositiveInt,
  max_content_length: PositiveInt,
  max_rooms_per_connection: PositiveInt,
  typing_ttl_ms: PositiveInt,
  identify_timeout_ms: PositiveInt,
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
    presence: z.array(PresenceEntry),
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

// ── client → server ─────────────────────────────────────────────────────────

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
    presence: z.optional(z.object({ status: z.optional(PresenceStatus), data: z.optional(Data) })),
  }),
);

export const Resume = frame(
  'resume',
  z.object({ session_id: Id, seq: Seq, token: z.optional(z.string().check(z.maxLength(8192))) }),
);

/** Gap repair on a live connection: resend every dispatch after `since`. */
export const Replay = frame('replay', z.object({ since: Seq }));
