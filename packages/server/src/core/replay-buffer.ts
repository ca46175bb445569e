export interface BufferedDispatch {
  readonly seq: number;
  readonly type: string;
  /** The exact text sent, shared with the socket write: the buffer keeps a reference, never a copy. */
  readonly text: string;
}

/**
 * A session's recent dispatches, bounded by count and by bytes (UTF-16 length is the cheap proxy),
 * for `replay {since}` and `gateway.eventsSince`.
 */
export class ReplayBuffer {
  private entries: BufferedDispatch[] = [];
  private start = 0;
  private bytes = 0;
  /** Highest seq dropped from the front; a request for anything at or below it cannot be served. */
  private droppedThrough = 0;

  constructor(
    private readonly maxEvents: number,
    private readonly maxBytes: number,
  ) {}

  get size(): number {
    return this.entries.length - this.start;
  }

  push(entry: BufferedDispatch): void {
    this.entries.push(entry);
    this.bytes += entry.text.length;
    while (this.size > this.maxEvents || (this.bytes > this.maxBytes && this.size > 1)) this.dropOldest();
  }

  /** The dispatches after `seq`, oldest first; undefined when the buffer no longer reaches back that far. */
  since(seq: number): BufferedDispatch[] | undefined {
    if (seq < this.droppedThrough) return undefined;
    const out: BufferedDispatch[] = [];
    for (let i = this.start; i < this.entries.length; i++) {
      const entry = this.entries[i];
      if (entry !== undefined && entry.seq > seq) out.push(entry);
    }
    return out;
  }

  /** Drops what the client confirmed it has (heartbeat `last_seq`). */
  trimThrough(seq: number): void {
    while (this.size > 0 && (this.entries[this.start]?.seq ?? Number.POSITIVE_INFINITY) <= seq) this.dropOldest();
  }

  private dropOldest(): void {
    const entry = this.entries[this.start];
    if (entry === undefined) return;
    this.bytes -= entry.text.length;
    this.droppedThrough = entry.seq;
    this.start++;
    if (this.start > 64 && this.start * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.start);
      this.start = 0;
    }
  }
}
