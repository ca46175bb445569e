import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A round-robin TCP balancer on 127.0.0.1, as in front of a real cluster: each new connection goes to the next
 * target in turn and stays there until either side closes. A target taken out (`remove`) gets no new
 * connections; its open ones live or die with it. A target that refuses the connection closes the client's
 * side, as a balancer without retries would: the client reconnects and reaches the next one.
 */
export class TcpBalancer {
  private readonly targets: number[] = [];
  private readonly sockets = new Set<Socket>();
  private next = 0;

  private constructor(private readonly server: Server) {}

  static async start(targets: readonly number[]): Promise<TcpBalancer> {
    const server = createServer();
    const balancer = new TcpBalancer(server);
    balancer.targets.push(...targets);
    server.on('connection', (client) => balancer.accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return balancer;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `ws://127.0.0.1:<port>/ws` */
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  add(port: number): void {
    if (!this.targets.includes(port)) this.targets.push(port);
  }

  remove(port: number): void {
    const at = this.targets.indexOf(port);
    if (at >= 0) this.targets.splice(at, 1);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const port = this.targets.length === 0 ? undefined : this.targets[this.next++ % this.targets.length];
    if (port === undefined) {
      client.destroy();
      return;
    }
    const upstream = connect(port, '127.0.0.1');
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => this.sockets.delete(socket));
    }
    client.pipe(upstream);
    upstream.pipe(client);
    // The target gone (a kill resets its sockets): what it had sent still reaches the client, then a FIN.
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.end());
  }
}
