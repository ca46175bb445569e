import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from '../src/run';
import { afterTest, startGateway } from './helpers/gateway';
import { testIo } from './helpers/io';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };

describe('gateway', () => {
  it.each([['--help'], ['-h']])('%s prints the commands on stdout and exits 0', async (flag) => {
    const t = testIo();
    expect(await run([flag], t.io)).toBe(0);
    expect(t.stdout()).toMatch(/^Usage: gateway <command>/);
    for (const command of ['tail', 'publish', 'token']) expect(t.stdout()).toMatch(new RegExp(`\\n  ${command} `));
    expect(t.stderr()).toBe('');
  });

  it.each([['--version'], ['-v']])('%s prints the version of its package.json', async (flag) => {
    const t = testIo();
    expect(await run([flag], t.io)).toBe(0);
    expect(t.stdout()).toBe(`${version}\n`);
  });

  it.each([
    ['tail', 'Usage: gateway tail <room>'],
    ['publish', 'Usage: gateway publish <room> <content>'],
    ['token', 'FOR DEVELOPMENT AND TESTS'],
  ])('%s --help prints its usage and exits 0, doing nothing else', async (command, text) => {
    for (const flag of ['--help', '-h']) {
      const t = testIo();
      expect(await run([command, flag], t.io)).toBe(0);
      expect(t.stdout()).toMatch(new RegExp(`^Usage: gateway ${command}`));
      expect(t.stdout()).toContain(text);
      expect(t.stderr()).toBe('');
    }
  });

  it.each([
    [[], 'name a command'],
    [['bogus'], "unknown command 'bogus'"],
    [['--bogus'], "unknown option '--bogus'"],
    [['token', '--sub', 'u1', '--bogus'], "Unknown option '--bogus'"],
  ])('%j prints the usage on stderr and exits 2', async (argv, message) => {
    const t = testIo();
    expect(await run(argv, t.io)).toBe(2);
    expect(t.stderr()).toContain(`gateway: ${message}`);
    expect(t.stderr()).toContain('Usage: gateway');
    expect(t.stdout()).toBe('');
  });
});

/** Newest modification time under `dir`. */
function newest(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { withFileTypes: true }).map((entry) => {
      const path = join(dir, entry.name);
      return entry.isDirectory() ? newest(path) : statSync(path).mtimeMs;
    }),
  );
}

const bin = join(packageDir, 'dist', 'gateway.js');
const built = existsSync(bin) && statSync(bin).mtimeMs >= newest(join(packageDir, 'src'));

/** Resolves with the child's exit code; kills it after `timeoutMs`. */
function exitOf(child: ChildProcess, timeoutMs = 10_000): Promise<number | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

// The bin as installed runs it: a build newer than the sources (`pnpm -r build` runs before the suite in CI).
describe.skipIf(!built)('the built bin (dist/gateway.js)', () => {
  it('prints its version, tails a room, and exits 0 on SIGTERM after closing cleanly', async () => {
    const shown = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(process.execPath, [bin, '--version'], { timeout: 10_000 }, (_error, stdout) =>
        resolve({ code: child.exitCode, stdout }),
      );
    });
    expect(shown).toEqual({ code: 0, stdout: `${version}\n` });

    const server = await startGateway();
    const child = spawn(process.execPath, [bin, 'tail', 'lobby', '--url', server.wsUrl, '--user', 'smoke'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = exitOf(child);
    afterTest(async () => {
      child.kill('SIGKILL');
      await exited;
    });
    let stdout = '';
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        if (stdout.includes('connected to')) resolve();
      });
      void exited.then((code) => reject(new Error(`exited (${code}) before connecting:\n${stderr}`)));
    });
    expect(server.gateway.stats().connections).toBe(1);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
    await expect.poll(() => server.gateway.stats().connections, { timeout: 3000 }).toBe(0);
  });
});
