import * as z from 'zod/mini';
import { frame } from '../envelope';
import { Data, EventName, Id, NonNegativeInt, Timestamp } from '../primitives';

// A recording is a stream of user-interface events (seed 000: `{"event":"mouse_click","x":100,"y":200}`)
// shared with a room; like chat streams, its events are indexed from 0 so a gap is visible.
// The requests that start, feed and stop one are in frames/requests.ts.

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
