import type { Clock } from '../src/index';

interface Scheduled {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/**
 * A clock tests move by hand. `advance` fires due timers in time order, as a browser would;
 * `jump` moves time without firing anything, as a throttled background tab does, until `runDue`.
 */
export class ManualClock implements Clock {
  private current: number;
  private nextId = 1;
  private timers: Scheduled[] = [];

  constructor(start = 1_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = this.nextId++;
    this.timers.push({ id, at: this.current + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((timer) => timer.id !== handle);
  }

  /** Timers still scheduled. */
  get pending(): number {
    return this.timers.length;
  }

  advance(ms: number): void {
    const end = this.current + ms;
    for (let next = this.due(end); next !== undefined; next = this.due(end)) {
      this.current = Math.max(this.current, next.at);
      next.fn();
    }
    this.current = end;
  }

  jump(ms: number): void {
    this.current += ms;
  }

  /** Fires every timer that fell due during a `jump`, late. */
  runDue(): void {
    this.advance(0);
  }

  private due(end: number): Scheduled | undefined {
    let first: Scheduled | undefined;
    for (const timer of this.timers) if (timer.at <= end && (first === undefined || timer.at < first.at)) first = timer;
    if (first !== undefined) this.timers = this.timers.filter((timer) => timer !== first);
    return first;
  }
}
