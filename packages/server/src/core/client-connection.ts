import { seqPrefix } from '@gateway/protocol';
import { BadInputPolicy } from './bad-input';
import type { ResolvedOptions } from './options';
import type { Connection } from './ports/connection';
import { ConnectionRateLimiter } from './rate-limiter';
import type { Session } from './session';
import type { SharedBody } from './shared-body';

/** pre_identify → identifying (token being verified) → ready (a session is attached) → closed. */
export type ConnectionState = 'pre_identify' | 'identifying' | 'ready' | 'closed';

export interface FrameCounters {
  framesIn: number;
  framesOut: number;
}

/**
 * One socket and what only the socket has: handshake state, liveness, the bad-input count and the
 * identify deadline. It carries at most one session; the session may outlive it (resume).
 */
export class ClientConnection {
  state: ConnectionState = 'pre_identify';
  session: Session | undefined;
  /** Last time any frame arrived; the heartbeat sweep reads it. */
  lastHeardAt: number;
  /** True once the sweep has sent a heartbeat for the current silence. */
  pinged = false;
  /** When the token this connection authenticated with expires (epoch ms); undefined: never (dev mode, no `exp`). */
  authExpiresAt: number | undefined;
  /** True once `auth.expiring` went out for the current deadline. */
  authWarned = false;
  /** Made at the first bad frame: most connections never send one. */
  private badInputPolicy: BadInputPolicy | undefined;
  readonly rateLimiter: ConnectionRateLimiter;
  /** Set on the first overflow: the goodbye written while closing must not report it again. */
  private overflowed = false;

  constructor(
    /** For logs only; the session id is what clients see. */
    readonly id: string,
    private readonly socket: Connection,
    /** Shared by every connection; read where needed rather than copied into each one. */
    private readonly options: ResolvedOptions,
    private readonly counters: FrameCounters,
    /** Called when the socket's unsent bytes pass the limit; the gateway closes it 4003. */
    private readonly onOverflow: (connection: ClientConnection) => void,
  ) {
    this.lastHeardAt = options.clock.now();
    this.rateLimiter = new ConnectionRateLimiter(options);
  }

  get badInput(): BadInputPolicy {
    this.badInputPolicy ??= new BadInputPolicy(this.options.badFrameLimit, this.options.badFrameWindowMs);
    return this.badInputPolicy;
  }

  /** Sends an unsequenced frame (reply, control, ephemeral). */
  send(type: string, payload: unknown, ref?: string): void {
    this.write(JSON.stringify(ref === undefined ? { type, payload } : { type, payload, ref }));
  }

  write(text: string): void {
    if (this.state === 'closed') return;
    this.socket.send(text);
    this.afterWrite();
  }

  /** A fanned-out frame: this recipient's own `prefix`, then the body every recipient shares. */
  writeShared(prefix: string, body: SharedBody): void {
    if (this.state === 'closed') return;
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
    if (this.state === 'closed') return;
    this.socket.sendSequenced(seq, body.bytes);
    this.afterWrite();
  }

  /** Counts the frame and closes a slow consumer once its unsent bytes pass the limit. */
  private afterWrite(): void {
    this.counters.framesOut += 1;
    const buffered = this.socket.bufferedAmount;
    if (buffered !== undefined && buffered > this.options.maxBufferedBytes && !this.overflowed) {
      this.overflowed = true;
      this.onOverflow(this);
    }
  }

  /** Marks the connection closed and closes the socket; the caller has sent goodbye and cleans up. */
  closeSocket(code: number, reason: string): void {
    this.state = 'closed';
    this.socket.close(code, reason);
  }
}
