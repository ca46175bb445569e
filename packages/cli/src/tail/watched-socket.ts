import type { WebSocketConstructor } from '@gateway/client';
import type WebSocket from 'ws';
import type { SocketEnd } from './connection-seen';

/**
 * The largest frame `ws` buffers, in bytes: three times the client's default `maxIncomingFrameBytes`
 * (1 MiB of characters, up to 3 bytes each), as the client caps its own `ws` fallback.
 */
const MAX_PAYLOAD_BYTES = 3 * 1_048_576;

/**
 * `ws` with a frame cap, telling `report` how each socket ended (`{}` as each opens): the client swallows socket errors and close
 * reasons (it only decides whether to reconnect), and a person reading `tail` wants them.
 */
export function watchedWebSocket(Base: typeof WebSocket, report: (end: SocketEnd) => void): WebSocketConstructor {
  class Watched extends Base {
    constructor(url: string) {
      super(url, { maxPayload: MAX_PAYLOAD_BYTES });
      // A new socket: what ended the previous one no longer explains anything.
      report({});
      let error: string | undefined;
      this.on('error', (cause) => {
        error = cause.message;
      });
      this.on('close', (code, reason) => {
        const text = reason.toString('utf8');
        report({ code, ...(text === '' ? {} : { reason: text }), ...(error === undefined ? {} : { error }) });
      });
    }
  }
  // `ws` types its handlers' events with its own classes; the client reads only the fields WebSocketLike names.
  return Watched as unknown as WebSocketConstructor;
}
