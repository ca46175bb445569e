import { CLOSE_CODES, type CloseCodeName, closeVerdict, limitCloseReason } from '@gateway/protocol';
import type { ClientConnection } from './client-connection';
import type { SessionHooks } from './hooks';
import { type DetachedBudgetSettings, detachedBytes, overBudget } from './limits/detached-budget';
import { andThen, type MaybePromise } from './maybe-promise';
import type { Membership } from './membership';
import type { Clock, TimerHandle } from './ports/clock';
import type { Registry } from './registry';
import type { Session } from './session';

/**
 * Whether a close leaves the session waiting for a resume: codes whose verdict is to resume, or to
 * refresh the token and then resume. Fatal codes and the reidentify range (4100–4199) end it.
 */
export function keepsSession(code: number): boolean {
  const verdict = closeVerdict(code);
  return verdict === 'resume' || verdict === 'refresh_token';
}

export interface LifecycleSettings extends DetachedBudgetSettings {
  readonly clock: Clock;
  readonly resumeWindowMs: number;
  readonly maxConnectionsPerUser: number;
}

/** How often the detached sessions' bytes are checked: they grow while their rooms talk. */
export const DETACHED_BUDGET_CHECK_MS = 1000;

/** The timers that follow connections and must let go of a closed one. */
export interface ConnectionWatchers {
  /** No connection is left: the heartbeat sweep may stop. */
  idle(): void;
  /** The connection is gone: its token deadline is forgotten. */
  forget(connection: ClientConnection): void;
}

/** Why a user may not have a session now (an operator's ban: moderation), or undefined when they may. */
export type AdmissionCheck = (userId: string) => MaybePromise<string | undefined>;

/**
 * How connections and sessions meet and part: attach on ready/resumed, detach on a resumable loss (the
 * resume window starts), end on a clean close, a non-resumable close, a refused resume or the window's end.
 * The only place that links a session and a connection, or unlinks them.
 */
export class Lifecycle {
  /** Detached sessions inside their resume window, with the timer that ends them. */
  private readonly waiting = new Map<Session, TimerHandle>();
  private budgetTimer: TimerHandle | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly membership: Membership,
    private readonly hooks: Required<SessionHooks>,
    private readonly watchers: ConnectionWatchers,
    private readonly settings: LifecycleSettings,
    /** Told how many detached sessions the budget ended. */
    private readonly evicted: (count: number) => void = () => {},
    private readonly refusal: AdmissionCheck = () => undefined,
  ) {}

  /** Detached sessions here and the replay bytes they hold, for stats. */
  detached(): { sessions: number; bytes: number } {
    return { sessions: this.waiting.size, bytes: detachedBytes(this.waiting.keys()) };
  }

  /** Goodbye (the close reason may be cut or dropped), close, then keep or end the session by the code. */
  close(connection: ClientConnection, name: CloseCodeName, reason: string): void {
    this.closeWithCode(connection, CLOSE_CODES[name].code, reason);
  }

  /** `keepSession` overrides what the code's verdict says, for WebSocket codes (1009) the table does not decide. */
  closeWithCode(connection: ClientConnection, code: number, reason: string, keepSession = keepsSession(code)): void {
    if (connection.state === 'closed') return;
    connection.send('goodbye', { code, reason, resumable: keepSession && closeVerdict(code) === 'resume' });
    connection.closeSocket(code, limitCloseReason(reason));
    this.lost(connection, keepSession);
  }

  /** The socket is gone (either side closed it): forget the connection; detach or end its session. */
  lost(connection: ClientConnection, keepSession: boolean): void {
    connection.moveTo('closed');
    this.watchers.forget(connection);
    this.registry.removeConnection(connection);
    const session = this.registry.sessionOf(connection);
    connection.carry(undefined);
    if (session !== undefined) {
      session.attachTo(undefined);
      if (keepSession) this.keepForResume(session);
      else this.end(session);
    }
    if (this.registry.connectionCount === 0) this.watchers.idle();
  }

  /** Links a session and a connection: the connection is ready, the session's dispatches go to it. */
  attach(session: Session, connection: ClientConnection): void {
    this.stopWaiting(session);
    session.attachTo(connection);
    connection.carry(session.id);
    connection.moveTo('ready');
    this.hooks.attached(session);
  }

  /** A detached session starts its resume window (a session whose client left while it was being rebuilt too). */
  keepForResume(session: Session): void {
    const { clock, resumeWindowMs } = this.settings;
    if (resumeWindowMs <= 0) {
      this.end(session);
      return;
    }
    this.stopWaiting(session);
    this.waiting.set(
      session,
      clock.setTimeout(() => {
        this.waiting.delete(session);
        if (session.connection === undefined) this.end(session);
      }, resumeWindowMs),
    );
    this.hooks.detached(session);
    // The count at once (O(1) unless over it); the bytes, which need every waiting session read, on the timer.
    this.enforceDetachedBudget(false);
  }

  /**
   * Ends the oldest detached sessions while there are more than the budget allows or they hold more bytes
   * (their clients then resume to `invalid_session`): dropped connections must not pin memory without bound.
   * The count is checked at each detach; the bytes every second while any session waits, since their buffers
   * grow meanwhile.
   */
  private enforceDetachedBudget(countBytes: boolean): void {
    const waiting = { [Symbol.iterator]: () => this.waiting.keys() };
    const limits = countBytes
      ? this.settings
      : { maxDetachedSessions: this.settings.maxDetachedSessions, maxDetachedBytes: Number.POSITIVE_INFINITY };
    const evicted = overBudget(waiting, this.waiting.size, limits);
    for (const session of evicted) this.end(session);
    if (evicted.length > 0) this.evicted(evicted.length);
    this.scheduleBudgetCheck();
  }

  private scheduleBudgetCheck(): void {
    if (this.budgetTimer !== undefined || this.waiting.size === 0) return;
    this.budgetTimer = this.settings.clock.setTimeout(() => {
      this.budgetTimer = undefined;
      this.enforceDetachedBudget(true);
    }, DETACHED_BUDGET_CHECK_MS);
  }

  /**
   * A resume took the session from a connection that still looks open (a zombie): that connection is
   * told and closed 4102, and the session passes on without a gap in its window.
   */
  takeOver(session: Session): void {
    const zombie = this.unlink(session);
    if (zombie !== undefined) this.close(zombie, 'session_replaced', 'Another connection resumed this session.');
  }

  /**
   * Another instance took the session over: it is forgotten here without a word to anyone (no presence or
   * room leave: it lives on there), and a connection still carrying it is closed 4102.
   */
  handOver(session: Session): void {
    if (session.ended) return;
    this.takeOver(session);
    session.end();
    this.stopWaiting(session);
    if (this.registry.session(session.id) !== session) return;
    this.hooks.movedAway(session);
    this.membership.forget(session);
  }

  /** Ends a session that can no longer be resumed; a connection still carrying it is closed 4100. */
  endRefused(session: Session): void {
    const holder = this.unlink(session);
    if (holder !== undefined) this.close(holder, 'session_invalid', 'This session has ended; identify afresh.');
    this.end(session);
  }

  /**
   * Whether the user may have a session at all, asked by identify and resume: a banned user (moderation) is
   * refused with goodbye and close 4409, told until when. False too when the connection stopped waiting for
   * its answer meanwhile.
   */
  admit(connection: ClientConnection, userId: string): MaybePromise<boolean> {
    return andThen(this.refusal(userId), (reason) => {
      if (connection.state !== 'identifying') return false;
      if (reason === undefined) return true;
      this.close(connection, 'banned', reason);
      return false;
    });
  }

  /**
   * Whether the user may have one more session, asked by identify and resume; when not, the connection is
   * closed `too_many_connections`. Sessions waiting for a resume give way first (oldest first): they would
   * otherwise pin memory for a whole resume window; only sessions in use make a refusal.
   */
  makeRoomFor(connection: ClientConnection, userId: string): boolean {
    if (this.roomFor(userId)) return true;
    this.close(
      connection,
      'too_many_connections',
      `At most ${this.settings.maxConnectionsPerUser} connections per user.`,
    );
    return false;
  }

  private roomFor(userId: string): boolean {
    const limit = this.settings.maxConnectionsPerUser;
    // Read afresh each time: ending a session replaces the user's array.
    const count = () => this.registry.sessionsOf(userId).length;
    if (count() < limit) return true;
    for (const session of this.registry.sessionsOf(userId)) {
      if (count() < limit) break;
      if (this.waiting.has(session)) this.end(session);
    }
    return count() < limit;
  }

  /** Leaves rooms (the rooms' next diffs say so), removes the device from presence, forgets the session. */
  end(session: Session): void {
    if (session.end()) this.cleanUp(session);
  }

  /**
   * Ends every session (the process is going away). All are marked ended first, so the leaves they
   * cause are not buffered by sessions about to end anyway; other instances still hear them.
   */
  endAll(): void {
    const all = this.registry.sessionList();
    for (const session of all) session.end();
    for (const session of all) this.cleanUp(session);
  }

  /** Forgets every resume window's timer (the gateway stops). */
  stop(): void {
    for (const timer of this.waiting.values()) this.settings.clock.clearTimeout(timer);
    this.waiting.clear();
    if (this.budgetTimer !== undefined) this.settings.clock.clearTimeout(this.budgetTimer);
    this.budgetTimer = undefined;
  }

  /** Unlinks the session from the connection it is attached to, and returns that connection. */
  private unlink(session: Session): ClientConnection | undefined {
    const connection = session.connection;
    if (connection === undefined) return undefined;
    connection.carry(undefined);
    session.attachTo(undefined);
    return connection;
  }

  private stopWaiting(session: Session): void {
    const timer = this.waiting.get(session);
    if (timer === undefined) return;
    this.settings.clock.clearTimeout(timer);
    this.waiting.delete(session);
  }

  private cleanUp(session: Session): void {
    this.stopWaiting(session);
    this.unlink(session);
    if (this.registry.session(session.id) !== session) return;
    this.hooks.ended(session);
    this.membership.unregister(session);
  }
}
