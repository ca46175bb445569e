/**
 * Counts events in a sliding time window, keeping at most `capacity` timestamps in a ring: O(1) per
 * event, so a client sending garbage or floods costs a fixed amount of memory and work. The ring is
 * allocated at the first event: every connection has a few windows, and most never see one event.
 */
export class EventWindow {
  private stamps: number[] | undefined;
  private next = 0;
  private count = 0;

  constructor(
    private readonly capacity: number,
    private readonly windowMs: number,
  ) {}

  /** Records one event at `now`; returns how many (up to `capacity`) fell within the window, this one included. */
  record(now: number): number {
    this.stamps ??= new Array<number>(Math.max(1, this.capacity)).fill(0);
    const size = this.stamps.length;
    this.stamps[this.next] = now;
    this.next = (this.next + 1) % size;
    if (this.count < size) this.count += 1;
    // The oldest kept stamps leave the window first; once the newest `count` are inside, all are.
    while (this.count > 0 && (this.stamps[(this.next - this.count + size) % size] ?? now) <= now - this.windowMs) {
      this.count -= 1;
    }
    return this.count;
  }
}
