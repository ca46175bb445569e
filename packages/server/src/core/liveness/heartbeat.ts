import type { ClientConnection } from '../client-connection';
import type { Clock, TimerHandle } from '../ports/clock';

export interface HeartbeatActions {
  /** Silence for one interval: ask the client to answer. */
  ping(connection: ClientConnection): void;
  /** Silence for 1.5 intervals plus grace: the connection is dead. */
  expire(connection: ClientConnection): void;
}

/**
 * One timer for every connection: it wakes every quarter interval and checks each connection's last-heard
 * time, instead of one timer per connection being reset on every frame.
 */
export class HeartbeatSweep {
  private timer: TimerHandle | undefined;
  private readonly periodMs: number;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly graceMs: number,
    private readonly connections: () => Iterable<ClientConnection>,
    private readonly actions: HeartbeatActions,
  ) {
    this.periodMs = Math.max(1, Math.floor(intervalMs / 4));
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.timer === undefined) this.arm();
  }

  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Visible for tests that want one pass without advancing time. */
  sweep(): void {
    const now = this.clock.now();
    const deadAfter = this.intervalMs * 1.5 + this.graceMs;
    for (const connection of [...this.connections()]) {
      const silence = now - connection.lastHeardAt;
      if (silence >= deadAfter) this.actions.expire(connection);
      else if (silence >= this.intervalMs && !connection.pinged) {
        connection.pinged = true;
        this.actions.ping(connection);
      }
    }
  }

  private arm(): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.sweep();
      this.arm();
    }, this.periodMs);
  }
}
