import { createClient, type GatewayClient, type WebSocketConstructor } from '@gateway/client';
import { type RunningServer, type ServerOptions, startServer } from '@gateway/server';
import { afterEach } from 'vitest';
import WebSocket from 'ws';

const cleanups: Array<() => Promise<void> | void> = [];

// Clients first, so the server sees clean closes; then servers and relays.
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs `cleanup` after the test, before what was registered earlier. */
export function afterTest(cleanup: () => Promise<void> | void): void {
  cleanups.push(cleanup);
}

/** The real gateway on 127.0.0.1 and a free port, silent, in dev mode unless options say otherwise; closed after the test. */
export async function startGateway(options: ServerOptions = {}): Promise<RunningServer> {
  const server = await startServer({ port: 0, host: '127.0.0.1', logLevel: 'silent', production: false, ...options });
  afterTest(() => server.close());
  return server;
}

/** A dev-mode client as another user, ready and subscribed to `rooms`; closed after the test. */
export async function readyUser(server: RunningServer, userId: string, rooms: string[]): Promise<GatewayClient> {
  // `ws` passed explicitly, as the CLI does: the test does not depend on how the client finds one.
  const client = createClient({
    url: server.wsUrl,
    userId,
    displayName: userId,
    rooms,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
  });
  afterTest(() => client.close());
  await client.ready();
  return client;
}
