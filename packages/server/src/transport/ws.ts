import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { Gateway } from '../core/gateway';
import type { Logger } from '../core/logger';

export interface WebSocketTransportOptions {
  /** @default '/ws' */
  path?: string;
  /** Hard cap where ws itself closes with 1009; above the gateway's own frame limit so that one answers first. */
  maxPayload: number;
  logger: Logger;
}

export interface WebSocketTransport {
  /** Waits for open sockets to finish closing (up to `graceMs`), then destroys the rest. */
  close(graceMs?: number): Promise<void>;
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

/** The only module that knows `ws`: upgrades requests on `path` and feeds each socket to the gateway core. */
export function attachWebSocketTransport(
  server: Server,
  gateway: Pick<Gateway, 'open'>,
  options: WebSocketTransportOptions,
): WebSocketTransport {
  const path = options.path ?? '/ws';
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload });

  function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (pathname !== path) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => onConnection(ws, request));
  }

  function onConnection(ws: WebSocket, request: IncomingMessage): void {
    const info = {
      ...(request.socket.remoteAddress === undefined ? {} : { remoteAddress: request.socket.remoteAddress }),
      ...(request.headers['user-agent'] === undefined ? {} : { userAgent: request.headers['user-agent'] }),
      ...(request.headers.origin === undefined ? {} : { origin: request.headers.origin }),
    };
    const handle = gateway.open(
      {
        send: (text) => ws.send(text),
        close: (code, reason) => ws.close(code, reason),
        get bufferedAmount() {
          return ws.bufferedAmount;
        },
      },
      info,
    );
    ws.on('message', (data, isBinary) => handle.message(toBytes(data), isBinary));
    ws.on('close', (code, reason) => handle.closed(code, reason.toString()));
    ws.on('error', (error) => options.logger.debug({ err: error }, 'websocket error'));
  }

  server.on('upgrade', onUpgrade);

  return {
    async close(graceMs = 1000) {
      server.off('upgrade', onUpgrade);
      const open = [...wss.clients];
      await Promise.race([
        Promise.all(
          open.map(
            (ws) =>
              new Promise<void>((resolve) =>
                ws.readyState === ws.CLOSED ? resolve() : ws.once('close', () => resolve()),
              ),
          ),
        ),
        new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref()),
      ]);
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
