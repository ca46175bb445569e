import type { PreparedDispatch } from '@gateway/protocol';

export interface BufferedDispatch {
  readonly seq: number;
  /** Shared with every other recipient of the dispatch: the buffer holds a reference, never a per-session string. */
  readonly prepared: PreparedDispatch;
}

/** Ring slots allocated at first; the ring doubles as it fills, up to the event bound. */
const INITIAL_SLOTS = 8;

/**
 * A session's recent dispatches, bounded by count and by bytes (the shared body's UTF-16 length is the
 * cheap proxy), for resume, `replay {since}` and `gateway.eventsSince`. Seqs are consecutive, so only the
 * shared dispatches are kept, in a ring, and each seq is worked out from its position: a fan-out adds one
 * reference per recipient and, once the ring is full, neither allocates nor copies.
 */
export class ReplayBuffer {
  private ring: (PreparedDispatch | undefined)[] = [];
  /** Index in `ring` of the oldest entry. */
  private head = 0;
  private count = 0;
  /** The seq of the oldest entry, when the buffer holds anything. */
  private firstSeq = 0;
  private bytes = 0;
  /** Highest seq dropped from the front; a request for anything at or below it cannot be served. */
  private droppedThrough = 0;

  constructor(
    private readonly maxEvents: number,
    private readonly maxBytes: number,
  ) {}

  get size(): number {
    return this.count;
  }

  /** Slots allocated: what the ring costs beyond its entries (8 bytes each). */
  get capacity(): number {
    return this.ring.length;
  }

  /** Body bytes held; stays within the bound unless one entry alone exceeds it. */
  get byteSize(): number {
    return this.bytes;
  }

  /** Entries must come with consecutive seqs, as a session numbers them. */
  push(entry: BufferedDispatch): void {
    this.append(entry.seq, entry.prepared);
  }

  /** `push` without the entry object: what a session calls once per dispatch. */
  append(seq: number, prepared: PreparedDispatch): void {
    if (this.maxEvents < 1) {
      // Kept for no time at all: as if pushed and dropped at once.
      this.droppedThrough = seq;
      return;
    }
    if (this.count === 0) this.firstSeq = seq;
    if (this.count === this.maxEvents) this.dropOldest();
    if (this.count === this.ring.length) this.grow();
    const slot = this.head + this.count;
    this.ring[slot < this.ring.length ? slot : slot - this.ring.length] = prepared;
    this.count++;
    this.bytes += prepared.body.length;
    while (this.bytes > this.maxBytes && this.count > 1) this.dropOldest();
  }

  /**
   * The dispatches after `seq`, oldest first; undefined when the buffer no longer reaches back that far.
   * Seqs are consecutive, so the first wanted entry is found by arithmetic rather than a scan.
   */
  since(seq: number): BufferedDispatch[] | undefined {
    if (seq < this.droppedThrough) return undefined;
    const out: BufferedDispatch[] = [];
    for (let i = Math.max(0, seq + 1 - this.firstSeq); i < this.count; i++) {
      const prepared = this.ring[(this.head + i) % this.ring.length];
      if (prepared !== undefined) out.push({ seq: this.firstSeq + i, prepared });
    }
    return out;
  }

  /** Drops what the client confirmed it has (heartbeat `last_seq`, resume `seq`). */
  trimThrough(seq: number): void {
    while (this.count > 0 && this.firstSeq <= seq) this.dropOldest();
    // A burst (a connect storm's presence diffs) grows every member's ring; once acknowledged, a ring
    // kept at its peak would cost each session its burst size for good, so it is cut down to fit.
    if (this.ring.length > INITIAL_SLOTS && this.count <= this.ring.length / 4) this.resize(this.count);
  }

  private dropOldest(): void {
    const prepared = this.ring[this.head];
    if (this.count === 0 || prepared === undefined) return;
    this.ring[this.head] = undefined;
    this.bytes -= prepared.body.length;
    this.droppedThrough = this.firstSeq;
    this.firstSeq++;
    this.head = this.head + 1 === this.ring.length ? 0 : this.head + 1;
    this.count--;
  }

  /** Doubles the ring (up to the event bound), oldest entry first again. */
  private grow(): void {
    this.resize(Math.min(this.maxEvents, Math.max(INITIAL_SLOTS, this.ring.length * 2)));
  }

  /** Reallocates to `wanted` slots (a power of two from INITIAL_SLOTS that holds it), oldest entry first. */
  private resize(wanted: number): void {
    let size = INITIAL_SLOTS;
    while (size < wanted) size *= 2;
    size = Math.min(this.maxEvents, size);
    if (this.count === 0) {
      this.ring = [];
      this.head = 0;
      return;
    }
    const ring = new Array<PreparedDispatch | undefined>(size);
    for (let i = 0; i < this.count; i++) ring[i] = this.ring[(this.head + i) % this.ring.length];
    this.ring = ring;
    this.head = 0;
  }
}
