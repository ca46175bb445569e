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

/** What `work` settles with, or `late` once `ms` have passed on `clock` before it does. */
export function settleWithin<T>(clock: Clock, work: Promise<T>, ms: number, late: T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => resolve(late), ms);
    work.then(
      (value) => {
        clock.clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clock.clearTimeout(timer);
        reject(error);
      },
    );
  });
}
