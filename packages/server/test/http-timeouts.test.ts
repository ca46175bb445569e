import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startTestServer } from './helpers/server';

/** A raw TCP connection to the server, and everything it has been sent back. */
async function rawClient(url: string): Promise<{ socket: Socket; received: () => string }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    received += chunk;
  });
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => received };
}

/** Resolves with the ms until the server closed the socket; fails past `deadlineMs`, never sleeps. */
function closedWithin(socket: Socket, deadlineMs: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the socket open for more than ${deadlineMs} ms`));
    }, deadlineMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(performance.now() - started);
    });
  });
}

// Short configured deadlines, and a bound well under Node's own defaults (60 s of headers, 300 s per request,
// and a body read to its end after a 401), so each test fails on a server that does not set them.
const TIMEOUTS = { headersTimeoutMs: 200, requestTimeoutMs: 400, keepAliveTimeoutMs: 200 };
const BOUND_MS = 3000;

describe('HTTP deadlines (issue 12)', () => {
  it('cuts a client that sends half its headers once headersTimeoutMs has passed', async () => {
    const t = await startTestServer(TIMEOUTS);
    const { socket, received } = await rawClient(t.server.url);
    socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n'); // …and never the blank line
    const ms = await closedWithin(socket, BOUND_MS);
    expect(ms).toBeGreaterThanOrEqual(150);
    expect(received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('cuts a request whose body does not arrive whole within requestTimeoutMs', async () => {
    const t = await startTestServer({ ...TIMEOUTS, publishKey: 'pub-key' });
    const { socket } = await rawClient(t.server.url);
    socket.write(
      'POST /publish HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer pub-key\r\n' +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"type":',
    );
    expect(await closedWithin(socket, BOUND_MS)).toBeGreaterThanOrEqual(300);
  });

  it('answers a /publish without the key 401 and closes, without reading the body it announced', async () => {
    const t = await startTestServer({ publishKey: 'pub-key' }); // Node's default deadlines: the 401 itself must close
    const { socket, received } = await rawClient(t.server.url);
    socket.write(
      'POST /publish HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer wrong\r\n' +
        'Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n{"type":',
    );
    await closedWithin(socket, BOUND_MS);
    expect(received()).toMatch(/^HTTP\/1\.1 401/);
    expect(received()).toMatch(/www-authenticate: Bearer/i);
    expect(received()).toMatch(/connection: close/i);
  });

  it('closes an idle keep-alive connection after keepAliveTimeoutMs', async () => {
    const t = await startTestServer(TIMEOUTS);
    const { socket, received } = await rawClient(t.server.url);
    socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(await closedWithin(socket, BOUND_MS)).toBeGreaterThanOrEqual(150);
    expect(received()).toMatch(/^HTTP\/1\.1 200/);
  });

  it('leaves upgraded WebSocket connections alone past every HTTP deadline', async () => {
    const t = await startTestServer({ ...TIMEOUTS, heartbeatIntervalMs: 300 });
    const { client } = await t.join({ user_id: 'a' });
    // Three of the server's heartbeats, answered, take longer than any HTTP deadline above.
    for (let i = 0; i < 3; i++) {
      await client.next('heartbeat', BOUND_MS);
      client.send({ type: 'heartbeat_ack', payload: {} });
    }
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    expect(t.server.gateway.stats().connections).toBe(1);
  });

  it('refuses deadlines that are not positive, or headers allowed longer than the whole request', async () => {
    await expect(startTestServer({ headersTimeoutMs: 0 })).rejects.toThrow(/headersTimeoutMs/);
    await expect(startTestServer({ requestTimeoutMs: Number.NaN })).rejects.toThrow(/requestTimeoutMs/);
    await expect(startTestServer({ headersTimeoutMs: 2000, requestTimeoutMs: 1000 })).rejects.toThrow(
      /must not exceed/,
    );
  });
});
