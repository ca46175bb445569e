import { EventWindow } from './event-window';

/**
 * A single bad frame earns an error reply; this counts them so repeats earn a close (4400, or 1009 when
 * the frame that reaches the limit is an oversize one).
 */
export class BadInputPolicy {
  private readonly window: EventWindow;

  constructor(
    private readonly limit: number,
    windowMs: number,
  ) {
    this.window = new EventWindow(limit, windowMs);
  }

  /** Records one bad frame at `now`; true when the connection has now reached the limit. */
  record(now: number): boolean {
    return this.window.record(now) >= this.limit;
  }
}
