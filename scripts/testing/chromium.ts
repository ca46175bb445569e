// Headless Chromium for the browser tests (the demo's and the examples'): Debian's chromium, which `.ci/run`
// installs, launched for a root, loopback-only container.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** Every wait on the page is bounded by this; the happy path takes a fraction of it. */
export const WAIT = { timeout: 10_000 };

/** Debian's chromium, where it is installed; `.ci/run` installs it. */
export function findChromium(): string | undefined {
  return CANDIDATES.find((path): path is string => path !== undefined && existsSync(path));
}

/**
 * Why the browser test cannot run here, or undefined when it can. Under CI=true a missing browser is
 * a failure, not a skip, so a broken CI image cannot pass by testing nothing.
 */
export function browserSkipReason(): string | undefined {
  if (findChromium() !== undefined) return undefined;
  const reason = 'chromium not found (apt-get install -y chromium, or set CHROMIUM_PATH)';
  if (process.env.CI === 'true') throw new Error(`CI=true and ${reason}`);
  return reason;
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (executablePath === undefined) throw new Error('chromium not found');
  return chromium.launch({
    executablePath,
    headless: true,
    // Root in a sandboxless container, and no network beyond loopback: background services only time out.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}
