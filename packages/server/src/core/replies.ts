import type { CloseCodeName, ErrorCode } from '@gateway/protocol';
import type { ClientConnection } from './client-connection';
import type { Clock } from './ports/clock';

/** WebSocket's own "message too big" code (RFC 6455). */
const MESSAGE_TOO_BIG = 1009;

/** Anything a reply can go to: a connection, or a session (whichever connection it has now). */
export interface Replier {
  send(type: string, payload: unknown, ref?: string): void;
}

/** Closes a connection for breaking the protocol (the lifecycle does it). */
export interface Closer {
  close(connection: ClientConnection, name: CloseCodeName, reason: string): void;
  closeWithCode(connection: ClientConnection, code: number, reason: string, keepSession?: boolean): void;
}

/** Acks, error replies, and the close that repeated bad frames earn. */
export class Replies {
  constructor(
    private readonly clock: Clock,
    private readonly closer: Closer,
  ) {}

  ack(to: Replier, payload: object, ref?: string): void {
    to.send('ack', payload, ref);
  }

  fail(to: Replier, code: ErrorCode, message: string, ref?: string, details?: Record<string, unknown>): void {
    to.send('error', details === undefined ? { code, message } : { code, message, details }, ref);
  }

  /**
   * Answers a frame that broke the protocol with an error, and closes the connection (4400) once
   * it has sent too many of them; 1009 (message too big) when the one reaching the limit was oversize.
   */
  reject(connection: ClientConnection, code: ErrorCode, message: string, ref?: string): void {
    this.fail(connection, code, message, ref);
    if (!connection.badInput.record(this.clock.now())) return;
    if (code === 'frame_too_large') {
      this.closer.closeWithCode(connection, MESSAGE_TOO_BIG, 'Too many oversize frames.', false);
    } else {
      this.closer.close(connection, 'protocol_violation', 'Too many invalid frames.');
    }
  }
}
