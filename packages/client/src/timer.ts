/** Opaque handle of a scheduled callback; whatever the clock's `setTimeout` returns. */
export type TimerHandle = unknown;

/** Time as the client sees it; injected so tests can drive it without sleeping. */
export interface Clock {
  /** Wall-clock milliseconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

// Looked up at call time, not captured, so fake timers installed after the client was created still apply.
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as Parameters<typeof clearTimeout>[0]),
};

/** One restartable timeout: `start` replaces any pending run, `stop` cancels it. */
export class Timer {
  private _handle: TimerHandle | undefined;

  private readonly _clock: Clock;
  private readonly _fire: () => void;

  constructor(clock: Clock, fire: () => void) {
    this._clock = clock;
    this._fire = fire;
  }

  get active(): boolean {
    return this._handle !== undefined;
  }

  start(ms: number): void {
    this.stop();
    this._handle = this._clock.setTimeout(() => {
      this._handle = undefined;
      this._fire();
    }, ms);
  }

  stop(): void {
    if (this._handle === undefined) return;
    this._clock.clearTimeout(this._handle);
    this._handle = undefined;
  }
}
