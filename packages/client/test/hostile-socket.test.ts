import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket, { type AddressInfo, WebSocketServer } from 'ws';
import { createClient, type GatewayClientError, type WebSocketConstructor } from '../src/node';
import { FakeServer } from './fake-server';
import { nextEvent, watchCrashes } from './helpers';
import { ManualClock } from './manual-clock';

// The same hostility over a real socket on 127.0.0.1: what the `ws` package hands the client (Buffers for
// binary frames, huge strings) must not throw into the process either.

let watcher: ReturnType<typeof watchCrashes>;
beforeEach(() => {
  watcher = watchCrashes();
});
afterEach(() => {
  watcher.stop();
  expect(watcher.crashes).toEqual([]);
});

describe('a hostile server over a real socket', () => {
  it('drops garbage, binary and oversize frames with errors and keeps the session', async () => {
    const server = await FakeServer.start();
    const client = createClient({ url: server.url, userId: 'alice', maxIncomingFrameBytes: 64 * 1024 });
    const errors: GatewayClientError[] = [];
    client.on('error', (error) => errors.push(error));
    await client.ready();
    const peer = await server.peer(0);
    peer.sendRaw('{not json');
    peer.sendRaw('[]');
    peer.sendRaw('{"type":"no.such"}');
    peer.socket.send(Buffer.from([0, 1, 2, 3]));
    peer.socket.send(Buffer.alloc(128 * 1024));
    peer.sendRaw('x'.repeat(128 * 1024));
    const delivered = nextEvent(client, 'chat.message');
    peer.dispatch('chat.message', {
      message_id: 'm1',
      room_id: 'r1',
      sender_id: 'bob',
      kind: 'text',
      content: 'still here',
      created_at: new Date(0).toISOString(),
    });
    await expect(delivered).resolves.toMatchObject({ content: 'still here' });
    expect(errors.map((error) => [error.code, error.details?.code])).toEqual([
      ['invalid_frame', 'invalid_json'],
      ['invalid_frame', 'invalid_frame'],
      ['invalid_frame', 'unknown_type'],
      ['invalid_frame', 'binary_unsupported'],
      ['frame_too_large', 'frame_too_large'],
      ['frame_too_large', 'frame_too_large'],
    ]);
    expect(client.state).toBe('ready');
    expect(peer.closed).toBeUndefined();
    client.close();
    await server.close();
  });

  it('answers auth.expiring with reauth carrying a fresh token', async () => {
    const server = await FakeServer.start();
    let calls = 0;
    const client = createClient({ url: server.url, getToken: async () => `token-${++calls}` });
    await client.ready();
    const peer = await server.peer(0);
    server.handle('reauth', (frame, target) =>
      target.send({ type: 'ack', ref: frame.ref, payload: { expires_at: '2030-01-01T00:00:00.000Z' } }),
    );
    peer.send({ type: 'auth.expiring', payload: { expires_at: '2030-01-01T00:00:00.000Z', expires_in_ms: 60_000 } });
    await expect(peer.next('reauth')).resolves.toMatchObject({ payload: { token: 'token-2' } });
    client.close();
    await server.close();
  });

  it('gives up on a server that never says hello and backs off between attempts', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    const closes: number[] = [];
    let twoClosed = () => {};
    const twoCloses = new Promise<void>((resolve) => {
      twoClosed = resolve;
    });
    let connections = 0;
    wss.on('connection', (socket) => {
      connections += 1;
      socket.on('close', (code) => {
        if (closes.push(code) === 2) twoClosed();
      });
    });
    // The client's own socket says when it opened: the server's `connection` comes before the client hears 101,
    // and the hello deadline must pass with the socket open for the client to be the one that closes (4000).
    let opened = () => {};
    class Tracked extends WebSocket {
      constructor(url: string) {
        super(url);
        this.once('open', () => opened());
      }
    }
    const nextOpen = () =>
      new Promise<void>((resolve) => {
        opened = resolve;
      });
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`;
    const clock = new ManualClock();
    let open = nextOpen();
    const client = createClient({
      url,
      clock,
      requestTimeoutMs: 100,
      reconnect: { minDelayMs: 50, maxDelayMs: 200 },
      WebSocket: Tracked as unknown as WebSocketConstructor,
    });
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      await open;
      expect(connections).toBe(attempt);
      if (attempt === 3) break;
      const reconnecting = nextEvent(client, 'reconnecting');
      // Just short of the deadline nothing happens; at it the client gives the silent server up.
      clock.advance(99);
      expect(client.state).toBe('connecting');
      clock.advance(1);
      const { delay_ms } = await reconnecting;
      delays.push(delay_ms);
      open = nextOpen();
      // No new attempt before the backoff has passed on the clock.
      clock.advance(delay_ms - 1);
      expect(client.state).toBe('reconnecting');
      clock.advance(1);
    }
    // The two given-up sockets' close frames reach the server on their own time; wait for them, not a clock.
    await twoCloses;
    client.close();
    for (const socket of wss.clients) socket.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    expect(closes.slice(0, 2)).toEqual([4000, 4000]);
    for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(50);
  });
});
