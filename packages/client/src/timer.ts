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
  #handle: TimerHandle | undefined;

  readonly #clock: Clock;
  readonly #fire: () => void;

  constructor(clock: Clock, fire: () => void) {
    this.#clock = clock;
    this.#fire = fire;
  }

  get active(): boolean {
    return this.#handle !== undefined;
  }

  start(ms: number): void {
    this.stop();
    this.#handle = this.#clock.setTimeout(() => {
      this.#handle = undefined;
      this.#fire();
    }, ms);
  }

  stop(): void {
    if (this.#handle === undefined) return;
    this.#clock.clearTimeout(this.#handle);
    this.#handle = undefined;
  }
}
