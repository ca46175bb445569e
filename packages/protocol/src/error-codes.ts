/**
 * The `code` of every `error` frame the gateway sends. A single bad frame earns one of these;
 * only repeats and floods earn a close.
 */
export const ERROR_CODES = {
  invalid_json: 'The frame is not valid JSON text.',
  invalid_frame: 'The frame is not an object with a string `type`, or its fields break the schema of its type.',
  unknown_type: 'No frame of this type exists in this direction.',
  binary_unsupported: 'Binary frames are not part of the protocol; send JSON text.',
  frame_too_large: 'The frame is larger than `limits.max_frame_bytes`; it was not parsed.',
  not_identified: 'Only `identify`, `resume`, `heartbeat` and `heartbeat_ack` may come before `ready`.',
  already_identified: 'The connection has identified already.',
  forbidden: 'The user may not do this (a refused room, another user’s message).',
  not_subscribed: 'The connection is not subscribed to the room it addressed.',
  not_found: 'The message, stream or recording named does not exist.',
  payload_too_large:
    'A field is above its announced limit (presence `data` above `limits.max_presence_data_bytes`); nothing changed.',
  limit_reached: 'A per-session budget is full (recordings running at once); finish one before starting another.',
  too_many_rooms: 'The connection is subscribed to `limits.max_rooms_per_connection` rooms already.',
  rate_limited:
    'Too many frames of this class; wait `retry_after_ms` before sending another. Keeping on earns close 4004.',
  frame_too_deep: 'The frame nests objects and arrays deeper than `limits.max_json_depth`; it was not parsed.',
  shutting_down: 'The server is stopping and accepts no new work; reconnect (a `reconnect` frame follows).',
  replay_unavailable: 'The replay buffer no longer reaches back to the seq asked for.',
  position_unavailable:
    'A `chat.history` cursor names a room stream position this server cannot place: another epoch, ahead of the room, or older than its log reaches. Page by `message_id` instead.',
  handler_failed: 'The application’s handler for this frame threw; the frame was not processed.',
  internal_error: 'The server failed; the frame may be retried.',
  timeout: 'Client side only: no reply arrived in time.',
  disconnected: 'Client side only: the connection closed before the reply arrived.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
