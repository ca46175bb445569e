/** Opaque timer handle: whatever the clock's setTimeout returns. */
export type TimerHandle = unknown;

/** Time is injected so tests can drive heartbeats, typing expiry and dedup windows with a fake clock. */
export interface Clock {
  /** Wall clock in ms. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    // The gateway's own timers must never keep a process alive on their own.
    if (typeof handle === 'object' && handle !== null && 'unref' in handle) handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as Parameters<typeof clearTimeout>[0]),
};
