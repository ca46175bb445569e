import type { Clock, TimerHandle } from '../../core/ports/clock';

/**
 * How long a reply that shows presence waits for this instance's own changes to come back through the
 * backplane (Redis slow or a snapshot still loading); after it, it shows the table as it is.
 */
export const SETTLE_DEADLINE_MS = 2_000;

interface Waiter {
  readonly through: number;
  readonly resolve: () => void;
  readonly timer: TimerHandle;
}

/**
 * This instance's changes on their way through the backplane and back. The backplane brings each one back
 * exactly once, in the order they left (a single publisher's messages keep their order, and a Redis backplane
 * delivers locally what it could not carry), so counting both ways tells when the table holds all of them.
 */
export class OwnChanges {
  private sent = 0;
  private applied = 0;
  private readonly waiters = new Set<Waiter>();

  constructor(private readonly clock: Clock) {}

  left(): void {
    this.sent += 1;
  }

  cameBack(): void {
    this.applied += 1;
    for (const waiter of [...this.waiters]) if (waiter.through <= this.applied) this.release(waiter);
  }

  /** Settles once every change sent so far is applied (or after the deadline); undefined when they are. */
  settled(): Promise<void> | undefined {
    if (this.applied >= this.sent) return undefined;
    const through = this.sent;
    return new Promise((resolve) => {
      const waiter: Waiter = {
        through,
        resolve,
        timer: this.clock.setTimeout(() => {
          // Taken as come back: a change the backplane lost (it was closed under it) must not make every
          // later reply wait for the deadline too.
          this.applied = Math.max(this.applied, through);
          this.release(waiter);
        }, SETTLE_DEADLINE_MS),
      };
      this.waiters.add(waiter);
    });
  }

  /** Nothing more will come back (the replication stopped): nobody waits. */
  close(): void {
    for (const waiter of [...this.waiters]) this.release(waiter);
  }

  private release(waiter: Waiter): void {
    if (!this.waiters.delete(waiter)) return;
    this.clock.clearTimeout(waiter.timer);
    waiter.resolve();
  }
}
