import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemo } from '../scripts/build-demo.mjs';
import { startServer } from '../src/index';
import { browserSkipReason, launchChromium } from './demo-browser';

const skipReason = browserSkipReason();

describe.skipIf(skipReason !== undefined)(
  `demo page in headless Chromium${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let server: Awaited<ReturnType<typeof startServer>>;
    let browser: Browser;

    beforeAll(async () => {
      await buildDemo();
      server = await startServer({ port: 0, host: '127.0.0.1', logLevel: 'silent' });
      browser = await launchChromium();
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    async function join(name: string, room: string): Promise<Page> {
      // Separate contexts: two independent visitors, no shared storage.
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(server.url);
      await page.getByTestId('name').fill(name);
      await page.getByTestId('room').fill(room);
      await page.getByTestId('join').click();
      await expect.poll(() => page.getByTestId('state').getAttribute('data-state'), { timeout: 10_000 }).toBe('ready');
      return page;
    }

    it('two pages chat in one room and see each other’s presence and typing', async () => {
      const alice = await join('Alice', 'demo-room');
      const bob = await join('Bob', 'demo-room');

      // Presence: each sees both members of the room.
      await expect.poll(() => alice.getByTestId('members').textContent(), { timeout: 10_000 }).toContain('Bob');
      await expect.poll(() => bob.getByTestId('members').textContent(), { timeout: 10_000 }).toContain('Alice');

      // Typing: Alice types, Bob sees it, Alice does not see herself.
      await alice.getByTestId('message').pressSequentially('hello', { delay: 20 });
      await expect
        .poll(() => bob.getByTestId('typing').textContent(), { timeout: 10_000 })
        .toContain('Alice is typing');
      expect(await alice.getByTestId('typing').textContent()).toBe('');

      // Chat both ways; the sender's optimistic copy turns into the delivered one.
      await alice.getByTestId('message').fill('hello Bob');
      await alice.getByTestId('send').click();
      await expect.poll(() => bob.getByTestId('messages').textContent(), { timeout: 10_000 }).toContain('hello Bob');
      await expect.poll(() => alice.locator('#messages li.pending').count(), { timeout: 10_000 }).toBe(0);
      await expect.poll(() => bob.getByTestId('typing').textContent(), { timeout: 10_000 }).toBe('');

      // Typing the other way: a one-way check would pass with a demo that only shows the first member's typing.
      await bob.getByTestId('message').pressSequentially('hi', { delay: 20 });
      await expect
        .poll(() => alice.getByTestId('typing').textContent(), { timeout: 10_000 })
        .toContain('Bob is typing');
      expect(await bob.getByTestId('typing').textContent()).toBe('');

      await bob.getByTestId('message').fill('hi Alice');
      await bob.getByTestId('send').click();
      await expect.poll(() => alice.getByTestId('messages').textContent(), { timeout: 10_000 }).toContain('hi Alice');
      await expect.poll(() => alice.getByTestId('typing').textContent(), { timeout: 10_000 }).toBe('');

      // Bob leaves: Alice's member list drops him.
      await bob.context().close();
      await expect.poll(() => alice.getByTestId('members').textContent(), { timeout: 10_000 }).not.toContain('Bob');
      await alice.context().close();
    }, 60_000);
  },
);
