import type { AddressInfo } from 'node:net';
import { CloseCode, PROTOCOL_VERSION } from '@gateway/client';
import { describe, expect, it } from 'vitest';
import { type RawData, WebSocketServer } from 'ws';
import { sampleLimits } from '../../../protocol/src/testing/frame-samples';
import {
  closeAfterTest,
  ManualClock,
  nextEvent,
  openClient,
  reachState,
  readyClient,
  record,
  startE2EServer,
} from './helpers';

describe('e2e: graceful stop', () => {
  it('server.close() paces the reconnect: the client waits after_ms plus up to jitter_ms', async () => {
    const server = await startE2EServer();
    const reconnect = { minDelayMs: 1_000, maxDelayMs: 8_000 };
    // The client's clock stands still, so the scheduled reconnect never runs against the stopped server.
    const client = await readyClient(server, 'bot', { clock: new ManualClock(), reconnect, random: () => 0.5 });
    const errors = record(client, 'error');
    const paced = nextEvent(client, 'reconnect');
    const reconnecting = nextEvent(client, 'reconnecting');

    // Issue 3: a stop sends `reconnect` (then goodbye 4002, which test/drain.test.ts checks on the wire).
    await server.close();
    const { after_ms: afterMs = 0, jitter_ms: jitterMs = 0 } = await paced;
    const scheduled = await reconnecting;
    expect(scheduled.attempt).toBe(0);
    expect(scheduled.delay_ms).toBeGreaterThanOrEqual(afterMs);
    expect(scheduled.delay_ms).toBeLessThanOrEqual(afterMs + jitterMs);
    expect(client.state).toBe('reconnecting');
    expect(errors).toEqual([]);
    client.close();
    expect(client.state).toBe('closed');
  });
});

describe('e2e: dead connections', () => {
  it('the server keeps a client that answers its heartbeats and closes one that stops answering (4001)', async () => {
    const serverClock = new ManualClock();
    // Interval 1000 ms, grace 500 ms: a ping after 1000 ms of silence, dead after 2000 ms.
    const server = await startE2EServer({ clock: serverClock, heartbeatIntervalMs: 1_000, heartbeatGraceMs: 500 });
    // The client's clock stands still: it never beats on its own, it only answers the server's pings.
    const client = await readyClient(server, 'bot', { clock: new ManualClock() });
    const pings = record(client, 'heartbeat');
    const heardAfter = async (framesIn: number) => {
      await expect.poll(() => server.gateway.stats().frames_in, { timeout: 3000 }).toBe(framesIn + 1);
    };

    let framesIn = server.gateway.stats().frames_in;
    serverClock.advance(1_000); // t=1000: one interval of silence, the server pings
    await until(() => pings.length === 1);
    await heardAfter(framesIn); // the client's heartbeat_ack, heard at t=1000

    framesIn = server.gateway.stats().frames_in;
    serverClock.advance(1_500); // t=2500: 1500 ms since the ack, short of 2000: pinged again, not closed
    await until(() => pings.length === 2);
    await heardAfter(framesIn);
    expect(client.state).toBe('ready');
    expect(server.gateway.stats().sessions).toBe(1);

    // Time runs on without the client getting a turn to answer: to the server it is dead.
    const goodbye = nextEvent(client, 'goodbye');
    const reconnecting = nextEvent(client, 'reconnecting');
    serverClock.advance(2_000);
    expect(server.gateway.stats().connections).toBe(0);
    expect(await goodbye).toMatchObject({ code: CloseCode.heartbeat_timeout, resumable: true });
    await reconnecting;
    expect(client.state).toBe('reconnecting');

    async function until(check: () => boolean): Promise<void> {
      await expect.poll(check, { timeout: 3000 }).toBe(true);
    }
  });

  it('the client gives up a zombie server that said hello and then went silent, and schedules a reconnect', async () => {
    const received: { type: string }[] = [];
    let closedWith: number | undefined;
    const zombie = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    closeAfterTest({
      close: async () => {
        for (const socket of zombie.clients) socket.terminate();
        await new Promise<void>((resolve) => zombie.close(() => resolve()));
      },
    });
    await new Promise<void>((resolve) => zombie.once('listening', () => resolve()));
    zombie.on('connection', (socket) => {
      socket.on('message', (data: RawData) => received.push(JSON.parse(data.toString()) as { type: string }));
      socket.on('close', (code) => {
        closedWith = code;
      });
      socket.send(
        JSON.stringify({
          type: 'hello',
          payload: {
            protocol_version: PROTOCOL_VERSION,
            heartbeat_interval: 1_000,
            resume_window_ms: 0,
            limits: sampleLimits,
            server_id: 'zombie',
          },
        }),
      );
    });
    const { port } = zombie.address() as AddressInfo;

    const clock = new ManualClock();
    const client = openClient({
      url: `ws://127.0.0.1:${port}`,
      userId: 'bot',
      clock,
      random: () => 0, // the first heartbeat goes at once
      heartbeatGraceMs: 500,
    });
    const reconnects = record(client, 'reconnecting');
    await reachState(client, 'handshaking');
    await expect.poll(() => received.map((frame) => frame.type), { timeout: 3000 }).toEqual(['identify']);

    clock.advance(1_500); // beats at 0 and 1000 get no answer; 1500 is exactly interval + grace: not dead yet
    expect(client.state).toBe('handshaking');
    expect(reconnects).toEqual([]);
    clock.advance(1); // past interval + grace of silence
    expect(client.state).toBe('reconnecting');
    expect(reconnects).toEqual([{ attempt: 0, delay_ms: 500 }]);
    await expect.poll(() => closedWith, { timeout: 3000 }).toBe(4000);
    expect(received.map((frame) => frame.type)).toEqual(['identify', 'heartbeat', 'heartbeat']);
  });
});
