import {
  type ClientEvents,
  type ClientOptions,
  createClient,
  type EventDefinition,
  type GatewayClient,
  type WebSocketConstructor,
} from '@gateway/client';
import { type RunningServer, type ServerOptions, startServer } from '@gateway/server';
import { cleanup, type RenderResult, render } from '@testing-library/react/pure';
import { createElement as h, type ReactNode, StrictMode } from 'react';
import { afterEach } from 'vitest';
import WebSocket from 'ws';
import { GatewayProvider } from '../src/index';
import { ManualClock } from './manual-clock';

export { ManualClock } from './manual-clock';

type Definitions = readonly EventDefinition[];

// Testing Library's `pure` entry: it neither cleans up by itself nor declares an act() environment, so the
// renders that real sockets cause outside act() are not warned about (any console output fails a test). The
// fixtures are undone after each test in order: components unmount, clients close, then servers stop.
const clients: GatewayClient<Definitions>[] = [];
const servers: RunningServer<Definitions>[] = [];
afterEach(async () => {
  cleanup();
  for (const client of clients.splice(0)) client.close();
  for (const server of servers.splice(0)) await server.close();
});

/** The real gateway on 127.0.0.1 and a free port, silent, with global presence on; stopped after the test. */
export async function startGateway<const Events extends Definitions = []>(
  options: ServerOptions<Events> = {},
): Promise<RunningServer<Events>> {
  const server = await startServer<Events>({
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    globalPresence: true,
    ...options,
  });
  servers.push(server as unknown as RunningServer<Definitions>);
  return server;
}

/** A frame a client wrote on its socket: what the server received. */
export interface SentFrame {
  readonly type: string;
  readonly payload?: Record<string, unknown>;
}

/** A `ws` WebSocket that remembers every socket the client opens and every frame it sends on them. */
export interface Wire {
  readonly WebSocket: WebSocketConstructor;
  readonly sockets: WebSocket[];
  readonly frames: SentFrame[];
  /** The frames of one type sent so far, optionally only those naming `roomId` (in `room_id` or `room_ids`). */
  count(type: string, roomId?: string): number;
  /** Destroys the newest socket without a close frame: to both sides a dropped connection (1006), so the client resumes. */
  cut(): void;
}

export function wire(): Wire {
  const sockets: WebSocket[] = [];
  const frames: SentFrame[] = [];
  class Tracked extends WebSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
    override send(data: unknown, ...rest: unknown[]): void {
      if (typeof data === 'string') frames.push(JSON.parse(data) as SentFrame);
      (super.send as (data: unknown, ...rest: unknown[]) => void)(data, ...rest);
    }
  }
  const names = (frame: SentFrame, roomId: string) =>
    frame.payload?.room_id === roomId ||
    (Array.isArray(frame.payload?.room_ids) && frame.payload.room_ids.includes(roomId));
  return {
    WebSocket: Tracked as unknown as WebSocketConstructor,
    sockets,
    frames,
    count: (type, roomId) =>
      frames.filter((frame) => frame.type === type && (roomId === undefined || names(frame, roomId))).length,
    cut() {
      const socket = sockets.at(-1);
      if (socket === undefined) throw new Error('the client has opened no socket to cut');
      socket.terminate();
    },
  };
}

export interface TestClient<Defs extends Definitions> {
  readonly client: GatewayClient<Defs>;
  readonly clock: ManualClock;
  readonly wire: Wire;
}

/**
 * A dev-mode client for `userId` on a manual clock with random() = 0, so a reconnect waits exactly 100 ms of
 * that clock: the test decides when it happens, and no heartbeat or timeout fires by surprise. Closed after
 * the test. It connects at once unless `autoConnect: false`.
 */
export function testClient<const Defs extends Definitions = []>(
  server: { wsUrl: string },
  userId: string,
  options: Omit<ClientOptions<Defs>, 'url'> = {},
): TestClient<Defs> {
  const clock = new ManualClock();
  const tracked = wire();
  const client = createClient<Defs>({
    url: server.wsUrl,
    userId,
    displayName: userId,
    clock,
    random: () => 0,
    reconnect: { minDelayMs: 100, maxDelayMs: 1_000 },
    WebSocket: tracked.WebSocket,
    ...options,
  });
  clients.push(client as unknown as GatewayClient<Definitions>);
  return { client, clock, wire: tracked };
}

/** Renders `ui` under a provider of `client`, in StrictMode unless told otherwise. */
export function renderWith<Defs extends Definitions>(
  client: GatewayClient<Defs>,
  ui: ReactNode,
  { strict = true }: { strict?: boolean } = {},
): RenderResult {
  const wrap = (children: ReactNode) => {
    const provided = h(GatewayProvider<Defs>, { client }, children);
    return strict ? h(StrictMode, null, provided) : provided;
  };
  const rendered = render(wrap(ui));
  return { ...rendered, rerender: (next: ReactNode) => rendered.rerender(wrap(next)) };
}

/**
 * A round trip through the server on this client's connection: every frame the server sent it before
 * answering has been delivered when this resolves (frames on one socket keep their order), and so has every
 * microtask the client's earlier work queued.
 */
export async function barrier(client: GatewayClient<Definitions>): Promise<void> {
  // Fetching a stream nobody started has no side effects: the server just answers not_found.
  const answer = await client.fetchStream('barrier').then(
    () => 'ack',
    (error: { code: string }) => error.code,
  );
  if (answer !== 'not_found') throw new Error(`The barrier got "${answer}" instead of not_found`);
}

/** `promise`, or a rejection naming `what` after `timeoutMs` of real time: a deadline, never a sleep. */
export function within<T>(promise: Promise<T>, what: string, timeoutMs = 3_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** The client's next `event` (of the client's own events or the server's), within a deadline. */
export function nextEvent<Defs extends Definitions, K extends keyof ClientEvents<Defs>>(
  client: GatewayClient<Defs>,
  event: K,
): Promise<ClientEvents<Defs>[K]> {
  type Listener = (value: ClientEvents<Defs>[K]) => void;
  const once = client.once.bind(client) as unknown as (event: K, listener: Listener) => void;
  return within(new Promise((resolve) => once(event, resolve)), `the "${String(event)}" event`);
}
