export interface Gap {
  /** The last seq delivered in order; a `replay {since}` asks for everything after it. */
  readonly since: number;
  /** The seq that arrived early and opened the gap. */
  readonly seq: number;
}

export interface SequencerStep<F> {
  /** Frames to hand to the application now, in seq order (empty for a duplicate or a held frame). */
  readonly deliver: readonly F[];
  /** Set only by the frame that opened a gap, so the gap is asked for once. */
  readonly gap?: Gap;
}

/**
 * Puts a session's dispatches in order, with no I/O of its own: a seq seen before is dropped, a seq past
 * the next one is held back and reported as a gap, and held frames are released once the gap is filled.
 */
export class Sequencer<F extends { readonly seq?: number | undefined }> {
  #lastSeq = 0;
  readonly #held = new Map<number, F>();
  #gapOpen = false;

  /** The last seq delivered in order (0 before the first). */
  get last(): number {
    return this.#lastSeq;
  }

  /** How many frames wait for a gap to be filled. */
  get holding(): number {
    return this.#held.size;
  }

  accept(frame: F, seq: number): SequencerStep<F> {
    if (seq <= this.#lastSeq || this.#held.has(seq)) return { deliver: [] };
    if (seq > this.#lastSeq + 1) {
      this.#held.set(seq, frame);
      if (this.#gapOpen) return { deliver: [] };
      this.#gapOpen = true;
      return { deliver: [], gap: { since: this.#lastSeq, seq } };
    }
    this.#lastSeq = seq;
    const deliver = [frame, ...this.#drain()];
    if (this.#held.size === 0) this.#gapOpen = false;
    return { deliver };
  }

  /** Gives up on a gap the server cannot fill: held frames are released in order, skipping the missing seqs. */
  skip(): F[] {
    const released: F[] = [];
    for (const seq of [...this.#held.keys()].sort((a, b) => a - b)) {
      const frame = this.#held.get(seq) as F;
      this.#held.delete(seq);
      this.#lastSeq = seq;
      released.push(frame);
    }
    this.#gapOpen = false;
    return released;
  }

  /** Starts over for a new session (seq 1 next) or a resumed one (`last` kept by the caller). */
  reset(last = 0): void {
    this.#lastSeq = last;
    this.#held.clear();
    this.#gapOpen = false;
  }

  #drain(): F[] {
    const released: F[] = [];
    for (let next = this.#held.get(this.#lastSeq + 1); next !== undefined; next = this.#held.get(this.#lastSeq + 1)) {
      this.#held.delete(this.#lastSeq + 1);
      this.#lastSeq += 1;
      released.push(next);
    }
    return released;
  }
}
