import type { Clock, TimerHandle } from './ports/clock';

/** Accepted messages still being persisted: a stop waits for them, so none is lost. */
export class InFlight {
  private readonly work = new Set<Promise<unknown>>();

  get size(): number {
    return this.work.size;
  }

  /** Keeps `work` visible until it settles; returns it. */
  track<T>(work: Promise<T>): Promise<T> {
    this.work.add(work);
    const settled = () => this.work.delete(work);
    work.then(settled, settled);
    return work;
  }

  /**
   * Resolves once nothing is in flight (a persist may finish by starting another: a stream's end), or after
   * `timeoutMs`; true when everything settled in time.
   */
  async settle(clock: Clock, timeoutMs: number): Promise<boolean> {
    let timer: TimerHandle;
    let timedOut = false;
    const deadline = new Promise<void>((resolve) => {
      timer = clock.setTimeout(() => {
        timedOut = true;
        resolve();
      }, timeoutMs);
    });
    while (this.work.size > 0 && !timedOut) await Promise.race([Promise.allSettled([...this.work]), deadline]);
    clock.clearTimeout(timer);
    return !timedOut;
  }
}
