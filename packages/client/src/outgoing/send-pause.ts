import { type Clock, Timer } from '../timer';

/** However long a server asks, sends wait at most this long per refusal (a hostile `retry_after_ms` is capped). */
const MAX_PAUSE_MS = 60_000;

/**
 * Holds queued sends back while the server refuses work for now: over a rate limit (for `retry_after_ms`),
 * or shutting down (until the close that follows, which `onEnd(true)` learns never came).
 */
export class SendPause {
  private readonly _clock: Clock;
  private readonly _timer: Timer;
  private _until = 0;
  private _draining = false;

  constructor(clock: Clock, onEnd: (draining: boolean) => void) {
    this._clock = clock;
    this._timer = new Timer(clock, () => {
      const draining = this._draining;
      this._draining = false;
      onEnd(draining);
    });
  }

  get active(): boolean {
    return this._timer.active;
  }

  /** Holds sends for at least `ms` from now; a drain is not cut short by a rate limit. */
  hold(ms: number, draining: boolean): void {
    if (this._draining) return;
    const now = this._clock.now();
    const until = now + Math.min(Math.max(0, ms), MAX_PAUSE_MS);
    if (!draining && this.active && until <= this._until) return;
    this._until = until;
    this._draining = draining;
    this._timer.start(until - now);
  }

  clear(): void {
    this._timer.stop();
    this._draining = false;
  }
}
