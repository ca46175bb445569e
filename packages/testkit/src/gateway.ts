import { type ClientOptions, createClient, type EventDefinition, type GatewayClient } from '@gateway/client';
import { type RunningServer, type ServerOptions, startServer } from '@gateway/server';
import { ManualClock } from './manual-clock';
import { type NetworkControl, NetworkProxy } from './network-proxy';

type Definitions = readonly EventDefinition[];

export interface TestGatewayOptions<Events extends Definitions = []> extends Omit<ServerOptions<Events>, 'clock'> {
  /** The clock of the gateway and of every client made by `client()`. @default a new ManualClock */
  clock?: ManualClock;
}

/** A client's options without what the gateway supplies: its URL (through the client's own proxy) and the clock. */
export type TestClientOptions<Defs extends Definitions> = Omit<ClientOptions<Defs>, 'url' | 'clock'>;

/** A real gateway in this process, on a free port of 127.0.0.1, and the clients a test makes against it. */
export interface TestGateway<Events extends Definitions = []> {
  /** The running server (`server.gateway.broadcast(…)`, `server.gateway.stats()`). */
  readonly server: RunningServer<Events>;
  /** The gateway's clock, which every client made by `client()` shares. */
  readonly clock: ManualClock;
  /** `ws://127.0.0.1:<port>/ws`, straight to the gateway (clients from `client()` go through a proxy instead). */
  readonly url: string;
  /**
   * A client of this gateway on the shared clock, connecting at once unless `autoConnect: false`, through a proxy
   * of its own (`network(client)`). Its `events` default to the gateway's. `close()` closes it.
   */
  client<const Defs extends Definitions = Events>(options?: TestClientOptions<Defs>): Promise<GatewayClient<Defs>>;
  /** Cuts, stalls and delays the connections of a client made by `client()`. */
  network<Defs extends Definitions>(client: GatewayClient<Defs>): NetworkControl;
  /** Closes the clients, their proxies, then the gateway. */
  close(): Promise<void>;
}

/**
 * Starts a real gateway for a test: dev mode (clients say who they are with `userId`), a free port of
 * 127.0.0.1, no logs, and one manual clock for the server and its clients. Close it after the test.
 *
 * ```ts
 * const gateway = await startTestGateway();
 * afterEach(() => gateway.close());
 * const alice = await gateway.client({ userId: 'alice', rooms: ['general'] });
 * await waitForState(alice, 'ready');
 * ```
 */
export async function startTestGateway<const Events extends Definitions = []>(
  options: TestGatewayOptions<Events> = {},
): Promise<TestGateway<Events>> {
  const { clock = new ManualClock(), ...serverOptions } = options;
  const server = await startServer<Events>({
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    ...(serverOptions as ServerOptions<Events>),
    clock,
  });
  const proxies = new Map<{ close(): void }, NetworkProxy>();
  let closing: Promise<void> | undefined;

  return {
    server,
    clock,
    url: server.wsUrl,
    async client<const Defs extends Definitions = Events>(clientOptions: TestClientOptions<Defs> = {}) {
      if (closing !== undefined) throw new Error('This test gateway is closed.');
      const proxy = await NetworkProxy.start(server.port, clock);
      const url = `ws://127.0.0.1:${proxy.port}${new URL(server.wsUrl).pathname}`;
      const events = (clientOptions.events ?? options.events ?? []) as unknown as Defs;
      const client = createClient<Defs>({ ...clientOptions, events, url, clock });
      proxies.set(client, proxy);
      return client;
    },
    network(client) {
      const proxy = proxies.get(client);
      if (proxy === undefined) throw new Error('network() takes a client made by this gateway’s client().');
      return proxy;
    },
    close() {
      closing ??= (async () => {
        // Clients first (no reconnect can start), then their proxies (no zombie connection holds the server's close).
        for (const client of proxies.keys()) client.close();
        await Promise.all([...proxies.values()].map((proxy) => proxy.close()));
        proxies.clear();
        await server.close();
      })();
      return closing;
    },
  };
}
