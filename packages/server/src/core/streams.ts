import type { Data, MessageKind } from '@gateway/protocol';

export interface StreamRecord {
  readonly stream_id: string;
  readonly room_id: string;
  readonly sender_id: string;
  readonly kind?: MessageKind;
  readonly metadata?: Data;
  readonly started_at: string;
  readonly chunks: string[];
  ended: boolean;
}

/** The last N server-initiated chat streams, running or ended, for `chat.stream_fetch` snapshots. */
export class StreamStore {
  private readonly streams = new Map<string, StreamRecord>();

  constructor(private readonly max: number) {}

  add(stream: StreamRecord): void {
    this.streams.set(stream.stream_id, stream);
    while (this.streams.size > this.max) {
      const oldest = this.streams.keys().next();
      if (oldest.done === true) break;
      this.streams.delete(oldest.value);
    }
  }

  get(streamId: string): StreamRecord | undefined {
    return this.streams.get(streamId);
  }
}
