import type { Clock as ClientClock } from '@gateway/client';
import type { Clock as ServerClock } from '@gateway/server';

interface Scheduled {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/**
 * A clock tests move by hand, for the server (`startServer({ clock })`) and the clients (`createClient({ clock })`)
 * alike: nothing happens until the test says how much time passes. `advance` fires due timers in time order (ties
 * in the order they were set), as a running app would; `jump` moves time without firing anything, as a suspended
 * app or a throttled background tab sees it, until `runDue`. Only time is manual: sockets stay real, so after a
 * step await what should follow (a state, an event) with a bounded wait.
 */
export class ManualClock implements ClientClock, ServerClock {
  private current: number;
  private nextId = 1;
  private timers: Scheduled[] = [];

  /** @param start the first `now()`, in ms since the epoch. @default 2025-01-01T00:00:00Z */
  constructor(start = Date.UTC(2025, 0, 1)) {
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

  /** Moves time on by `ms`, firing each timer that falls due on the way (timers those set included) at its time. */
  advance(ms: number): void {
    const end = this.current + ms;
    for (let next = this.due(end); next !== undefined; next = this.due(end)) {
      this.current = Math.max(this.current, next.at);
      next.fn();
    }
    this.current = end;
  }

  /** Moves time on by `ms` and fires nothing: timers that fell due wait for `runDue` (or the next `advance`). */
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
