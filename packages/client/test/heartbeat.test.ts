import { describe, expect, it, vi } from 'vitest';
import type { LifecycleEvent } from '../src/index';
import { fakeClient, hello, ready, settle } from './fake-socket';

// Timeline of these tests (interval 1000 ms, grace 500 ms, random() = 0.25):
//   t=0      socket opens, hello + ready arrive (last frame heard at 0)
//   t=250    first heartbeat (0.25 × interval), then one every 1000 ms: 1250, 2250, …
//   t>1500   with nothing heard since t=0, the connection is dead (interval + grace)
async function readyClient(options: { lifecycle?: { subscribe(fn: (e: LifecycleEvent) => void): () => void } } = {}) {
  const { client, clock, network } = fakeClient({ random: () => 0.25, heartbeatGraceMs: 500, ...options });
  const socket = network.last;
  socket.accept();
  socket.deliver(hello(1000));
  await settle();
  socket.deliver(ready());
  expect(client.state).toBe('ready');
  return { client, clock, network, socket };
}

describe('heartbeats', () => {
  it('sends the first heartbeat after random × interval, then one per interval, carrying the last seq', async () => {
    const { client, clock, socket } = await readyClient();
    clock.advance(249);
    expect(socket.sentOfType('heartbeat')).toHaveLength(0);
    clock.advance(1);
    expect(socket.sentOfType('heartbeat')).toEqual([{ type: 'heartbeat', payload: { last_seq: 0 } }]);
    socket.deliver({ type: 'heartbeat_ack' });
    socket.deliver({
      type: 'system',
      seq: 1,
      payload: { message: 'hi' },
    });
    clock.advance(999);
    expect(socket.sentOfType('heartbeat')).toHaveLength(1);
    clock.advance(1);
    expect(socket.sentOfType('heartbeat').at(-1)).toEqual({ type: 'heartbeat', payload: { last_seq: 1 } });
    client.close();
  });

  it('answers a server heartbeat with heartbeat_ack at once, from the message handler', async () => {
    const { client, socket } = await readyClient();
    socket.deliver({ type: 'heartbeat', payload: {} });
    expect(socket.sent.at(-1)).toEqual({ type: 'heartbeat_ack' });
    client.close();
  });

  it('declares the connection dead when nothing arrives within interval + grace, and reconnects', async () => {
    const { client, clock, network, socket } = await readyClient();
    const scheduled: unknown[] = [];
    client.on('reconnecting', (event) => scheduled.push(event));
    clock.advance(1500);
    expect(client.state).toBe('ready');
    clock.advance(1);
    expect(socket.closedWith?.code).toBe(4000);
    expect(client.state).toBe('reconnecting');
    // Attempt 0 is jittered too: 500 + 0.25 × (1000 - 500).
    expect(scheduled).toEqual([{ attempt: 0, delay_ms: 625 }]);
    clock.advance(624);
    expect(network.sockets).toHaveLength(1);
    clock.advance(1);
    expect(network.sockets).toHaveLength(2);
    client.close();
  });

  it('is not declared dead while frames keep arriving, even when its timers fire late', async () => {
    const { client, clock, socket } = await readyClient();
    // A throttled tab: no timer runs for 5 s, but the server's frames are still delivered.
    clock.jump(2000);
    socket.deliver({ type: 'heartbeat_ack' });
    clock.jump(3000);
    socket.deliver({ type: 'heartbeat', payload: {} });
    clock.runDue();
    expect(client.state).toBe('ready');
    expect(socket.closedWith).toBeUndefined();
    expect(socket.sentOfType('heartbeat').length).toBeGreaterThan(0);
    client.close();
  });

  it('checks the clock when the app comes back to the foreground, without waiting for a timer', async () => {
    let notify: (event: LifecycleEvent) => void = () => {};
    const { client, clock, socket } = await readyClient({
      lifecycle: {
        subscribe(onChange) {
          notify = onChange;
          return () => {
            notify = () => {};
          };
        },
      },
    });
    clock.jump(60_000);
    notify('background');
    expect(client.state).toBe('ready');
    notify('foreground');
    expect(socket.closedWith?.code).toBe(4000);
    expect(client.state).toBe('reconnecting');
    client.close();
    notify('online');
    expect(client.state).toBe('closed');
  });

  it('reconnects at once when the network comes back during a backoff wait', async () => {
    let notify: (event: LifecycleEvent) => void = () => {};
    const { client, network, socket } = await readyClient({
      lifecycle: {
        subscribe(onChange) {
          notify = onChange;
          return () => {};
        },
      },
    });
    socket.drop(1006);
    expect(client.state).toBe('reconnecting');
    notify('online');
    expect(client.state).toBe('connecting');
    expect(network.sockets).toHaveLength(2);
    client.close();
  });

  it('listens to online and visibilitychange in browsers, and stops listening on close', async () => {
    const listeners = new Map<string, (event?: { persisted: boolean }) => void>();
    const target = {
      addEventListener: (type: string, fn: (event?: { persisted: boolean }) => void) => listeners.set(type, fn),
      removeEventListener: (type: string) => listeners.delete(type),
    };
    const doc = { ...target, visibilityState: 'visible' };
    vi.stubGlobal('window', target);
    vi.stubGlobal('document', doc);
    try {
      const { client, clock, socket } = await readyClient();
      expect([...listeners.keys()].sort()).toEqual(['offline', 'online', 'pagehide', 'visibilitychange']);
      clock.jump(60_000);
      listeners.get('visibilitychange')?.();
      expect(socket.closedWith?.code).toBe(4000);
      client.close();
      expect(listeners.size).toBe(0);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('closes cleanly (1000) when the page really goes away, and keeps the session when it enters the bfcache', async () => {
    const listeners = new Map<string, (event: { persisted: boolean }) => void>();
    const target = {
      addEventListener: (type: string, fn: (event: { persisted: boolean }) => void) => listeners.set(type, fn),
      removeEventListener: (type: string) => listeners.delete(type),
    };
    vi.stubGlobal('window', target);
    vi.stubGlobal('document', { ...target, visibilityState: 'visible' });
    try {
      const { client, socket } = await readyClient();
      listeners.get('pagehide')?.({ persisted: true });
      expect(socket.closedWith).toBeUndefined();
      expect(client.state).toBe('ready');
      listeners.get('pagehide')?.({ persisted: false });
      expect(socket.closedWith).toEqual({ code: 1000, reason: 'client closed' });
      expect(client.state).toBe('closed');
      expect(listeners.size).toBe(0);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('closes cleanly on a React Native terminate from the lifecycle hook', async () => {
    let notify: (event: LifecycleEvent) => void = () => {};
    const { client, socket } = await readyClient({
      lifecycle: {
        subscribe(onChange) {
          notify = onChange;
          return () => {};
        },
      },
    });
    notify('background');
    expect(client.state).toBe('ready');
    notify('terminate');
    expect(socket.closedWith?.code).toBe(1000);
    expect(client.state).toBe('closed');
  });

  // Throttled tab, interval 1000, grace 500: timers run only at t=5000 and t=9000, late by seconds.
  it('a late timer after real silence declares the connection dead at once; frames in between keep it alive', async () => {
    const { client, clock, socket } = await readyClient();
    clock.jump(1400);
    socket.deliver({ type: 'heartbeat', payload: {} }); // t=1400: heard
    clock.jump(1400);
    socket.deliver({ type: 'heartbeat_ack' }); // t=2800: heard, 1400 ms after the last
    clock.jump(1400);
    socket.deliver({ type: 'heartbeat', payload: {} }); // t=4200
    clock.jump(800);
    clock.runDue(); // t=5000: every overdue beat fires at once; 800 ms of silence is fine
    expect(client.state).toBe('ready');
    expect(socket.sentOfType('heartbeat').length).toBeGreaterThan(0);
    clock.jump(4000);
    clock.runDue(); // t=9000: 4800 ms of silence > 1500: dead, whatever the timer's lateness
    expect(socket.closedWith?.code).toBe(4000);
    expect(client.state).toBe('reconnecting');
    client.close();
  });
});
