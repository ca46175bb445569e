import { CLOSE_CODES, type CloseCodeName, closeVerdict, limitCloseReason } from '@gateway/protocol';
import type { ClientConnection } from './client-connection';
import type { Runtime } from './runtime';
import type { Session } from './session';

/**
 * Whether a close leaves the session waiting for a resume: codes whose verdict is to resume, or to
 * refresh the token and then resume. Fatal codes and the reidentify range (4100–4199) end it.
 */
export function keepsSession(code: number): boolean {
  const verdict = closeVerdict(code);
  return verdict === 'resume' || verdict === 'refresh_token';
}

/**
 * How connections and sessions meet and part: attach on ready/resumed, detach on a resumable loss (the
 * resume window starts), end on a clean close, a non-resumable close, a refused resume or the window's end.
 */
export class Lifecycle {
  constructor(private readonly rt: Runtime) {}

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
    const { rt } = this;
    connection.state = 'closed';
    rt.authExpiry.forget(connection);
    rt.connections.delete(connection);
    const session = connection.session;
    connection.session = undefined;
    if (session !== undefined && session.connection === connection) {
      session.connection = undefined;
      if (keepSession) {
        this.startResumeWindow(session);
        this.rt.resumeAnywhere?.detached(session);
      } else this.end(session);
    }
    if (rt.connections.size === 0) rt.heartbeat.stop();
  }

  attach(session: Session, connection: ClientConnection): void {
    if (session.expiryTimer !== undefined) this.rt.options.clock.clearTimeout(session.expiryTimer);
    session.expiryTimer = undefined;
    session.connection = connection;
    connection.session = session;
    connection.state = 'ready';
    this.rt.resumeAnywhere?.attached(session);
  }

  /**
   * A resume took the session from a connection that still looks open (a zombie): that connection is
   * told and closed 4102, and the session passes on without a gap in its window.
   */
  takeOver(session: Session): void {
    const zombie = session.connection;
    if (zombie === undefined) return;
    zombie.session = undefined;
    session.connection = undefined;
    this.close(zombie, 'session_replaced', 'Another connection resumed this session.');
  }

  /**
   * Another instance took the session over: it is forgotten here without a word to anyone (no presence or
   * room leave: it lives on there), and a connection still carrying it is closed 4102.
   */
  handOver(session: Session): void {
    if (session.ended) return;
    this.takeOver(session);
    session.ended = true;
    if (session.expiryTimer !== undefined) this.rt.options.clock.clearTimeout(session.expiryTimer);
    session.expiryTimer = undefined;
    if (this.rt.sessions.delete(session.id)) this.rt.forget(session);
  }

  /** Ends a session that can no longer be resumed; a connection still carrying it is closed 4100. */
  endRefused(session: Session): void {
    const holder = session.connection;
    if (holder !== undefined) {
      holder.session = undefined;
      session.connection = undefined;
      this.close(holder, 'session_invalid', 'This session has ended; identify afresh.');
    }
    this.end(session);
  }

  /**
   * Whether the user may have one more session. Detached sessions give way first (oldest first): they
   * would otherwise pin memory for a whole resume window; only attached connections make a refusal.
   */
  makeRoomFor(userId: string): boolean {
    const limit = this.rt.options.maxConnectionsPerUser;
    // Read afresh each time: ending a session replaces the user's array.
    const count = () => this.rt.users.get(userId)?.length ?? 0;
    if (count() < limit) return true;
    for (const session of this.rt.users.get(userId) ?? []) {
      if (count() < limit) break;
      if (session.connection === undefined) this.end(session);
    }
    return count() < limit;
  }

  /** Leaves rooms (room presence.leave), removes the device from presence, forgets the session. */
  end(session: Session): void {
    if (session.ended) return;
    session.ended = true;
    this.cleanUp(session);
  }

  /**
   * Ends every session (the process is going away). All are marked ended first, so the leaves they
   * cause are not buffered by sessions about to end anyway; other instances still hear them.
   */
  endAll(): void {
    const all = [...this.rt.sessions.values()];
    for (const session of all) session.ended = true;
    for (const session of all) this.cleanUp(session);
  }

  private startResumeWindow(session: Session): void {
    const { clock, resumeWindowMs } = this.rt.options;
    if (resumeWindowMs <= 0) {
      this.end(session);
      return;
    }
    session.expiryTimer = clock.setTimeout(() => {
      session.expiryTimer = undefined;
      if (session.connection === undefined) this.end(session);
    }, resumeWindowMs);
  }

  private cleanUp(session: Session): void {
    const { rt } = this;
    if (session.expiryTimer !== undefined) rt.options.clock.clearTimeout(session.expiryTimer);
    session.expiryTimer = undefined;
    if (session.connection !== undefined) session.connection.session = undefined;
    session.connection = undefined;
    if (!rt.sessions.delete(session.id)) return;
    rt.resumeAnywhere?.ended(session);
    rt.unregister(session);
  }
}
