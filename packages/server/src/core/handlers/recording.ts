import type { ClientFrameOf } from '@gateway/protocol';
import type { Parts } from '../parts';
import type { RecordingRecord } from '../recordings';
import type { Session } from '../session';
import { requireRoom } from './chat';

type RecordingParts = Pick<Parts, 'replies' | 'recordings' | 'delivery' | 'stamps'>;

/** Seed 000's recordings: a user-interface event stream shared with a room, events indexed from 0. */
export function onRecordingStart(rt: RecordingParts, session: Session, frame: ClientFrameOf<'recording.start'>): void {
  const user = session.user;
  const { room_id, metadata } = frame.payload;
  if (!requireRoom(rt, session, room_id, frame.ref)) return;
  const recordingId = frame.payload.recording_id ?? rt.stamps.newId();
  if (rt.recordings.get(recordingId) !== undefined) {
    rt.replies.fail(session, 'forbidden', `Recording "${recordingId}" is running already.`, frame.ref);
    return;
  }
  rt.recordings.add({ recording_id: recordingId, room_id, user_id: user.id, events: 0 });
  rt.replies.ack(session, { recording_id: recordingId }, frame.ref);
  rt.delivery.toRoom(room_id, 'recording.start', {
    recording_id: recordingId,
    room_id,
    user_id: user.id,
    ...(metadata === undefined ? {} : { metadata }),
    started_at: rt.stamps.timestamp(),
  });
}

export function onRecordingEvent(rt: RecordingParts, session: Session, frame: ClientFrameOf<'recording.event'>): void {
  const { recording_id, event, data } = frame.payload;
  const recording = ownRecording(rt, session, recording_id, frame.ref);
  if (recording === undefined) return;
  const index = recording.events++;
  rt.delivery.toRoom(recording.room_id, 'recording.event', {
    recording_id,
    room_id: recording.room_id,
    user_id: recording.user_id,
    index,
    event,
    ...(data === undefined ? {} : { data }),
    at: rt.stamps.timestamp(),
  });
  if (frame.ref !== undefined) rt.replies.ack(session, { recording_id, index }, frame.ref);
}

export function onRecordingStop(rt: RecordingParts, session: Session, frame: ClientFrameOf<'recording.stop'>): void {
  const { recording_id } = frame.payload;
  const recording = ownRecording(rt, session, recording_id, frame.ref);
  if (recording === undefined) return;
  rt.recordings.delete(recording_id);
  rt.delivery.toRoom(recording.room_id, 'recording.stop', {
    recording_id,
    room_id: recording.room_id,
    user_id: recording.user_id,
    events: recording.events,
    stopped_at: rt.stamps.timestamp(),
  });
  rt.replies.ack(session, { recording_id, events: recording.events }, frame.ref);
}

function ownRecording(
  rt: RecordingParts,
  session: Session,
  recordingId: string,
  ref: string | undefined,
): RecordingRecord | undefined {
  const recording = rt.recordings.get(recordingId);
  if (recording === undefined) {
    rt.replies.fail(session, 'not_found', `No running recording "${recordingId}".`, ref);
    return undefined;
  }
  if (recording.user_id !== session.user.id) {
    rt.replies.fail(session, 'forbidden', 'Only the user who started a recording may add to it or stop it.', ref);
    return undefined;
  }
  if (!session.rooms.has(recording.room_id)) {
    rt.replies.fail(session, 'not_subscribed', `Subscribe to room "${recording.room_id}" first.`, ref);
    return undefined;
  }
  return recording;
}
