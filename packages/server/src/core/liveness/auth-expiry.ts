import type { ClientConnection } from '../client-connection';
import type { Clock, TimerHandle } from '../ports/clock';

export interface AuthExpiryActions {
  /** The token expires in `noticeMs` or less: ask the client for a fresh one (`auth.expiring`). */
  warn(connection: ClientConnection, expiresAt: number): void;
  /** The token has expired and no reauth replaced it: close 4200. */
  expire(connection: ClientConnection): void;
}

/**
 * The longest delay a Node timer takes (about 24.8 days); a longer one fires at once. A deadline further
 * away (a `maxTokenLifetimeMs` of a month) is reached in steps: the sweep finds nothing due and re-arms.
 */
const MAX_TIMER_MS = 2_147_483_647;

interface Deadline {
  readonly expiresAt: number;
  /** True once `auth.expiring` went out for this deadline. */
  warned: boolean;
}

/**
 * Token deadlines of every connection behind one timer, armed for the earliest pending warning or
 * expiry. Setting a deadline touches only that connection; only the timer's firing walks them all.
 */
export class AuthExpirySweep {
  /** Connections whose token expires, with their deadline: every verified one (dev mode has no tokens). */
  private readonly tracked = new Map<ClientConnection, Deadline>();
  private timer: TimerHandle | undefined;
  private armedFor = Number.POSITIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    private readonly noticeMs: number,
    private readonly actions: AuthExpiryActions,
  ) {}

  /**
   * A new deadline from identify, resume or reauth. Undefined (dev mode only: a verified token always has
   * one, capped by `maxTokenLifetimeMs`) means none.
   */
  set(connection: ClientConnection, expiresAt: number | undefined): void {
    if (expiresAt === undefined) {
      this.tracked.delete(connection);
      return;
    }
    this.tracked.set(connection, { expiresAt, warned: false });
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
    const deadline = this.tracked.get(connection);
    if (deadline === undefined || connection.state === 'closed') {
      this.tracked.delete(connection);
      return Number.POSITIVE_INFINITY;
    }
    if (now >= deadline.expiresAt) {
      this.tracked.delete(connection);
      this.actions.expire(connection);
      return Number.POSITIVE_INFINITY;
    }
    if (!deadline.warned) {
      const warnAt = deadline.expiresAt - this.noticeMs;
      if (now < warnAt) return warnAt;
      deadline.warned = true;
      this.actions.warn(connection, deadline.expiresAt);
    }
    return deadline.expiresAt;
  }

  private arm(at: number): void {
    if (at >= this.armedFor) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.armedFor = at;
    this.timer = this.clock.setTimeout(() => this.sweep(), Math.min(MAX_TIMER_MS, Math.max(0, at - this.clock.now())));
  }

  private sweep(): void {
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const connection of [...this.tracked.keys()]) next = Math.min(next, this.check(connection, now));
    this.arm(next);
  }
}
