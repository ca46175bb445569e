import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';

/** Whether tests can start a real `redis-server`, and if not, why (shown in the suite's name). */
export interface RedisAvailability {
  readonly available: boolean;
  readonly reason: string;
}

/**
 * Looks for the `redis-server` binary (Debian package `redis-server`). Absent on a developer's machine the
 * Redis suites are skipped with the reason in their title; under `CI=true` its absence is an error, so CI
 * can never pass by skipping them.
 */
export function redisAvailability(): RedisAvailability {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8', timeout: 5000 });
  if (probe.error === undefined && probe.status === 0) return { available: true, reason: '' };
  const reason = 'redis-server not found (apt-get install redis-server)';
  if (process.env.CI === 'true') throw new Error(`CI=true but ${reason}: the Redis tests must run on CI.`);
  return { available: false, reason };
}

/** The title of a Redis suite: says it was skipped, and why, when it cannot run. */
export function redisSuiteTitle(title: string, availability: RedisAvailability): string {
  return availability.available ? title : `${title} (skipped: ${availability.reason})`;
}

export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Kills the server at once (SIGKILL, as a crash) and waits for the process to be gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: nothing is saved). */
  restart(): Promise<void>;
}

const children = new Set<ChildProcess>();
// A test runner that dies before its hooks must not leave servers behind.
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** A free TCP port on 127.0.0.1 (the OS picks it; it is free the moment we ask). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject()));
    });
  });
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Spawns redis-server and resolves once it accepts connections; rejects if it exits or is slow. `extra`
 * arguments come last (a cluster node's), and `cwd` is where it keeps its files (a cluster node's nodes.conf).
 */
export function launch(
  port: number,
  timeoutMs: number,
  extra: readonly string[] = [],
  cwd?: string,
): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--loglevel',
      'notice',
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], ...(cwd === undefined ? {} : { cwd }) },
  );
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    let output = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`redis-server on port ${port} ${why}. Output:\n${output.slice(-2000)}`));
    };
    const timer = setTimeout(() => fail(`did not get ready within ${timeoutMs} ms`), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal})`));
  });
}

/**
 * A real `redis-server` on a free port of 127.0.0.1, with persistence off. Call `stopRedisServers` in
 * `afterAll` (or `afterEach`) so no process outlives the tests.
 */
export async function startRedisServer({ timeoutMs = 5000 }: { timeoutMs?: number } = {}): Promise<RedisServer> {
  let port = 0;
  let child: ChildProcess | undefined;
  // The port picked may be taken by someone else before redis binds it: try a few.
  for (let attempt = 1; child === undefined; attempt++) {
    port = await freePort();
    try {
      child = await launch(port, timeoutMs);
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
  let current: ChildProcess = child;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      current.kill('SIGKILL');
      await exited(current);
    },
    async restart() {
      current.kill('SIGKILL');
      await exited(current);
      current = await launch(port, timeoutMs);
    },
  };
}

/** Kills every redis-server these helpers started and waits for them to exit. */
export async function stopRedisServers(): Promise<void> {
  const all = [...children];
  for (const child of all) child.kill('SIGKILL');
  await Promise.all(all.map(exited));
}

/** One redis-server for a whole test file, and a command connection to inspect what the gateways wrote. */
export interface SuiteRedis {
  /** `redis://127.0.0.1:<port>`; throws when the suite was skipped for want of redis-server. */
  url(): string;
  commands(): Redis;
}

/**
 * Starts a redis-server in `beforeAll` (unless it is unavailable: the suite is then skipped) with a command
 * connection to it, and stops both in `afterAll`.
 */
export function redisForSuite(availability: RedisAvailability): SuiteRedis {
  let server: RedisServer | undefined;
  let commands: Redis | undefined;
  beforeAll(async () => {
    if (!availability.available) return;
    server = await startRedisServer();
    commands = new Redis(server.url, { lazyConnect: true });
    await commands.connect();
  });
  afterAll(async () => {
    await commands?.quit();
    await stopRedisServers();
  });
  return {
    url() {
      if (server === undefined) throw new Error('no redis-server');
      return server.url;
    },
    commands() {
      if (commands === undefined) throw new Error('no redis connection');
      return commands;
    },
  };
}
