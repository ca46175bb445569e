import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import {
  type ClientOptions,
  createClient,
  type GatewayClient,
  type GatewayClientError,
  type WebSocketConstructor,
} from '../src/node';
import { nextEvent } from './helpers';
import { ManualClock } from './manual-clock';

// Every attempt that fails says why, over real sockets on 127.0.0.1: a closed port, an HTTP answer instead of
// the upgrade (a plain node:http server), a socket that opens but never speaks. Time runs on a manual clock, so
// no reconnect fires unless a test advances it.

const servers: (Server | TcpServer | WebSocketServer)[] = [];
const clients: GatewayClient[] = [];
/** Sockets a test's TCP server holds open; destroyed so the server can close. */
const held: Socket[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const socket of held.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

function listen(server: Server | TcpServer): Promise<number> {
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

/** An HTTP server that answers every upgrade with `status`, and counts the requests. */
async function answering(status: number, text = 'No') {
  const requests: string[] = [];
  const server = createHttpServer();
  server.on('upgrade', (request, socket) => {
    requests.push(request.url ?? '');
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
  const port = await listen(server);
  return { url: `ws://127.0.0.1:${port}/wrong`, requests };
}

function connect(url: string, options: Partial<ClientOptions> = {}) {
  const clock = new ManualClock();
  const client = createClient({ url, userId: 'alice', clock, random: () => 0.999, ...options });
  clients.push(client);
  return { client, clock };
}

describe('a socket that never opens', () => {
  it('a closed port: connect_failed, with the runtime reason and what to check', async () => {
    const port = await listen(createTcpServer());
    const closed = servers.pop() as TcpServer;
    await new Promise((resolve) => closed.close(resolve));
    const url = `ws://127.0.0.1:${port}/ws`;
    const { client } = connect(url);
    const error = await nextEvent(client, 'error');
    expect(error.code).toBe('connect_failed');
    expect(error.message).toBe(
      `Could not connect to ${url} (connect ECONNREFUSED 127.0.0.1:${port}): is the server up, and reachable?`,
    );
    expect(client.state).toBe('reconnecting');
  });

  it('a TCP server that never answers the upgrade: connect_failed once the socket did not open in time', async () => {
    const port = await listen(createTcpServer((socket) => held.push(socket)));
    const url = `ws://127.0.0.1:${port}/ws`;
    const { client, clock } = connect(url, { requestTimeoutMs: 5000 });
    await expect.poll(() => held.length).toBe(1);
    const failed = nextEvent(client, 'error');
    clock.advance(5000);
    expect(await failed).toMatchObject({
      code: 'connect_failed',
      message: `Could not connect to ${url} (the socket did not open within 5000 ms): is the server up, and reachable?`,
    });
  });
});

describe('an HTTP answer instead of the upgrade', () => {
  it.each([
    [404, 'wrong path? The gateway serves /ws.'],
    [401, 'refused: check the credentials and the allowed origins.'],
    [403, 'refused: check the credentials and the allowed origins.'],
    [429, 'too many connections from this address.'],
    [503, 'the server (or a proxy) is unavailable.'],
    [400, "is this the gateway's URL?"],
  ])('HTTP %i: upgrade_rejected with details.status and "%s"', async (status, advice) => {
    const server = await answering(status);
    const { client } = connect(server.url);
    const error = await nextEvent(client, 'error');
    expect(error).toMatchObject({ name: 'GatewayClientError', code: 'upgrade_rejected', details: { status } });
    expect(error.message).toBe(`${server.url} answered HTTP ${status} instead of a WebSocket: ${advice}`);
    expect(server.requests).toEqual(['/wrong']);
  });

  it('a wrong path is retried with backoff: 6 requests in 60 s of clock, not one per tick', async () => {
    const server = await answering(404);
    const { client, clock } = connect(server.url, { reconnect: { minDelayMs: 500, maxDelayMs: 30_000 } });
    const errors: GatewayClientError[] = [];
    client.on('error', (error) => errors.push(error));
    // Timeline (random 0.999, each delay just under its ceiling): attempts at 0, 999, 2997, 6993, 14985 and
    // 30969 ms; the seventh would come at 60939, past the minute. Each reconnect waits for the previous 404.
    let elapsed = 0;
    for (;;) {
      const { delay_ms } = await nextEvent(client, 'reconnecting');
      if (elapsed + delay_ms > 60_000) break;
      clock.advance(delay_ms);
      elapsed += delay_ms;
    }
    expect(elapsed).toBe(30_969);
    expect(server.requests).toHaveLength(6);
    expect(errors.map((error) => error.code)).toEqual(Array(6).fill('upgrade_rejected'));
  });
});

describe('reconnect.maxAttempts', () => {
  it('stops after that many failures in a row: closed, a gave_up error with the count and the last reason', async () => {
    const server = await answering(404);
    const { client, clock } = connect(server.url, { reconnect: { maxAttempts: 3 } });
    const errors: GatewayClientError[] = [];
    client.on('error', (error) => errors.push(error));
    const ready = client.ready().catch((error: GatewayClientError) => error);
    for (let attempt = 1; attempt < 3; attempt++) clock.advance((await nextEvent(client, 'reconnecting')).delay_ms);
    await expect.poll(() => client.state).toBe('closed');
    expect(errors.map((error) => error.code)).toEqual([
      'upgrade_rejected',
      'upgrade_rejected',
      'upgrade_rejected',
      'gave_up',
    ]);
    const last = `${server.url} answered HTTP 404 instead of a WebSocket: wrong path? The gateway serves /ws.`;
    expect(errors[3]).toMatchObject({
      message: `Gave up after 3 failed connection attempts in a row; the last: ${last}`,
      details: { attempts: 3 },
      cause: errors[2],
    });
    expect(await ready).toMatchObject({ code: 'closed', cause: errors[3] });
    clock.advance(600_000);
    expect(server.requests).toHaveLength(3);
  });
});

describe('a socket that opens but never speaks the protocol', () => {
  it('handshake_failed when no hello comes in time', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    servers.push(wss);
    await new Promise((resolve) => wss.once('listening', resolve));
    // The client's own socket says when it opened (the server's `connection` comes before the client hears 101).
    let opened = () => {};
    const open = new Promise<void>((resolve) => {
      opened = resolve;
    });
    class Tracked extends WebSocket {
      constructor(url: string) {
        super(url);
        this.once('open', () => opened());
      }
    }
    const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}/ws`;
    const { client, clock } = connect(url, { WebSocket: Tracked as unknown as WebSocketConstructor });
    await open;
    expect(client.state).toBe('connecting');
    const failed = nextEvent(client, 'error');
    clock.advance(10_000);
    expect(await failed).toMatchObject({
      code: 'handshake_failed',
      closeCode: 1006,
      message:
        'The connection closed before the session was ready (1006: no hello from the server in time: is this a gateway?).',
    });
    for (const socket of wss.clients) socket.terminate();
  });
});
