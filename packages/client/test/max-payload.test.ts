import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { createClient, type GatewayClientError } from '../src/index';
import { cappedWs } from '../src/transport';
import { chatMessage, hello, ready } from './fake-socket';
import { reachState } from './helpers';

// The ws fallback gets a maxPayload from maxIncomingFrameBytes, so a hostile server cannot make it buffer 100 MiB.

const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    for (const socket of server.clients) socket.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** A server that answers hello and ready, then sends `then` and reports how the client closed. */
async function serverSending(then: string) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  servers.push(server);
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const closes: number[] = [];
  server.on('connection', (socket) => {
    socket.on('close', (code) => closes.push(code));
    socket.send(JSON.stringify(hello()));
    socket.once('message', () => {
      socket.send(JSON.stringify(ready()));
      socket.send(then);
    });
  });
  const { port } = server.address() as { port: number };
  return { url: `ws://127.0.0.1:${port}`, closes };
}

const chat = (content: string) => JSON.stringify(chatMessage(1, content));

describe('maxPayload for ws', () => {
  it('drops a frame over maxIncomingFrameBytes itself, and leaves one past three times it to ws (1009)', async () => {
    const modest = await serverSending(chat('y'.repeat(1500)));
    const errors: GatewayClientError[] = [];
    const first = createClient({
      url: modest.url,
      userId: 'alice',
      maxIncomingFrameBytes: 1000,
      WebSocket: cappedWs(WebSocket, 1000),
    });
    first.on('error', (error) => errors.push(error));
    await first.ready();
    await expect.poll(() => errors.map((error) => error.code)).toEqual(['frame_too_large']);
    expect(first.state).toBe('ready');
    first.close();

    const huge = await serverSending(chat('z'.repeat(4000)));
    const second = createClient({
      url: huge.url,
      userId: 'alice',
      maxIncomingFrameBytes: 1000,
      WebSocket: cappedWs(WebSocket, 1000),
      reconnect: { minDelayMs: 60_000, maxDelayMs: 60_000 },
    });
    await second.ready();
    await reachState(second, 'reconnecting');
    await expect.poll(() => huge.closes).toEqual([1009]);
    second.close();
  });
});
