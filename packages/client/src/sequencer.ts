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

  /** The gap in front of the held frames, if any: what a `replay` must fill for them to be released. */
  get openGap(): Gap | undefined {
    const first = this.#firstHeld();
    return first === undefined ? undefined : { since: this.#lastSeq, seq: first };
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

  /**
   * Gives up on the first gap (the server cannot fill it): the held frames after it are released in
   * order up to the next gap, if any, which is reported so it can be asked for in turn.
   */
  skip(): SequencerStep<F> {
    const first = this.#firstHeld();
    if (first === undefined) return { deliver: [] };
    this.#lastSeq = first - 1;
    const deliver = this.#drain();
    const next = this.#firstHeld();
    if (next === undefined) {
      this.#gapOpen = false;
      return { deliver };
    }
    return { deliver, gap: { since: this.#lastSeq, seq: next } };
  }

  /** Starts over for a new session (seq 1 next) or a resumed one (`last` kept by the caller). */
  reset(last = 0): void {
    this.#lastSeq = last;
    this.#held.clear();
    this.#gapOpen = false;
  }

  #firstHeld(): number | undefined {
    let first: number | undefined;
    for (const seq of this.#held.keys()) if (first === undefined || seq < first) first = seq;
    return first;
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
