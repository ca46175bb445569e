import { defineEvent, type EventDefinition } from '@gateway/client';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import {
  ManualClock,
  startTestGateway,
  type TestGateway,
  type TestGatewayOptions,
  waitForEvent,
  waitForState,
} from '../src/index';

const gateways: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const gateway of gateways.splice(0)) await gateway.close();
});

/** Closed after the test. */
function closing<G extends TestGateway<readonly EventDefinition[]>>(gateway: G): G {
  gateways.push(gateway);
  return gateway;
}

const start = async (options?: TestGatewayOptions) => closing(await startTestGateway(options));

describe('startTestGateway', () => {
  it('starts a real gateway on 127.0.0.1 and a free port; its clients reach ready through their proxies', async () => {
    const gateway = await start();
    expect(gateway.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
    expect(gateway.server.port).toBeGreaterThan(0);
    const alice = await gateway.client({ userId: 'alice', rooms: ['general'] });
    const ready = await alice.ready();
    expect(ready.user.id).toBe('alice');
    expect(ready.subscriptions).toEqual(['general']);
    expect(gateway.server.gateway.stats().sessions).toBe(1);
  });

  it('shares one manual clock: the server’s heartbeat comes when the test moves time, not before', async () => {
    const clock = new ManualClock();
    // Interval 10 s: the server pings a client it has not heard from for that long.
    const gateway = await start({ clock, heartbeatIntervalMs: 10_000 });
    expect(gateway.clock).toBe(clock);
    const alice = await gateway.client({ userId: 'alice', random: () => 0.99 }); // her own beat at 9.9 s
    await alice.ready();
    const ping = waitForEvent(alice, 'heartbeat');
    clock.advance(9_000); // t=9 s: nobody's timer is due
    expect(gateway.server.gateway.stats().connections).toBe(1);
    clock.advance(1_000); // t=10 s: her beat went at 9.9 s, but it has not been read yet: the server pings
    await ping;
    expect(alice.state).toBe('ready');
  });

  it("gives clients the gateway's events by default", async () => {
    const Ping = defineEvent('app.ping', z.object({ text: z.string() }), { direction: 'client' });
    const Pong = defineEvent('app.pong', z.object({ text: z.string() }), { direction: 'server' });
    const gateway = closing(await startTestGateway({ events: [Ping, Pong] }));
    gateway.server.gateway.handle('app.ping', async (_ctx, payload) => ({
      type: 'app.pong',
      payload: { text: payload.text.toUpperCase() },
    }));
    const bot = await gateway.client({ userId: 'bot' });
    await bot.ready();
    const pong = waitForEvent(bot, 'app.pong');
    bot.send('app.ping', { text: 'hi' });
    expect(await pong).toEqual({ text: 'HI' });
  });

  it('close() closes the clients and the gateway, and takes no new client', async () => {
    const gateway = await start();
    const alice = await gateway.client({ userId: 'alice' });
    await waitForState(alice, 'ready');
    await gateway.close();
    expect(alice.state).toBe('closed');
    await expect(gateway.client({ userId: 'bob' })).rejects.toThrow('closed');
    await expect(fetch(`${gateway.server.url}/health`)).rejects.toThrow();
  });

  it('network() takes only its own clients', async () => {
    const gateway = await start();
    const other = await start();
    const stranger = await other.client({ userId: 'stranger', autoConnect: false });
    expect(() => gateway.network(stranger)).toThrow('client()');
  });
});
