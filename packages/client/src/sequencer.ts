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
  private _lastSeq = 0;
  private readonly _held = new Map<number, F>();
  private _gapOpen?: boolean;

  /** The last seq delivered in order (0 before the first). */
  get last(): number {
    return this._lastSeq;
  }

  /** How many frames wait for a gap to be filled. */
  get holding(): number {
    return this._held.size;
  }

  /** The gap in front of the held frames, if any: what a `replay` must fill for them to be released. */
  get openGap(): Gap | undefined {
    const first = this._firstHeld();
    return first === undefined ? undefined : { since: this._lastSeq, seq: first };
  }

  accept(frame: F, seq: number): SequencerStep<F> {
    if (seq <= this._lastSeq || this._held.has(seq)) return { deliver: [] };
    if (seq > this._lastSeq + 1) {
      this._held.set(seq, frame);
      if (this._gapOpen) return { deliver: [] };
      this._gapOpen = true;
      return { deliver: [], gap: { since: this._lastSeq, seq } };
    }
    this._lastSeq = seq;
    const deliver = [frame, ...this._drain()];
    if (this._held.size === 0) this._gapOpen = false;
    return { deliver };
  }

  /**
   * Gives up on the first gap (the server cannot fill it): the held frames after it are released in
   * order up to the next gap, if any, which is reported so it can be asked for in turn.
   */
  skip(): SequencerStep<F> {
    const first = this._firstHeld();
    if (first === undefined) return { deliver: [] };
    this._lastSeq = first - 1;
    const deliver = this._drain();
    const next = this._firstHeld();
    if (next === undefined) {
      this._gapOpen = false;
      return { deliver };
    }
    return { deliver, gap: { since: this._lastSeq, seq: next } };
  }

  /** Starts over for a new session: seq 1 next. */
  reset(): void {
    this._lastSeq = 0;
    this._held.clear();
    this._gapOpen = false;
  }

  private _firstHeld(): number | undefined {
    let first: number | undefined;
    for (const seq of this._held.keys()) if (first === undefined || seq < first) first = seq;
    return first;
  }

  private _drain(): F[] {
    const released: F[] = [];
    for (let next = this._held.get(this._lastSeq + 1); next !== undefined; next = this._held.get(this._lastSeq + 1)) {
      this._held.delete(this._lastSeq + 1);
      this._lastSeq += 1;
      released.push(next);
    }
    return released;
  }
}
