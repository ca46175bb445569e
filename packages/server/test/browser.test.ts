import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../src/index';
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

describe.skipIf(skipReason !== undefined)(
  `demo page in headless Chromium${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let server: Awaited<ReturnType<typeof startServer>>;
    let browser: Browser;
    let demo: Awaited<ReturnType<typeof buildDemoForTest>>;
    // The first store of a message whose content is `flaky` fails: the sender was acked, the room never sees it.
    const failedOnce = new Set<string>();

    beforeAll(async () => {
      demo = await buildDemoForTest();
      server = await startServer({
        port: 0,
        host: '127.0.0.1',
        logLevel: 'silent',
        demoDir: demo.dir,
        authorize: ({ room_id }) => (room_id === 'staff' ? { allowed: false, reason: 'staff only' } : true),
        persistMessage: (message) => {
          if (message.content !== 'flaky' || failedOnce.has(message.content)) return;
          failedOnce.add(message.content);
          throw new Error('disk full');
        },
      });
      browser = await launchChromium();
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
      await demo?.remove();
    });

    async function visitor(name: string, room: string): Promise<{ page: Page; errors: string[] }> {
      const opened = await openPage(browser);
      await opened.page.goto(server.url);
      await joinRoom(opened.page, name, room);
      return opened;
    }

    const typingLine = (page: Page) => page.getByTestId('typing').textContent();

    it('two pages chat in one room: presence, typing (again right after a send), times and "you" marks', async () => {
      const alice = await visitor('Alice', 'demo-room');
      const bob = await visitor('Bob', 'demo-room');

      // Presence: each sees both members of the room.
      await expect.poll(() => alice.page.getByTestId('members').textContent(), WAIT).toContain('Bob');
      await expect.poll(() => bob.page.getByTestId('members').textContent(), WAIT).toContain('Alice');
      expect(await alice.page.getByTestId('presence').getAttribute('data-stale')).toBe('false');

      // Typing: Alice types, Bob sees it, Alice does not see herself.
      await alice.page.getByTestId('message').pressSequentially('hello', { delay: 20 });
      await expect.poll(() => typingLine(bob.page), WAIT).toContain('Alice is typing');
      expect(await typingLine(alice.page)).toBe('');

      // Chat; the sender's optimistic copy turns into the delivered one, and the message ends her typing.
      await say(alice.page, 'hello Bob');
      await expect.poll(() => contents(bob.page), WAIT).toEqual(['hello Bob']);
      await expect.poll(() => alice.page.locator('#messages li.pending').count(), WAIT).toBe(0);
      await expect.poll(() => typingLine(bob.page), WAIT).toBe('');

      // Typing on at once after the send is announced again (the page no longer throttles it on its own).
      await alice.page.getByTestId('message').pressSequentially('and', { delay: 20 });
      await expect.poll(() => typingLine(bob.page), WAIT).toContain('Alice is typing');
      // She empties the box: her typing ends.
      await alice.page.getByTestId('message').fill('');
      await expect.poll(() => typingLine(bob.page), WAIT).toBe('');

      // Typing the other way: a one-way check would pass with a demo that only shows the first member's typing.
      await bob.page.getByTestId('message').pressSequentially('hi', { delay: 20 });
      await expect.poll(() => typingLine(alice.page), WAIT).toContain('Bob is typing');
      expect(await typingLine(bob.page)).toBe('');
      await say(bob.page, 'hi Alice');
      await expect.poll(() => contents(alice.page), WAIT).toEqual(['hello Bob', 'hi Alice']);
      await expect.poll(() => typingLine(alice.page), WAIT).toBe('');

      // Each message carries its time (the server's created_at, shown in local time) and whose it is.
      for (const { page } of [alice, bob]) {
        const times = page.locator('#messages li time');
        expect(await times.count()).toBe(2);
        for (const time of await times.all()) {
          expect(Number.isNaN(Date.parse((await time.getAttribute('datetime')) ?? ''))).toBe(false);
          expect(await time.textContent()).toMatch(/\d{1,2}:\d{2}/);
        }
      }
      const marks = (page: Page) =>
        page.locator('#messages li').evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.mine));
      expect(await marks(alice.page)).toEqual(['true', 'false']);
      expect(await marks(bob.page)).toEqual(['false', 'true']);
      expect(await alice.page.locator('#messages li.mine .you').textContent()).toBe('you');

      // Bob leaves: Alice's member list drops him.
      await bob.page.context().close();
      await expect.poll(() => alice.page.getByTestId('members').textContent(), WAIT).not.toContain('Bob');
      expect([...alice.errors, ...bob.errors]).toEqual([]);
      await alice.page.context().close();
    }, 60_000);

    it('remembers name and room across a reload and rejoins; keeps the badge in view at 360×640; has a favicon', async () => {
      const { page, errors } = await openPage(browser, { viewport: { width: 360, height: 640 } });
      await page.goto(server.url);
      await joinRoom(page, 'Carol', 'small-screen');
      for (const line of ['one', 'two', 'three']) await say(page, line);
      await expect.poll(() => page.locator('#messages li.pending').count(), WAIT).toBe(0);

      await page.reload();
      await expectState(page, 'ready');
      expect(await page.getByTestId('whoami').textContent()).toBe('Carol in #small-screen');
      await expect.poll(() => contents(page), WAIT).toEqual(['one', 'two', 'three']);

      // Scrolled down to the member list, below the first screen, the badge is still on screen, whole; nothing
      // is wider than the screen.
      expect(await page.evaluate(() => document.documentElement.scrollHeight > window.innerHeight)).toBe(true);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
      await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      await expect.poll(() => page.evaluate(() => window.scrollY), WAIT).toBeGreaterThan(0);
      const badge = await page.getByTestId('state').boundingBox();
      expect(badge).not.toBeNull();
      if (badge !== null) {
        expect(badge.y).toBeGreaterThanOrEqual(0);
        expect(badge.x + badge.width).toBeLessThanOrEqual(360);
        expect(badge.y + badge.height).toBeLessThanOrEqual(640);
      }
      expect(await page.getByTestId('state').isVisible()).toBe(true);

      // The icon the page links, and the one browsers ask for by default, are both there.
      const icon = await page.evaluate(() => document.querySelector<HTMLLinkElement>('link[rel="icon"]')?.href);
      for (const href of [icon, `${server.url}/favicon.ico`]) {
        const response = await page.request.get(href ?? '');
        expect(response.status()).toBe(200);
        expect(response.headers()['content-type']).toMatch(/^image\//);
      }

      // Leaving forgets the room (not the name): a reload shows the form again.
      await page.getByTestId('leave').click();
      await page.reload();
      await expect.poll(() => page.getByTestId('name').inputValue(), WAIT).toBe('Carol');
      expect(await page.locator('#join').isVisible()).toBe(true);
      expect(await page.getByTestId('state').getAttribute('data-state')).toBe('idle');
      expect(errors).toEqual([]);
      await page.context().close();
    }, 60_000);

    it('says in plain words that a room is refused, and goes back to the form', async () => {
      const { page } = await openPage(browser);
      await page.goto(server.url);
      await page.getByTestId('name').fill('Dave');
      await page.getByTestId('room').fill('staff');
      await page.getByTestId('join').click();
      await expect.poll(() => page.getByTestId('error').textContent(), WAIT).toBe("You can't join #staff: staff only.");
      expect(await page.locator('#join').isVisible()).toBe(true);
      await page.context().close();
    }, 60_000);

    it('marks a send that failed and delivers it once on Retry', async () => {
      const { page } = await visitor('Erin', 'flaky-room');
      await say(page, 'flaky');
      const failed = page.locator('#messages li.failed');
      await expect.poll(() => failed.count(), WAIT).toBe(1);
      await failed.getByTestId('retry').click();
      await expect
        .poll(
          () =>
            page
              .locator('#messages li')
              .evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.state)),
          WAIT,
        )
        .toEqual(['delivered']);
      expect(await contents(page)).toEqual(['flaky']);
      await page.context().close();
    }, 60_000);
  },
);
