import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AddressInfo, WebSocketServer } from 'ws';
import { createClient, type GatewayClientError } from '../src/node';
import { FakeServer } from './fake-server';
import { nextEvent, watchCrashes } from './helpers';

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
    const opened: number[] = [];
    const closes: number[] = [];
    const thirdConnection = new Promise<void>((resolve) => {
      wss.on('connection', (socket) => {
        opened.push(performance.now());
        socket.on('close', (code) => closes.push(code));
        if (opened.length === 3) resolve();
      });
    });
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`;
    const client = createClient({ url, requestTimeoutMs: 100, reconnect: { minDelayMs: 50, maxDelayMs: 200 } });
    await thirdConnection;
    client.close();
    for (const socket of wss.clients) socket.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    expect(closes.slice(0, 2)).toEqual([4000, 4000]);
    // Each attempt waited out the 100 ms handshake limit and then at least the 50 ms shortest backoff.
    for (let i = 1; i < opened.length; i++) {
      expect((opened[i] ?? 0) - (opened[i - 1] ?? 0)).toBeGreaterThanOrEqual(140);
    }
  });
});
