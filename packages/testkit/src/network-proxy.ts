import { type AddressInfo, createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import type { Clock } from '@gateway/client';

/** What a test does to one client's network path, through the proxy in front of it. */
export interface NetworkControl {
  /**
   * The network goes away: the open connection is destroyed on both sides at once (no close frame, as when a
   * phone loses its signal), and new connections are dropped as soon as they arrive, until `restore`.
   */
  cut(): void;
  /**
   * The open connection turns into a zombie: nothing is forwarded either way while both sockets stay open, so
   * only heartbeats can tell it is dead. New connections are not affected; `restore` lets the held bytes through.
   */
  stall(): void;
  /**
   * Each chunk, both ways, on the open connection and on new ones, waits `ms` of the manual clock (order kept),
   * until `restore`.
   */
  delay(ms: number): void;
  /** A plain pass-through again: held bytes go on in order, new connections are accepted. */
  restore(): void;
  /** Chunks held now (stalled or delayed), both ways: poll it to know the bytes a test waits on reached the proxy. */
  readonly held: number;
}

/** One direction of a connection: chunks from `from` written to `to` in order, each once its time has come. */
class Pipe {
  private readonly queue: { readonly chunk: Buffer; readonly at: number }[] = [];
  private timer: unknown;
  private ended = false;
  held = false;

  /** Chunks read and not yet written. */
  get waiting(): number {
    return this.queue.length;
  }

  constructor(
    from: Socket,
    private readonly to: Socket,
    private readonly clock: Clock,
    delayMs: () => number,
  ) {
    from.on('data', (chunk: Buffer) => {
      this.queue.push({ chunk, at: this.clock.now() + delayMs() });
      this.pump();
    });
    from.on('end', () => {
      this.ended = true;
      this.pump();
    });
  }

  /** Writes every chunk that is due (all of them when `flush`), and passes the end on once nothing is left. */
  pump(flush = false): void {
    this.stop();
    if (this.held) return;
    const now = this.clock.now();
    for (let head = this.queue[0]; head !== undefined; head = this.queue[0]) {
      if (head.at > now && !flush) {
        this.timer = this.clock.setTimeout(() => this.pump(), head.at - now);
        return;
      }
      this.queue.shift();
      if (!this.to.destroyed) this.to.write(head.chunk);
    }
    if (this.ended && !this.to.destroyed) this.to.end();
  }

  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** A client connection and its twin towards the gateway. */
class Link {
  readonly pipes: readonly [Pipe, Pipe];

  constructor(
    private readonly client: Socket,
    private readonly upstream: Socket,
    clock: Clock,
    delayMs: () => number,
    gone: (link: Link) => void,
  ) {
    this.pipes = [new Pipe(client, upstream, clock, delayMs), new Pipe(upstream, client, clock, delayMs)];
    for (const [socket, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      socket.setNoDelay(true);
      // Every error is followed by `close`: a reset on one side resets the other, unless the link is a zombie.
      socket.on('error', () => {});
      socket.on('close', (hadError) => {
        if (hadError && !this.pipes[0].held) other.destroy();
        if (client.destroyed && upstream.destroyed) this.destroy(gone);
      });
    }
  }

  destroy(gone?: (link: Link) => void): void {
    for (const pipe of this.pipes) pipe.stop();
    this.client.destroy();
    this.upstream.destroy();
    gone?.(this);
  }
}

/**
 * A TCP proxy on 127.0.0.1 in front of one client, so a test can hurt that client's network path on purpose
 * (`NetworkControl`) with time taken from the manual clock. Every connection the client makes goes through it.
 */
export class NetworkProxy implements NetworkControl {
  private readonly links = new Set<Link>();
  private refusing = false;
  private delayMs = 0;

  private constructor(
    private readonly server: Server,
    private readonly targetPort: number,
    private readonly clock: Clock,
  ) {
    server.on('connection', (socket) => this.accept(socket));
  }

  /** Listens on a free port of 127.0.0.1 and forwards to `targetPort` there. */
  static async start(targetPort: number, clock: Clock): Promise<NetworkProxy> {
    // Half-open both ways, so an end is passed on only after the bytes held before it.
    const server = createServer({ allowHalfOpen: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new NetworkProxy(server, targetPort, clock);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Connections open through the proxy now. */
  get open(): number {
    return this.links.size;
  }

  get held(): number {
    let held = 0;
    for (const link of this.links) for (const pipe of link.pipes) held += pipe.waiting;
    return held;
  }

  cut(): void {
    this.refusing = true;
    for (const link of [...this.links]) link.destroy();
    this.links.clear();
  }

  stall(): void {
    for (const link of this.links) for (const pipe of link.pipes) pipe.held = true;
  }

  delay(ms: number): void {
    this.delayMs = Math.max(0, ms);
  }

  restore(): void {
    this.refusing = false;
    this.delayMs = 0;
    for (const link of this.links) {
      for (const pipe of link.pipes) {
        pipe.held = false;
        pipe.pump(true);
      }
    }
  }

  /** Destroys every connection and stops listening. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.cut();
    await closed;
  }

  private accept(client: Socket): void {
    if (this.refusing) {
      client.destroy();
      return;
    }
    const upstream = tcpConnect({ host: '127.0.0.1', port: this.targetPort, allowHalfOpen: true });
    this.links.add(
      new Link(
        client,
        upstream,
        this.clock,
        () => this.delayMs,
        (link) => this.links.delete(link),
      ),
    );
  }
}
