import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ChaosProxy, type FaultEvent, type FaultPlan } from './proxy';
import { withDeadline } from './wait';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A TCP server on 127.0.0.1 that echoes every byte back, handing each accepted socket to `accepted`. */
async function echoServer(accepted: (socket: Socket) => void = () => {}): Promise<{ server: Server; port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.pipe(socket);
    accepted(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { server, port: (server.address() as AddressInfo).port };
}

async function startProxy(targetPort: number, faults?: FaultPlan): Promise<ChaosProxy> {
  const proxy = await ChaosProxy.start({ targetPort, seed: 7, ...(faults === undefined ? {} : { faults }) });
  cleanups.push(() => proxy.close());
  return proxy;
}

async function dial(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  cleanups.push(() => {
    socket.destroy();
  });
  await once(socket, 'connect');
  return socket;
}

/** Collects what `socket` receives; `until(n)` resolves once n bytes have arrived. */
function collect(socket: Socket): { bytes: () => Buffer; until: (length: number, what: string) => Promise<Buffer> } {
  const chunks: Buffer[] = [];
  let length = 0;
  const waiters: { length: number; resolve: () => void }[] = [];
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    length += chunk.length;
    for (const waiter of waiters.filter((w) => w.length <= length)) waiter.resolve();
  });
  const bytes = () => Buffer.concat(chunks);
  return {
    bytes,
    until: async (wanted, what) => {
      if (length < wanted) {
        await withDeadline(new Promise<void>((resolve) => waiters.push({ length: wanted, resolve })), 3000, what);
      }
      return bytes();
    },
  };
}

function closed(socket: Socket, what: string): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  // Not events.once: it would reject on the EPIPE/ECONNRESET that a cut is expected to cause.
  return withDeadline(new Promise<void>((resolve) => socket.once('close', () => resolve())), 3000, what);
}

function nextFault(proxy: ChaosProxy, kind: FaultEvent['kind']): Promise<FaultEvent> {
  return withDeadline(
    new Promise<FaultEvent>((resolve) => {
      const listener = (event: FaultEvent) => {
        if (event.kind !== kind) return;
        proxy.off('fault', listener);
        resolve(event);
      };
      proxy.on('fault', listener);
    }),
    3000,
    `a "${kind}" fault`,
  );
}

const only = (weights: Partial<FaultPlan['weights']>, overrides: Partial<FaultPlan> = {}): FaultPlan => ({
  gapMs: [20, 20],
  weights: { cut: 0, stall: 0, delay: 0, ...weights },
  stallMs: [300, 300],
  delayEpisodeMs: [1000, 1000],
  chunkDelayMs: [1, 20],
  ...overrides,
});

describe('chaos proxy', () => {
  it('passes bytes through unchanged both ways when no faults are planned', async () => {
    const { port } = await echoServer();
    const proxy = await startProxy(port);
    const client = await dial(proxy.port);
    const received = collect(client);

    const sent = randomBytes(512 * 1024);
    for (let offset = 0; offset < sent.length; offset += 10_000) client.write(sent.subarray(offset, offset + 10_000));

    expect((await received.until(sent.length, 'the echo of every byte')).equals(sent)).toBe(true);
    expect(proxy.counters).toMatchObject({
      connections: 1,
      cuts: 0,
      stalls: 0,
      delays: 0,
      bytesToTarget: sent.length,
      bytesToClient: sent.length,
    });
  });

  it('a cut closes both sides', async () => {
    let upstream: Socket | undefined;
    const { port } = await echoServer((socket) => {
      upstream = socket;
    });
    const proxy = await startProxy(port, only({ cut: 1 }));
    const client = await dial(proxy.port);
    const cut = nextFault(proxy, 'cut');
    // Traffic, so the cut may tear a chunk rather than wait for its fallback.
    const writer = setInterval(() => client.writable && client.write(randomBytes(64)), 5);
    cleanups.push(() => clearInterval(writer));

    await cut;
    await closed(client, 'the client side to close');
    expect(upstream).toBeDefined();
    if (upstream !== undefined) await closed(upstream, 'the upstream side to close');
    expect(proxy.counters.cuts).toBe(1);
    expect(proxy.open).toBe(0);
  });

  it('a stall forwards nothing either way while both sockets stay open, then lets the held bytes through in order', async () => {
    let upstream: Socket | undefined;
    const { port } = await echoServer((socket) => {
      upstream = socket;
    });
    const proxy = await startProxy(port, only({ stall: 1 }));
    const client = await dial(proxy.port);
    const received = collect(client);
    const stalled = nextFault(proxy, 'stall');
    await stalled;
    const ended = nextFault(proxy, 'stall-end');
    let heldAtEnd: { toTarget: number; toClient: number } | undefined;
    proxy.once('fault', () => {
      heldAtEnd = { toTarget: proxy.counters.bytesToTarget, toClient: received.bytes().length };
      proxy.calm();
    });

    client.write('during the stall');
    await ended;
    const echoed = await received.until('during the stall'.length, 'the held bytes after the stall');
    expect(echoed.toString()).toBe('during the stall');
    expect(heldAtEnd).toEqual({ toTarget: 0, toClient: 0 });
    expect(client.destroyed).toBe(false);
    expect(upstream?.destroyed).toBe(false);
    expect(proxy.counters.stalls).toBe(1);
    expect(proxy.open).toBe(1);
  });

  it('an outage cuts the link and closes every connection accepted until it ends, then lets them through', async () => {
    const { port } = await echoServer();
    const proxy = await startProxy(port, only({ outage: 1 }, { gapMs: [20, 20], outageMs: [400, 400] }));
    const first = await dial(proxy.port);
    await nextFault(proxy, 'outage');
    await closed(first, 'the cut link to close');

    // During the outage: accepted by the kernel, closed before a byte is forwarded.
    const refused = await dial(proxy.port);
    await closed(refused, 'the refused connection to close');
    expect(proxy.counters).toMatchObject({ outages: 1, refused: 1, connections: 1 });

    await nextFault(proxy, 'outage-end');
    proxy.calm();
    const after = await dial(proxy.port);
    const received = collect(after);
    after.write('back');
    expect((await received.until(4, 'the echo after the outage')).toString()).toBe('back');
    expect(proxy.counters).toMatchObject({ outages: 1, refused: 1, connections: 2 });
  });

  it('delays keep the order of the bytes', async () => {
    const { port } = await echoServer();
    const proxy = await startProxy(port, only({ delay: 1 }, { delayEpisodeMs: [5000, 5000], chunkDelayMs: [1, 30] }));
    const client = await dial(proxy.port);
    const received = collect(client);
    await nextFault(proxy, 'delay');

    const parts = Array.from({ length: 200 }, (_, i) => `<${i}>`);
    for (const part of parts) {
      client.write(part);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const text = parts.join('');
    expect((await received.until(text.length, 'every delayed byte')).toString()).toBe(text);
    expect(proxy.counters.delays).toBe(1);
    expect(proxy.counters.delayedChunks).toBeGreaterThan(0);
  });
});
