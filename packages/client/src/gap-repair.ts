import { type Gap, Sequencer } from './sequencer';

export interface GapRepairEvents<F> {
  /** A frame for the application: in seq order, each seq once. */
  deliver(frame: F): void;
  /** A seq arrived early. The owner sends `replay {since}` and reports the answer to `replayAnswered`/`replayFailed`. */
  gap(gap: Gap): void;
  /** Events were lost for good (the server could not replay them): the application must refetch. */
  reset(reason: string): void;
}

/**
 * The sequencer plus the rules around it: a gap asks for a replay, a replay answered without filling
 * the gap (or refused, or timed out) becomes a `reset` and releases what was held, in order. No I/O and
 * no clock: the owner sends the replay request and reports how it ended.
 */
export class GapRepair<F extends { readonly seq?: number | undefined }> {
  private readonly _sequencer = new Sequencer<F>();
  /** For each replay on the wire (answers come in request order): the seq it must deliver up to. */
  private _replaysDue: number[] = [];

  private readonly _events: GapRepairEvents<F>;

  constructor(events: GapRepairEvents<F>) {
    this._events = events;
  }

  /** The last seq delivered in order: what `resume` and heartbeats report. */
  get last(): number {
    return this._sequencer.last;
  }

  /** How many frames wait for a gap to be filled. */
  get holding(): number {
    return this._sequencer.holding;
  }

  accept(frame: F, seq: number): void {
    const step = this._sequencer.accept(frame, seq);
    if (step.gap !== undefined) {
      this._replaysDue.push(step.gap.seq);
      this._events.gap(step.gap);
    }
    for (const next of step.deliver) this._events.deliver(next);
  }

  /**
   * The server answered the oldest replay request. Its events came before the answer, so every hole
   * up to the seq it was asked for is filled now, or never will be.
   */
  replayAnswered(): void {
    this._giveUpBelow(this._replaysDue.shift() ?? 0, 'replay_incomplete');
  }

  /** The oldest replay request was refused (`replay_unavailable`) or timed out: its holes stay empty. */
  replayFailed(reason: string): void {
    this._giveUpBelow(this._replaysDue.shift() ?? Infinity, reason);
  }

  /** The connection is gone: its replay requests will never be answered; `resume` asks for everything instead. */
  connectionLost(): void {
    this._replaysDue = [];
  }

  /** A resume replayed everything after `last`: a hole still open now can never be filled. */
  resumed(): void {
    this._replaysDue = [];
    this._giveUpBelow(Infinity, 'replay_incomplete');
  }

  /** A new session numbers from 1 again. */
  newSession(): void {
    this._replaysDue = [];
    this._sequencer.reset();
  }

  /**
   * Skips every hole that starts before `seq`, releasing the held frames between them in order, after one
   * `reset`: the application refetches once for everything this answer left missing (a reset says only
   * that events were lost, not which, so one per hole would only make it refetch again and again). Then,
   * with no replay left on the wire, a hole further on (which opened while this one was being repaired,
   * so it was never asked for) is asked for now: the server may well still have it.
   */
  private _giveUpBelow(seq: number, reason: string): void {
    let announced = false;
    while (this._sequencer.holding > 0 && this._sequencer.last + 1 < seq) {
      const step = this._sequencer.skip();
      if (!announced) this._events.reset(reason);
      announced = true;
      for (const frame of step.deliver) this._events.deliver(frame);
    }
    const gap = this._sequencer.openGap;
    if (gap === undefined || this._replaysDue.length > 0) return;
    this._replaysDue.push(gap.seq);
    this._events.gap(gap);
  }
}
