import * as z from 'zod/mini';
import { frame } from '../envelope';
import { Data, Id, NonNegativeInt, Timestamp } from '../primitives';

const EventName = z.string().check(z.minLength(1), z.maxLength(64));

// ── client → server ─────────────────────────────────────────────────────────
// A recording is a stream of user-interface events (seed 000: `{"event":"mouse_click","x":100,"y":200}`)
// shared with a room; like chat streams, its events are indexed from 0 so a gap is visible.

export const RecordingStartRequest = frame(
  'recording.start',
  z.object({ room_id: Id, recording_id: z.optional(Id), metadata: z.optional(Data) }),
);
export const RecordingEventRequest = frame(
  'recording.event',
  z.object({ recording_id: Id, event: EventName, data: z.optional(Data) }),
);
export const RecordingStopRequest = frame('recording.stop', z.object({ recording_id: Id }));

// ── server → client ─────────────────────────────────────────────────────────

export const RecordingStart = frame(
  'recording.start',
  z.object({
    recording_id: Id,
    room_id: z.optional(Id),
    user_id: Id,
    metadata: z.optional(Data),
    started_at: Timestamp,
  }),
);
export const RecordingEvent = frame(
  'recording.event',
  z.object({
    recording_id: Id,
    room_id: z.optional(Id),
    user_id: Id,
    index: NonNegativeInt,
    event: EventName,
    data: z.optional(Data),
    at: Timestamp,
  }),
);
export const RecordingStop = frame(
  'recording.stop',
  z.object({
    recording_id: Id,
    room_id: z.optional(Id),
    user_id: Id,
    events: NonNegativeInt,
    stopped_at: Timestamp,
  }),
);
