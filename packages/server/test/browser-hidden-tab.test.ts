import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../src/index';
import { browserSkipReason, buildDemoForTest, joinRoom, launchChromium, openPage, WAIT } from './demo-browser';

const skipReason = browserSkipReason();

/** The server pings a connection silent for this long, and closes it after 1.5 times it plus the grace. */
const HEARTBEAT_MS = 200;
const GRACE_MS = 500;
/** What a hidden tab's timers are put off by: Chrome's intensive throttling runs them once a minute. */
const THROTTLED_MS = 60_000;

interface Watched {
  gatewayClient: { on(event: string, listener: (value: { to?: string }) => void): void; sessionId?: string };
  pings: number;
  states: string[];
  deferredTimers: number;
}

describe.skipIf(skipReason !== undefined)(
  `demo page in a hidden tab${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let demo: Awaited<ReturnType<typeof buildDemoForTest>>;
    let server: RunningServer;
    let browser: Browser;

    beforeAll(async () => {
      demo = await buildDemoForTest();
      server = await startServer({
        port: 0,
        host: '127.0.0.1',
        logLevel: 'silent',
        demoDir: demo.dir,
        heartbeatIntervalMs: HEARTBEAT_MS,
        heartbeatGraceMs: GRACE_MS,
      });
      browser = await launchChromium();
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
      await demo?.remove();
    });

    it('stays connected with its timers throttled: the server’s heartbeats are answered as they arrive', async () => {
      const { page, errors } = await openPage(browser);
      await page.goto(server.url);
      await joinRoom(page, 'Hidden', 'background');
      const sessionId = await page.evaluate(() => (window as unknown as Watched).gatewayClient.sessionId);

      // The tab goes to the background: hidden, and every timer set from now on put off by a minute, so the
      // client's own heartbeats and watchdog stop. Only frames from the server still run code in the page.
      await page.evaluate((deferMs) => {
        const watched = window as unknown as Watched & typeof window;
        watched.pings = 0;
        watched.states = [];
        watched.deferredTimers = 0;
        watched.gatewayClient.on('heartbeat', () => watched.pings++);
        watched.gatewayClient.on('state', ({ to }) => watched.states.push(String(to)));
        const { setTimeout: later, setInterval: every } = window;
        const defer = (ms: number | undefined) => {
          watched.deferredTimers++;
          return Math.max(ms ?? 0, deferMs);
        };
        watched.setTimeout = ((handler: TimerHandler, ms?: number, ...rest: unknown[]) =>
          later(handler, defer(ms), ...rest)) as typeof window.setTimeout;
        watched.setInterval = ((handler: TimerHandler, ms?: number, ...rest: unknown[]) =>
          every(handler, defer(ms), ...rest)) as typeof window.setInterval;
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
        document.dispatchEvent(new Event('visibilitychange'));
      }, THROTTLED_MS);

      // Six pings: the client stayed silent six intervals in a row, and answered each in time, or the server
      // would have closed the connection 1.5 intervals plus the grace after the first.
      const read = () =>
        page.evaluate(() => {
          const { pings, states, deferredTimers } = window as unknown as Watched;
          return { pings, states, deferredTimers };
        });
      // A lost connection (any state change) ends the wait at once, and fails below.
      const settled = async () => {
        const { pings, states } = await read();
        return pings >= 6 || states.length > 0;
      };
      await expect.poll(settled, WAIT).toBe(true);
      const seen = await read();
      expect(seen.states).toEqual([]);
      expect(seen.pings).toBeGreaterThanOrEqual(6);
      expect(seen.deferredTimers).toBeGreaterThan(0);
      expect(await page.evaluate(() => (window as unknown as Watched).gatewayClient.sessionId)).toBe(sessionId);
      const stats = server.gateway.stats();
      expect({ connections: stats.connections, detached: stats.sessions_detached }).toEqual({
        connections: 1,
        detached: 0,
      });
      expect(await page.getByTestId('state').getAttribute('data-state')).toBe('ready');
      expect(errors).toEqual([]);
      await page.context().close();
    }, 60_000);
  },
);
