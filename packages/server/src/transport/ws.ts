import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode, seqPrefix } from '@gateway/protocol';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { Gateway } from '../core/api';
import { type Clock, systemClock } from '../core/ports/clock';
import type { Connection, ConnectionHandle, ConnectionInfo } from '../core/ports/connection';
import type { Logger } from '../core/ports/logger';
import {
  AddressCaps,
  type AddressRefusal,
  type AddressSlot,
  addressCap,
  DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
  DEFAULT_MAX_UNIDENTIFIED_PER_ADDRESS,
} from './address-caps';
import { addressKey, clientAddressResolver, type TrustProxy } from './client-address';
import { type CoalescedSocket, WriteCoalescer } from './write-coalescer';

export interface WebSocketTransportOptions {
  /** @default '/ws' */
  path?: string;
  /** Hard cap where ws itself closes with 1009; above the gateway's own frame limit so that one answers first. */
  maxPayload: number;
  logger: Logger;
  /** Times the slow consumer's grace and the close's. @default the system clock */
  clock?: Clock;
  /**
   * Sockets one client address may hold (an IPv6 client's whole /64); the next upgrade is refused 429. A positive
   * whole number, or `Infinity` for no cap. @default 100
   */
  maxConnectionsPerAddress?: number;
  /**
   * Of those, sockets that have not identified (or resumed) yet; the next upgrade is refused 429. @default 10
   */
  maxUnidentifiedPerAddress?: number;
  /** Which proxies may name the client in `X-Forwarded-For` (`TrustProxy`). @default none: the socket's peer */
  trustProxy?: TrustProxy;
}

/** What the transport counts of its own, for `/metrics`. */
export interface TransportStats {
  /** Addresses (IPv6: /64s) holding a socket now. */
  addresses: number;
  /** Upgrades refused 429 since start, by reason. */
  refused: Readonly<Record<AddressRefusal, number>>;
}

export interface WebSocketTransport {
  /** Waits for open sockets to finish closing (up to `graceMs`), then destroys the rest. */
  close(graceMs?: number): Promise<void>;
  stats(): TransportStats;
}

const REFUSALS: Record<AddressRefusal, string> = {
  too_many_connections: 'Too many connections from this address.',
  too_many_unidentified: 'Too many connections from this address have not identified yet.',
};

/**
 * How long a slow consumer's socket may keep its backlog (up to `maxBufferedBytes`, plus the goodbye and
 * close frame behind it) before it is destroyed: ws alone would wait 30 s for a reader that stays stalled.
 * The session's replay buffer holds those frames, so a client cut off here resumes and loses nothing.
 */
export const SLOW_CONSUMER_GRACE_MS = 1000;

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

/**
 * One socket as the core sees it. A class rather than an object of closures: its methods live once on the
 * prototype, where closures would cost every idle connection four functions and their shared context.
 */
class WsConnection implements Connection {
  /**
   * Frames are framed here rather than by ws.send and staged for the tick's single write per socket, and
   * a shared body is copied straight into it. Safe only while ws writes synchronously, that is with no
   * extension negotiated (permessage-deflate queues and would reorder); the set is fixed at the upgrade.
   */
  private readonly framedHere: boolean;
  private readonly writes: CoalescedSocket;

  constructor(
    private readonly ws: WebSocket,
    /** The upgraded socket ws writes to: staged frames go to it in one write per tick (public stream API). */
    private readonly socket: Duplex,
    coalescer: WriteCoalescer,
    private readonly clock: Clock,
  ) {
    this.framedHere = ws.extensions === '';
    this.writes = coalescer.wrap(socket, this);
  }

  /** Whether frames may still be written (the coalescer asks before writing what it staged). */
  isOpen(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  send(text: string): void {
    if (!this.isOpen()) return;
    if (this.framedHere) this.writes.stageString(text);
    else {
      this.writes.cork();
      this.writes.writeStaged();
      this.ws.send(text);
    }
  }

  sendShared(prefix: string, body: Uint8Array): void {
    // ws drops what is sent once it is closing; so does this.
    if (!this.isOpen()) return;
    if (this.framedHere) this.writes.stageText(prefix, body);
    else this.ws.send(Buffer.concat([Buffer.from(prefix, 'latin1'), body]), { binary: false });
  }

  sendSequenced(seq: number, body: Uint8Array): void {
    if (!this.isOpen()) return;
    if (this.framedHere) this.writes.stageSequenced(seq, body);
    else this.sendShared(seqPrefix(seq), body);
  }

  /** The close frame leaves with the rest of the tick's writes, after them. */
  close(code: number, reason: string): void {
    const { ws } = this;
    this.writes.writeStaged();
    ws.close(code, reason);
    if (code === CloseCode.slow_consumer) {
      const { clock } = this;
      const timer = clock.setTimeout(() => ws.terminate(), SLOW_CONSUMER_GRACE_MS);
      ws.once('close', () => clock.clearTimeout(timer));
    }
  }

  get bufferedAmount(): number {
    // ws.bufferedAmount is the socket's queue plus what ws holds back itself (only ever with compression).
    return this.writes.backlog(this.framedHere ? 0 : Math.max(0, this.ws.bufferedAmount - this.socket.writableLength));
  }
}

/** The only module that knows `ws`: upgrades requests on `path` and feeds each socket to the gateway core. */
export function attachWebSocketTransport(
  server: Server,
  gateway: Pick<Gateway, 'open'>,
  options: WebSocketTransportOptions,
): WebSocketTransport {
  const path = options.path ?? '/ws';
  const clock = options.clock ?? systemClock;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload });
  const coalescer = new WriteCoalescer(undefined, clock);
  const clientAddress = clientAddressResolver(options.trustProxy);
  const caps = new AddressCaps({
    maxConnections: addressCap(
      'maxConnectionsPerAddress',
      options.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
    ),
    maxUnidentified: addressCap(
      'maxUnidentifiedPerAddress',
      options.maxUnidentifiedPerAddress ?? DEFAULT_MAX_UNIDENTIFIED_PER_ADDRESS,
    ),
  });

  let warnedOfProxy = false;
  /** Each counted socket's slot, found by the socket in one listener shared by all (no closure per socket). */
  const slots = new WeakMap<Duplex, AddressSlot>();
  function onSocketClose(this: Duplex): void {
    const slot = slots.get(this);
    if (slot !== undefined) caps.release(slot);
  }

  function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (pathname !== path) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const forwardedFor = request.headers['x-forwarded-for'];
    if (forwardedFor !== undefined && options.trustProxy === undefined && !warnedOfProxy) {
      warnedOfProxy = true;
      options.logger.warn(
        { remote_address: request.socket.remoteAddress },
        'X-Forwarded-For arrived but trustProxy (TRUST_PROXY) is not set: every client behind that proxy counts as the proxy for the per-address caps',
      );
    }
    const address = clientAddress(request.socket.remoteAddress, forwardedFor);
    if (address === undefined) {
      // The peer is already gone: nothing to upgrade.
      socket.destroy();
      return;
    }
    // Counted before the handshake, so a burst of upgrades cannot slip past the cap while ws completes them.
    const slot = caps.take(addressKey(address));
    if (typeof slot === 'string') {
      options.logger.debug({ remote_address: address, reason: slot }, 'upgrade refused: per-address cap');
      refuse(socket, slot);
      return;
    }
    // Freed however the socket ends: a failed handshake, either side closing, a reset.
    slots.set(socket, slot);
    socket.once('close', onSocketClose);
    wss.handleUpgrade(request, socket, head, (ws) => {
      slot.handle = onConnection(ws, request, socket, address);
    });
  }

  function onConnection(ws: WebSocket, request: IncomingMessage, socket: Duplex, address: string): ConnectionHandle {
    const info: ConnectionInfo = { remoteAddress: address };
    if (request.headers['user-agent'] !== undefined) info.userAgent = request.headers['user-agent'];
    if (request.headers.origin !== undefined) info.origin = request.headers.origin;
    const handle = gateway.open(new WsConnection(ws, socket, coalescer, clock), info);
    handles.set(ws, handle);
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.on('error', onError);
    return handle;
  }

  // Listeners shared by every socket (ws calls them with `this` as the socket) rather than three closures
  // made per connection; each socket's handle is found by the socket.
  const handles = new WeakMap<WebSocket, ConnectionHandle>();
  function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
    handles.get(this)?.message(toBytes(data), isBinary);
  }
  function onClose(this: WebSocket, code: number, reason: Buffer): void {
    handles.get(this)?.closed(code, reason.toString());
  }
  function onError(error: Error): void {
    options.logger.debug({ err: error }, 'websocket error');
  }

  server.on('upgrade', onUpgrade);

  return {
    stats: () => ({ addresses: caps.addresses, refused: caps.refused() }),
    async close(graceMs = 1000) {
      server.off('upgrade', onUpgrade);
      const open = [...wss.clients];
      let timer: unknown;
      await Promise.race([
        Promise.all(
          open.map(
            (ws) =>
              new Promise<void>((resolve) =>
                ws.readyState === ws.CLOSED ? resolve() : ws.once('close', () => resolve()),
              ),
          ),
        ),
        new Promise<void>((resolve) => {
          timer = clock.setTimeout(resolve, graceMs);
        }),
      ]);
      clock.clearTimeout(timer);
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/**
 * Refuses an upgrade with 429 before the handshake: the client sees a failed upgrade, as it would from a proxy
 * enforcing the same cap, and retries with its backoff. The socket is closed once the answer is written.
 */
function refuse(socket: Duplex, reason: AddressRefusal): void {
  const body = JSON.stringify({ error: reason, message: REFUSALS[reason] });
  socket.end(
    `HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    // The HTTP server keeps sockets half-open: without this a client that never closes would keep it.
    () => socket.destroy(),
  );
}
