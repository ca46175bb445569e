export interface RecordingRecord {
  readonly recording_id: string;
  readonly room_id: string;
  readonly user_id: string;
  events: number;
}

export type StartResult = 'started' | 'running' | 'limit_reached';

/**
 * Recordings in progress (seed 000), per session: ids are the session's own (nobody can squat another user's
 * id), a session runs at most `maxPerSession` at once, and its recordings end with it, so a client that
 * starts recordings and goes leaves nothing behind.
 */
export class RecordingStore {
  private readonly bySession = new Map<string, Map<string, RecordingRecord>>();

  constructor(private readonly maxPerSession: number) {}

  start(sessionId: string, recording: RecordingRecord): StartResult {
    let running = this.bySession.get(sessionId);
    if (running?.has(recording.recording_id)) return 'running';
    if ((running?.size ?? 0) >= this.maxPerSession) return 'limit_reached';
    if (running === undefined) {
      running = new Map();
      this.bySession.set(sessionId, running);
    }
    running.set(recording.recording_id, recording);
    return 'started';
  }

  get(sessionId: string, recordingId: string): RecordingRecord | undefined {
    return this.bySession.get(sessionId)?.get(recordingId);
  }

  stop(sessionId: string, recordingId: string): void {
    const running = this.bySession.get(sessionId);
    running?.delete(recordingId);
    if (running?.size === 0) this.bySession.delete(sessionId);
  }

  /** Forgets every recording of an ended session and returns them, so their rooms can be told. */
  endAll(sessionId: string): RecordingRecord[] {
    const running = this.bySession.get(sessionId);
    this.bySession.delete(sessionId);
    return running === undefined ? [] : [...running.values()];
  }

  /** Recordings running, for stats. */
  get size(): number {
    let count = 0;
    for (const running of this.bySession.values()) count += running.size;
    return count;
  }
}
