import type { ClientFrameOf } from '@gateway/protocol';
import type { Parts } from '../parts';
import type { RecordingRecord } from '../recordings';
import type { Session } from '../session';
import { requireRoom } from './chat';

type RecordingParts = Pick<Parts, 'replies' | 'recordings' | 'delivery' | 'stamps'>;

/**
 * Seed 000's recordings: a user-interface event stream shared with a room, events indexed from 0. A
 * recording belongs to the session that started it: only that session adds to it or stops it.
 */
export function onRecordingStart(rt: RecordingParts, session: Session, frame: ClientFrameOf<'recording.start'>): void {
  const user = session.user;
  const { room_id, metadata } = frame.payload;
  if (!requireRoom(rt, session, room_id, frame.ref)) return;
  const recordingId = frame.payload.recording_id ?? rt.stamps.newId();
  const started = rt.recordings.start(session.id, { recording_id: recordingId, room_id, user_id: user.id, events: 0 });
  if (started === 'running') {
    rt.replies.fail(session, 'forbidden', `Recording "${recordingId}" is running already.`, frame.ref);
    return;
  }
  if (started === 'limit_reached') {
    rt.replies.fail(
      session,
      'limit_reached',
      'This session runs as many recordings as it may; stop one first.',
      frame.ref,
    );
    return;
  }
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
  rt.recordings.stop(session.id, recording_id);
  announceStop(rt, recording);
  rt.replies.ack(session, { recording_id, events: recording.events }, frame.ref);
}

/** The session ended: its recordings stop, and their rooms are told as if it had stopped them. */
export function endRecordings(rt: Pick<Parts, 'recordings' | 'delivery' | 'stamps'>, sessionId: string): void {
  for (const recording of rt.recordings.endAll(sessionId)) announceStop(rt, recording);
}

function announceStop(rt: Pick<Parts, 'delivery' | 'stamps'>, recording: RecordingRecord): void {
  rt.delivery.toRoom(recording.room_id, 'recording.stop', {
    recording_id: recording.recording_id,
    room_id: recording.room_id,
    user_id: recording.user_id,
    events: recording.events,
    stopped_at: rt.stamps.timestamp(),
  });
}

function ownRecording(
  rt: RecordingParts,
  session: Session,
  recordingId: string,
  ref: string | undefined,
): RecordingRecord | undefined {
  // Looked up among this session's own recordings only: another session's id is simply not found here.
  const recording = rt.recordings.get(session.id, recordingId);
  if (recording === undefined) {
    rt.replies.fail(session, 'not_found', `No running recording "${recordingId}" in this session.`, ref);
    return undefined;
  }
  if (!session.rooms.has(recording.room_id)) {
    rt.replies.fail(session, 'not_subscribed', `Subscribe to room "${recording.room_id}" first.`, ref);
    return undefined;
  }
  return recording;
}
