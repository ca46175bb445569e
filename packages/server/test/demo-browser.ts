import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { expect } from 'vitest';
import { WAIT } from '../../../scripts/testing/chromium';
import { buildDemo } from '../scripts/build-demo.mjs';

export { browserSkipReason, findChromium, launchChromium, WAIT } from '../../../scripts/testing/chromium';

/**
 * The demo built into a directory of this test file's own (serve it with `demoDir`), so browser test files
 * running at once never serve each other's half-written script; `remove` deletes it.
 */
export async function buildDemoForTest(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await buildDemo(await mkdtemp(join(tmpdir(), 'gateway-demo-')));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A page in a context of its own (one visitor: its own storage), with what it logged as an error collected. */
export async function openPage(
  browser: Browser,
  options: BrowserContextOptions = {},
): Promise<{ page: Page; errors: string[] }> {
  const page = await (await browser.newContext(options)).newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return { page, errors };
}

/** Fills the join form of a page already at the demo, and waits for the chat to be connected. */
export async function joinRoom(page: Page, name: string, room: string): Promise<void> {
  await page.getByTestId('name').fill(name);
  await page.getByTestId('room').fill(room);
  await page.getByTestId('join').click();
  await expectState(page, 'ready');
}

export async function expectState(page: Page, state: string): Promise<void> {
  await expect.poll(() => page.getByTestId('state').getAttribute('data-state'), WAIT).toBe(state);
}

/** The text of every message shown, in order. */
export const contents = (page: Page): Promise<string[]> => page.locator('#messages li .content').allTextContents();

/** Types and sends a message through the form. */
export async function say(page: Page, text: string): Promise<void> {
  await page.getByTestId('message').fill(text);
  await page.getByTestId('send').click();
}
