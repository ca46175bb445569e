import {
  type ClientEvents,
  type ClientOptions,
  createClient,
  type EventDefinition,
  type GatewayClient,
  type GatewayClientError,
  type WebSocketConstructor,
} from '@gateway/client';
import { afterEach } from 'vitest';
import WebSocket from 'ws';
import { waitForEvent } from '../../../testkit/src/waits';
import type { RunningServer, ServerOptions } from '../../src/index';
import { startTestServer } from '../helpers/server';

export { ManualClock } from '../helpers/manual-clock';

type Definitions = readonly EventDefinition[];

const servers: Array<{ close(): Promise<void> }> = [];
const clients: Array<{ close(): void }> = [];

// Clients first, so the server sees clean closes; then other resources. The servers themselves are closed by
// startTestServer's hook, which vitest runs after this one (after-hooks run in reverse order of registration, and
// that module registers first, being imported here).
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const server of servers.splice(0)) await server.close();
});

/**
 * The real server on 127.0.0.1, a free port and a silent logger, with seed 000's global presence (which these
 * flows were written against): the suite's one `startTestServer`, which also closes it after the test.
 */
export async function startE2EServer<const Events extends Definitions = []>(
  options: ServerOptions<Events> = {},
): Promise<RunningServer<Events>> {
  return (await startTestServer<Events>(options)).server;
}

/** Anything with an async `close`, closed after the test (a raw zombie server, say). */
export function closeAfterTest(resource: { close(): Promise<void> }): void {
  servers.push(resource);
}

/**
 * The real client with its default WebSocket (on Node: `ws`, through the client's Node entry), closed after the test.
 * It connects at once unless `autoConnect: false`.
 */
export function openClient<const Defs extends Definitions = []>(options: ClientOptions<Defs>): GatewayClient<Defs> {
  const client = createClient<Defs>(options);
  clients.push(client);
  return client;
}

/** A dev-mode client for `userId`, resolved once it is ready. */
export async function readyClient<const Defs extends Definitions = []>(
  server: { wsUrl: string },
  userId: string,
  options: Omit<ClientOptions<Defs>, 'url'> = {},
): Promise<GatewayClient<Defs>> {
  const client = openClient<Defs>({ url: server.wsUrl, userId, displayName: userId, ...options });
  await client.ready();
  return client;
}

type EventName<Defs extends Definitions> = keyof ClientEvents<Defs> & string;
type Listener = (value: unknown) => void;

/** Resolves with the next `event` matching `where`, or rejects after `timeoutMs` of real time (never a sleep). */
export function nextEvent<Defs extends Definitions, K extends EventName<Defs>>(
  client: GatewayClient<Defs>,
  event: K,
  where: (value: ClientEvents<Defs>[K]) => boolean = () => true,
  timeoutMs = 3000,
): Promise<ClientEvents<Defs>[K]> {
  return waitForEvent(client, event, { where, timeoutMs });
}

/** Records every `event` the client emits from now on, in order. */
export function record<Defs extends Definitions, K extends EventName<Defs>>(
  client: GatewayClient<Defs>,
  event: K,
): ClientEvents<Defs>[K][] {
  const seen: ClientEvents<Defs>[K][] = [];
  const on = client.on.bind(client) as unknown as (event: string, listener: Listener) => void;
  on(event, (value) => seen.push(value as ClientEvents<Defs>[K]));
  return seen;
}

/** Resolves once `check` holds, re-checking whenever the client emits `event`; rejects after `timeoutMs`. */
export async function until<Defs extends Definitions>(
  client: GatewayClient<Defs>,
  event: EventName<Defs>,
  check: () => boolean,
  timeoutMs = 3000,
): Promise<void> {
  if (check()) return;
  await nextEvent(client, event, () => check(), timeoutMs);
}

/** Resolves once the client is in `state`. */
export function reachState<Defs extends Definitions>(
  client: GatewayClient<Defs>,
  state: GatewayClient['state'],
  timeoutMs = 3000,
): Promise<void> {
  return until(client, 'state', () => client.state === state, timeoutMs);
}

/**
 * A round trip through the server on this client's connection: every frame the server sent it before
 * handling this request has been delivered by the time it resolves (frames on one socket keep their order).
 */
export async function barrier<Defs extends Definitions>(client: GatewayClient<Defs>): Promise<void> {
  // Fetching a stream nobody started has no side effects: the server just answers not_found.
  const answer = await client.fetchStream('barrier').then(
    () => 'ack',
    (error: GatewayClientError) => error.code,
  );
  if (answer !== 'not_found') throw new Error(`The barrier got "${answer}" instead of not_found`);
}

/** Records every event of these types the client emits from now on, in one list in arrival order. */
export function recordTypes<Defs extends Definitions>(
  client: GatewayClient<Defs>,
  types: readonly EventName<Defs>[],
): { type: string; payload: unknown }[] {
  const seen: { type: string; payload: unknown }[] = [];
  const on = client.on.bind(client) as unknown as (event: string, listener: Listener) => void;
  for (const type of types) on(type, (payload) => seen.push({ type, payload }));
  return seen;
}

/** A `ws` WebSocket that remembers every socket the client opens, so a test can cut one. */
export function trackedWebSocket(): { WebSocket: WebSocketConstructor; sockets: WebSocket[] } {
  const sockets: WebSocket[] = [];
  class Tracked extends WebSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  }
  return { WebSocket: Tracked as unknown as WebSocketConstructor, sockets };
}
