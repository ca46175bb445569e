import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type HistoryStore,
  inMemorySharedState,
  type RunningServer,
  type SharedState,
  startServer,
} from '../src/index';
import {
  browserSkipReason,
  buildDemoForTest,
  contents,
  expectState,
  joinRoom,
  launchChromium,
  openPage,
  say,
  WAIT,
} from './demo-browser';

const skipReason = browserSkipReason();

/**
 * In-memory state whose room history outlives a server, as a database's would: the sessions (and their replay
 * buffers) die with the server, so every client's session is gone after the restart and it gets `reset`.
 */
function historyThatSurvives(): SharedState {
  let history: HistoryStore | undefined;
  return { ...inMemorySharedState, history: (settings) => (history ??= inMemorySharedState.history(settings)) };
}

describe.skipIf(skipReason !== undefined)(
  `demo page across a server restart${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    const sharedState = historyThatSurvives();
    let demo: Awaited<ReturnType<typeof buildDemoForTest>>;
    let browser: Browser;
    const servers: RunningServer[] = [];

    const start = async (port: number) => {
      const server = await startServer({ port, host: '127.0.0.1', logLevel: 'silent', demoDir: demo.dir, sharedState });
      servers.push(server);
      return server;
    };

    beforeAll(async () => {
      demo = await buildDemoForTest();
      browser = await launchChromium();
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      for (const server of servers) await server.close();
      await demo?.remove();
    });

    /**
     * Bob's page reaches the server through a gate: while it is shut, each socket the page opens waits (the
     * client is `connecting`, nothing fails) until the gate opens, then connects to whatever listens then.
     */
    async function gatedPage(): Promise<{ page: Page; shut: () => void; open: () => void }> {
      const { page } = await openPage(browser);
      let gate: Promise<void> = Promise.resolve();
      let open = () => {};
      await page.routeWebSocket(/\/ws$/, async (route) => {
        await gate;
        route.connectToServer();
      });
      const shut = () => {
        gate = new Promise((resolve) => {
          open = resolve;
        });
      };
      return { page, shut, open: () => open() };
    }

    it('shows every message once and in order after a restart, those sent while it was reconnecting included', async () => {
      const first = await start(0);
      const { page: alice } = await openPage(browser);
      const bob = await gatedPage();
      for (const [page, name] of [
        [alice, 'Alice'],
        [bob.page, 'Bob'],
      ] as const) {
        await page.goto(first.url);
        await joinRoom(page, name, 'restart');
      }
      await say(alice, 'before 1');
      await expect.poll(() => contents(bob.page), WAIT).toEqual(['before 1']);
      await say(bob.page, 'before 2');
      await expect.poll(() => contents(alice), WAIT).toEqual(['before 1', 'before 2']);

      // The server goes away: both pages show their member lists as stale, and Alice says why in plain words.
      bob.shut();
      await first.gateway.stop({ jitterMs: 0 });
      await first.close();
      for (const page of [alice, bob.page]) {
        await expect.poll(() => page.getByTestId('presence').getAttribute('data-stale'), WAIT).toBe('true');
        expect(await page.getByTestId('presence-note').isVisible()).toBe(true);
      }
      await expect.poll(() => alice.getByTestId('error').textContent(), WAIT).toContain("Can't reach the chat server");

      // A new server on the same port knows no session: Alice's page is reset and refetches the room.
      const second = await start(first.port);
      await expectState(alice, 'ready');
      await expect.poll(() => contents(alice), WAIT).toEqual(['before 1', 'before 2']);
      expect(await alice.getByTestId('error').textContent()).toBe('');
      await expect.poll(() => alice.getByTestId('presence').getAttribute('data-stale'), WAIT).toBe('false');

      // Alice chats while Bob's page is still reconnecting; Bob writes too, offline: his send waits as pending.
      await say(alice, 'during 1');
      await say(alice, 'during 2');
      await expect.poll(() => alice.locator('#messages li.pending').count(), WAIT).toBe(0);
      await say(bob.page, 'from Bob offline');
      expect(await bob.page.getByTestId('state').getAttribute('data-state')).not.toBe('ready');
      expect(await contents(bob.page)).toEqual(['before 1', 'before 2', 'from Bob offline']);
      expect(await bob.page.locator('#messages li.pending').count()).toBe(1);

      // Bob's page gets through: reset, history refetched, his pending send delivered; nothing missing, nothing twice.
      bob.open();
      await expectState(bob.page, 'ready');
      const all = ['before 1', 'before 2', 'during 1', 'during 2', 'from Bob offline'];
      await expect.poll(() => contents(bob.page), WAIT).toEqual(all);
      await expect.poll(() => contents(alice), WAIT).toEqual(all);
      expect(await bob.page.locator('#messages li.pending').count()).toBe(0);
      await expect.poll(() => bob.page.getByTestId('presence').getAttribute('data-stale'), WAIT).toBe('false');
      await expect.poll(() => bob.page.getByTestId('members').textContent(), WAIT).toContain('Alice');
      expect(second.gateway.stats().resumes_refused).toBe(2);
    }, 60_000);
  },
);
