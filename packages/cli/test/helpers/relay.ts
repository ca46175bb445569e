import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { afterTest } from './gateway';

export interface Relay {
  /** `ws://127.0.0.1:<relay port>/ws` */
  readonly wsUrl: string;
  /** Destroys every relayed connection at once, as a network failure between client and server would. */
  severAll(): void;
}

/** A loopback TCP relay to `port`, closed after the test: cutting it drops a connection on both sides (1006). */
export async function startRelay(port: number): Promise<Relay> {
  const live = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      live.add(socket);
      socket.on('close', () => live.delete(socket));
      socket.on('error', () => {});
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const severAll = () => {
    for (const socket of live) socket.destroy();
  };
  afterTest(async () => {
    severAll();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { wsUrl: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`, severAll };
}
