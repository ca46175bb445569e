import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningServer, startServer } from '@gateway/server';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, launchChromium, WAIT } from '../../../scripts/testing/chromium';

// The example as a user runs it, in headless Chromium: built by Vite, served as static files, against a real
// gateway on 127.0.0.1 (in memory, dev mode). Two pages chat, see each other's presence and typing, and carry
// on after the gateway restarts on the same port.

const skipReason = browserSkipReason();
const exampleDir = fileURLToPath(new URL('..', import.meta.url));
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

let outDir: string;
let site: Server;
let siteUrl: string;
let gateway: RunningServer;
let browser: Browser;

async function serveStatic(dir: string): Promise<Server> {
  const server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const file = path === '/' ? 'index.html' : path.slice(1);
    try {
      const body = await readFile(join(dir, file));
      response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function openChat(name: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${siteUrl}/?gateway=${encodeURIComponent(gateway.wsUrl)}`);
  await page.locator('input[name="name"]').fill(name);
  await page.locator('input[name="room"]').fill('lobby');
  await page.getByRole('button', { name: 'Join' }).click();
  await expect.poll(() => page.locator('.badge').getAttribute('data-state'), WAIT).toBe('ready');
  return page;
}

const contents = (page: Page) => page.locator('.messages li .content').allTextContents();
const members = (page: Page) => page.locator('.members li').allTextContents();

describe.skipIf(skipReason !== undefined)(
  `the React chat example in headless Chromium${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    beforeAll(async () => {
      outDir = await mkdtemp(join(tmpdir(), 'gateway-react-chat-'));
      await build({ root: exampleDir, logLevel: 'silent', build: { outDir, emptyOutDir: true } });
      site = await serveStatic(outDir);
      siteUrl = `http://127.0.0.1:${(site.address() as { port: number }).port}`;
      gateway = await startServer({ port: 0, host: '127.0.0.1', logLevel: 'silent' });
      browser = await launchChromium();
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await gateway?.close();
      await new Promise((resolve) => site?.close(resolve));
      await rm(outDir, { recursive: true, force: true });
    });

    it('two pages chat, see presence and typing, and carry on after the gateway restarts', async () => {
      const alice = await openChat('Alice');
      const bob = await openChat('Bob');
      await expect.poll(() => members(alice), WAIT).toEqual(['Alice', 'Bob']);

      await bob.locator('input[name="message"]').fill('hel');
      await expect.poll(() => alice.locator('.typing').textContent(), WAIT).toBe('Bob is typing…');
      await bob.locator('input[name="message"]').fill('hello Alice');
      await bob.getByRole('button', { name: 'Send' }).click();
      await expect.poll(() => contents(alice), WAIT).toEqual(['hello Alice']);
      await expect.poll(() => bob.locator('.messages li.mine').getAttribute('data-status'), WAIT).toBe('sent');

      // The gateway stops and a new one starts on the same port: the sessions are gone, both pages reset.
      const { port } = gateway;
      await gateway.close();
      gateway = await startServer({ port, host: '127.0.0.1', logLevel: 'silent' });
      const reconnected = { timeout: 30_000 };
      for (const page of [alice, bob]) {
        await expect.poll(() => page.locator('.badge').getAttribute('data-state'), reconnected).toBe('ready');
      }
      await expect.poll(() => members(bob), WAIT).toEqual(['Alice', 'Bob']);
      await alice.locator('input[name="message"]').fill('still here');
      await alice.getByRole('button', { name: 'Send' }).click();
      await expect.poll(() => contents(bob), WAIT).toContain('still here');
    }, 90_000);
  },
);
