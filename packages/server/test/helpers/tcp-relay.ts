import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

/** One relayed connection: the side the client dialled, the side towards the target, and what the client sent. */
export interface RelayLink {
  readonly client: Socket;
  readonly upstream: Socket;
  /** Everything the client has sent so far (to tell connections apart by their handshake). */
  sent: string;
  /** Holds back the target's bytes to the client (they stay queued in the kernel) until `thaw`. */
  freeze(): void;
  thaw(): void;
  /** Closes both sides at once, as a network failure would. */
  sever(): void;
}

/**
 * A loopback TCP relay a test steers by hand: unlike the seeded chaos proxy, it freezes or severs exactly the
 * connection a test names, at the moment it chooses.
 */
export class TcpRelay {
  readonly links: RelayLink[] = [];
  /** While true, new connections are closed as soon as they are accepted (the target looks down to newcomers). */
  refuseNew = false;

  private constructor(private readonly server: Server) {}

  static async start(targetPort: number): Promise<TcpRelay> {
    const server = createServer();
    const relay = new TcpRelay(server);
    server.on('connection', (client) => relay.accept(client, targetPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return relay;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The first live link whose client has sent `marker` (e.g. a connection name in `CLIENT SETNAME`). */
  find(marker: string): RelayLink | undefined {
    return this.links.find((link) => !link.client.destroyed && link.sent.includes(marker));
  }

  async close(): Promise<void> {
    for (const link of this.links) link.sever();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, targetPort: number): void {
    if (this.refuseNew) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    let frozen = false;
    const link: RelayLink = {
      client,
      upstream,
      sent: '',
      freeze: () => {
        frozen = true;
        upstream.pause();
      },
      thaw: () => {
        frozen = false;
        upstream.resume();
      },
      sever: () => {
        client.destroy();
        upstream.destroy();
      },
    };
    this.links.push(link);
    client.on('data', (chunk: Buffer) => {
      link.sent += chunk.toString('latin1');
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!frozen) client.write(chunk);
      else {
        // A chunk already read when the freeze began must still wait for the thaw, in order.
        upstream.unshift(chunk);
        upstream.pause();
      }
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => {});
    upstream.on('error', () => {});
  }
}
