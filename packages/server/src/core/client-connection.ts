import { seqPrefix } from '@gateway/protocol';
import type { SharedBody } from './delivery/shared-body';
import { BadInputPolicy } from './limits/bad-input';
import { ConnectionRateLimiter, type RateLimiterSettings } from './limits/rate-limiter';
import type { Connection } from './ports/connection';

/** pre_identify → identifying (token being verified) → ready (a session is attached) → closed. */
export type ConnectionState = 'pre_identify' | 'identifying' | 'ready' | 'closed';

/**
 * The moves a connection may make. `identifying → pre_identify` is a refused resume (the client may identify
 * next); `closed` is reachable from anywhere and left never.
 */
const NEXT: Readonly<Record<ConnectionState, readonly ConnectionState[]>> = {
  pre_identify: ['identifying', 'closed'],
  identifying: ['pre_identify', 'ready', 'closed'],
  ready: ['closed'],
  closed: [],
};

export interface ConnectionSettings extends RateLimiterSettings {
  readonly badFrameLimit: number;
  readonly badFrameWindowMs: number;
  readonly maxBufferedBytes: number;
}

/** What the connection reports while it writes: the frames it sent, and a backlog past the limit. */
export interface ConnectionObserver {
  frameOut(): void;
  /** Its unsent bytes passed `maxBufferedBytes`: the gateway closes it 4003. Called once. */
  overflowed(connection: ClientConnection): void;
}

/**
 * One socket and what only the socket has: handshake state, liveness, the bad-input count and its rate
 * limits. It carries at most one session (by id; the registry has the session), which may outlive it.
 */
export class ClientConnection {
  private current: ConnectionState = 'pre_identify';
  private attachedTo: string | undefined;
  /** Last time any frame arrived; the heartbeat sweep reads it. */
  lastHeardAt: number;
  /** True once the sweep has sent a heartbeat for the current silence. */
  pinged = false;
  /** Made at the first bad frame: most connections never send one. */
  private badInputPolicy: BadInputPolicy | undefined;
  readonly rateLimiter: ConnectionRateLimiter;
  /** Set on the first overflow: the goodbye written while closing must not report it again. */
  private overflowReported = false;

  constructor(
    /** For logs only; the session id is what clients see. */
    readonly id: string,
    private readonly socket: Connection,
    /** Shared by every connection; read where needed rather than copied into each one. */
    private readonly settings: ConnectionSettings,
    private readonly observer: ConnectionObserver,
    openedAt: number,
  ) {
    this.lastHeardAt = openedAt;
    this.rateLimiter = new ConnectionRateLimiter(settings);
  }

  get state(): ConnectionState {
    return this.current;
  }

  /**
   * The one way the state changes. False (and no change) for a move the connection cannot make: a ready
   * connection identifying again, a closed one coming back, an identify not yet begun becoming ready.
   */
  moveTo(next: ConnectionState): boolean {
    if (!NEXT[this.current].includes(next)) return false;
    this.current = next;
    return true;
  }

  /** The session it carries, by id; undefined before identify, after a close, or once the session moved on. */
  get sessionId(): string | undefined {
    return this.attachedTo;
  }

  /** Carries `sessionId` from now on (the lifecycle attaches both sides together). */
  carry(sessionId: string | undefined): void {
    this.attachedTo = sessionId;
  }

  get badInput(): BadInputPolicy {
    this.badInputPolicy ??= new BadInputPolicy(this.settings.badFrameLimit, this.settings.badFrameWindowMs);
    return this.badInputPolicy;
  }

  /** Sends an unsequenced frame (reply, control, ephemeral). */
  send(type: string, payload: unknown, ref?: string): void {
    this.write(JSON.stringify(ref === undefined ? { type, payload } : { type, payload, ref }));
  }

  write(text: string): void {
    if (this.current === 'closed') return;
    this.socket.send(text);
    this.afterWrite();
  }

  /** A fanned-out frame: this recipient's own `prefix`, then the body every recipient shares. */
  writeShared(prefix: string, body: SharedBody): void {
    if (this.current === 'closed') return;
    if (this.socket.sendShared === undefined) this.socket.send(prefix + body.text);
    else this.socket.sendShared(prefix, body.bytes);
    this.afterWrite();
  }

  /** A sequenced dispatch: `{"seq":<seq>,` then the body every recipient shares. */
  writeSequenced(seq: number, body: SharedBody): void {
    if (this.socket.sendSequenced === undefined) {
      this.writeShared(seqPrefix(seq), body);
      return;
    }
    if (this.current === 'closed') return;
    this.socket.sendSequenced(seq, body.bytes);
    this.afterWrite();
  }

  /** Moves to `closed` and closes the socket; the caller has sent goodbye and cleans up. */
  closeSocket(code: number, reason: string): void {
    this.moveTo('closed');
    this.socket.close(code, reason);
  }

  /** Counts the frame and reports a slow consumer once its unsent bytes pass the limit. */
  private afterWrite(): void {
    this.observer.frameOut();
    const buffered = this.socket.bufferedAmount;
    if (buffered !== undefined && buffered > this.settings.maxBufferedBytes && !this.overflowReported) {
      this.overflowReported = true;
      this.observer.overflowed(this);
    }
  }
}
