import type { PreparedDispatch } from '@gateway/protocol';

export interface BufferedDispatch {
  readonly seq: number;
  /** Shared with every other recipient of the dispatch: the buffer holds a reference, never a per-session string. */
  readonly prepared: PreparedDispatch;
}

/**
 * A session's recent dispatches, bounded by count and by bytes (the shared body's UTF-16 length is the
 * cheap proxy), for resume, `replay {since}` and `gateway.eventsSince`.
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

  /** Body bytes held; stays within the bound unless one entry alone exceeds it. */
  get byteSize(): number {
    return this.bytes;
  }

  /** Entries must come with consecutive seqs, as a session numbers them. */
  push(entry: BufferedDispatch): void {
    this.entries.push(entry);
    this.bytes += entry.prepared.body.length;
    while (this.size > this.maxEvents || (this.bytes > this.maxBytes && this.size > 1)) this.dropOldest();
  }

  /**
   * The dispatches after `seq`, oldest first; undefined when the buffer no longer reaches back that far.
   * Seqs are consecutive, so the first wanted entry is found by arithmetic rather than a scan.
   */
  since(seq: number): BufferedDispatch[] | undefined {
    if (seq < this.droppedThrough) return undefined;
    const first = this.entries[this.start]?.seq;
    if (first === undefined) return [];
    return this.entries.slice(this.start + Math.max(0, seq + 1 - first));
  }

  /** Drops what the client confirmed it has (heartbeat `last_seq`, resume `seq`). */
  trimThrough(seq: number): void {
    while (this.size > 0 && (this.entries[this.start]?.seq ?? Number.POSITIVE_INFINITY) <= seq) this.dropOldest();
  }

  private dropOldest(): void {
    const entry = this.entries[this.start];
    if (entry === undefined) return;
    this.bytes -= entry.prepared.body.length;
    this.droppedThrough = entry.seq;
    this.start++;
    if (this.start > 64 && this.start * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.start);
      this.start = 0;
    }
  }
}
