import { type Clock, Timer } from './timer';

/** However long a server asks, sends wait at most this long per refusal (a hostile `retry_after_ms` is capped). */
const MAX_PAUSE_MS = 60_000;

/**
 * Holds queued sends back while the server refuses work for now: over a rate limit (for `retry_after_ms`),
 * or shutting down (until the close that follows, which `onEnd(true)` learns never came).
 */
export class SendPause {
  readonly #clock: Clock;
  readonly #timer: Timer;
  #until = 0;
  #draining = false;

  constructor(clock: Clock, onEnd: (draining: boolean) => void) {
    this.#clock = clock;
    this.#timer = new Timer(clock, () => {
      const draining = this.#draining;
      this.#draining = false;
      onEnd(draining);
    });
  }

  get active(): boolean {
    return this.#timer.active;
  }

  /** Holds sends for at least `ms` from now; a drain is not cut short by a rate limit. */
  hold(ms: number, draining: boolean): void {
    if (this.#draining) return;
    const now = this.#clock.now();
    const until = now + Math.min(Math.max(0, ms), MAX_PAUSE_MS);
    if (!draining && this.active && until <= this.#until) return;
    this.#until = until;
    this.#draining = draining;
    this.#timer.start(until - now);
  }

  clear(): void {
    this.#timer.stop();
    this.#draining = false;
  }
}
