import type { Clock } from './timer';

/** Bad frames from the server tolerated within the window; one more and the connection is given up. */
const LIMIT = 20;
const WINDOW_MS = 10_000;

/**
 * Counts the frames a server sent that the client had to drop, in a sliding window on the clock. A stray
 * bad frame is reported and ignored; a server that keeps sending them is broken or hostile, and answering
 * each with an `error` event forever helps no one.
 */
export class BadFrames {
  private _times: number[] = [];

  private readonly _clock: Clock;

  constructor(clock: Clock) {
    this._clock = clock;
  }

  /** Counts one; true when `LIMIT` of them arrived within `WINDOW_MS`. */
  add(): boolean {
    const now = this._clock.now();
    this._times = this._times.filter((at) => now - at < WINDOW_MS);
    this._times.push(now);
    return this._times.length >= LIMIT;
  }
}
