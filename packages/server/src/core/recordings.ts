export interface RecordingRecord {
  readonly recording_id: string;
  readonly room_id: string;
  /** Only this user may add events or stop it. */
  readonly user_id: string;
  events: number;
}

/** Recordings in progress (seed 000); a stopped one is forgotten. */
export class RecordingStore {
  private readonly recordings = new Map<string, RecordingRecord>();

  add(recording: RecordingRecord): void {
    this.recordings.set(recording.recording_id, recording);
  }

  get(recordingId: string): RecordingRecord | undefined {
    return this.recordings.get(recordingId);
  }

  delete(recordingId: string): void {
    this.recordings.delete(recordingId);
  }
}
