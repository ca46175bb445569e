import type { EventDefinition } from '@gateway/protocol';
import { afterEach, expect } from 'vitest';
import type WebSocket from 'ws';
import { type RunningServer, type ServerOptions, startServer } from '../../src/index';
import { connectClient, type Frame, type TestClient } from './ws-client';

export interface TestServer<Events extends readonly EventDefinition[]> {
  server: RunningServer<Events>;
  /** Connects and waits for hello. */
  connect(): Promise<TestClient>;
  /** Connects without waiting for anything (for connections refused before hello). */
  open(options?: WebSocket.ClientOptions): Promise<TestClient>;
  /** Connects, identifies (dev mode by default) and waits for ready. */
  join(identify?: Record<string, unknown>): Promise<{ client: TestClient; ready: Frame }>;
  /** `join` and then subscribe to rooms, waiting for the subscribed reply. */
  joinRooms(userId: string, rooms: string[], identify?: Record<string, unknown>): Promise<TestClient>;
}

const running: Array<{ server: RunningServer<readonly EventDefinition[]>; clients: TestClient[] }> = [];

afterEach(async () => {
  const all = running.splice(0);
  for (const { server, clients } of all) {
    for (const client of clients) client.ws.terminate();
    // Gone before the stop, as a test's clients are: a stop that drained them would wait for them to come
    // back and take their sessions elsewhere (resume on any instance).
    // Connections a test opened by other means may stay: the stop closes them.
    await expect
      .poll(() => server.gateway.stats().connections, { timeout: 2_000, interval: 5 })
      .toBe(0)
      .catch(() => undefined);
    await server.close();
  }
});

/**
 * A server on 127.0.0.1, a free port and a silent logger, closed after the test. With global presence on
 * (seed 000's, off by default): most suites were written against it; a test of the default says so.
 */
export async function startTestServer<const Events extends readonly EventDefinition[] = []>(
  options: ServerOptions<Events> = {},
): Promise<TestServer<Events>> {
  const server = await startServer<Events>({
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    globalPresence: true,
    ...options,
  });
  const clients: TestClient[] = [];
  running.push({ server: server as unknown as RunningServer<readonly EventDefinition[]>, clients });

  async function open(options?: WebSocket.ClientOptions): Promise<TestClient> {
    const client = await connectClient(server.wsUrl, options);
    clients.push(client);
    return client;
  }

  async function connect(): Promise<TestClient> {
    const client = await open();
    await client.next('hello');
    return client;
  }

  async function join(identify: Record<string, unknown> = {}) {
    const client = await connect();
    client.send({ type: 'identify', payload: identify });
    const ready = await client.next('ready');
    return { client, ready };
  }

  let refs = 0;
  async function joinRooms(userId: string, rooms: string[], identify: Record<string, unknown> = {}) {
    const { client } = await join({ user_id: userId, display_name: userId, ...identify });
    const ref = `sub-${++refs}`;
    client.send({ type: 'subscribe', payload: { room_ids: rooms }, ref });
    const reply = await client.next('subscribed');
    if (reply.ref !== ref) throw new Error('unexpected subscribed reply');
    return client;
  }

  return { server, connect, open, join, joinRooms };
}
