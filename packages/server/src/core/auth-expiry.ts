import type { ClientConnection } from './client-connection';
import type { Clock, TimerHandle } from './ports/clock';

export interface AuthExpiryActions {
  /** The token expires in `noticeMs` or less: ask the client for a fresh one (`auth.expiring`). */
  warn(connection: ClientConnection, expiresAt: number): void;
  /** The token has expired and no reauth replaced it: close 4200. */
  expire(connection: ClientConnection): void;
}

/**
 * Token deadlines of every connection behind one timer, armed for the earliest pending warning or
 * expiry. Setting a deadline touches only that connection; only the timer's firing walks them all.
 */
export class AuthExpirySweep {
  private readonly tracked = new Set<ClientConnection>();
  private timer: TimerHandle | undefined;
  private armedFor = Number.POSITIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    private readonly noticeMs: number,
    private readonly actions: AuthExpiryActions,
  ) {}

  /** A new deadline from identify, resume or reauth; undefined means the token never expires. */
  set(connection: ClientConnection, expiresAt: number | undefined): void {
    connection.authExpiresAt = expiresAt;
    connection.authWarned = false;
    if (expiresAt === undefined) {
      this.tracked.delete(connection);
      return;
    }
    this.tracked.add(connection);
    this.arm(this.check(connection, this.clock.now()));
  }

  forget(connection: ClientConnection): void {
    this.tracked.delete(connection);
  }

  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    this.tracked.clear();
  }

  /** Acts on whatever is due for one connection; returns when it next needs a look. */
  private check(connection: ClientConnection, now: number): number {
    const expiresAt = connection.authExpiresAt;
    if (expiresAt === undefined || connection.state === 'closed') {
      this.tracked.delete(connection);
      return Number.POSITIVE_INFINITY;
    }
    if (now >= expiresAt) {
      this.tracked.delete(connection);
      this.actions.expire(connection);
      return Number.POSITIVE_INFINITY;
    }
    if (!connection.authWarned) {
      const warnAt = expiresAt - this.noticeMs;
      if (now < warnAt) return warnAt;
      connection.authWarned = true;
      this.actions.warn(connection, expiresAt);
    }
    return expiresAt;
  }

  private arm(at: number): void {
    if (at >= this.armedFor) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.armedFor = at;
    this.timer = this.clock.setTimeout(() => this.sweep(), Math.max(0, at - this.clock.now()));
  }

  private sweep(): void {
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const connection of [...this.tracked]) next = Math.min(next, this.check(connection, now));
    this.arm(next);
  }
}
