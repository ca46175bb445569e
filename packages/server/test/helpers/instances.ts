import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'vitest';

const serverDir = fileURLToPath(new URL('../..', import.meta.url));
const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
// tsx as a loader inside one node process (its CLI would put a second process between us and the gateway,
// and a SIGKILL to it would orphan the gateway).
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface GatewayInstance {
  readonly pid: number;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `ws://127.0.0.1:<port>/ws` */
  readonly wsUrl: string;
  /** The JSON log lines it has written so far (stdout), parsed. */
  readonly logs: readonly Record<string, unknown>[];
  /** GET a JSON endpoint of this instance (`/health`, `/stats`). */
  get(path: string): Promise<Record<string, unknown>>;
  /** Sends a signal and waits for the process to exit; SIGKILL after `timeoutMs` if it has not. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<void>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts the gateway CLI from source as its own process (PORT=0 on 127.0.0.1, dev mode, the given
 * environment, e.g. REDIS_URL) and resolves once its "gateway listening" log line names the port.
 * Call `stopInstances` in `afterAll`/`afterEach`.
 */
export function startInstance(env: Record<string, string>, { timeoutMs = 10_000 } = {}): Promise<GatewayInstance> {
  const child = spawn(process.execPath, ['--import', tsxLoader, '--conditions=@gateway/source', cli], {
    cwd: serverDir,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let partial = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });

  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`gateway instance ${why}.\nstderr:\n${stderr}\nlogs:\n${JSON.stringify(logs.slice(-10))}`));
    };
    const timer = setTimeout(() => fail(`did not log "gateway listening" within ${timeoutMs} ms`), timeoutMs);
    const onExit = (code: number | null, signal: string | null) => fail(`exited early (${code ?? signal})`);
    child.once('exit', onExit);
    child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        logs.push(entry);
        if (entry.msg !== 'gateway listening' || typeof entry.port !== 'number') continue;
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(instance(child, entry.port, logs));
      }
    });
  });
}

function instance(child: ChildProcess, port: number, logs: Record<string, unknown>[]): GatewayInstance {
  const url = `http://127.0.0.1:${port}`;
  return {
    pid: child.pid ?? -1,
    port,
    url,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    logs,
    async get(path) {
      const response = await fetch(url + path, { signal: AbortSignal.timeout(3000) });
      return (await response.json()) as Record<string, unknown>;
    },
    async stop(signal = 'SIGTERM', timeoutMs = 5000) {
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited(child);
      clearTimeout(timer);
    },
  };
}

/** Kills every instance these helpers started (SIGKILL) and waits for them to exit. */
export async function stopInstances(): Promise<void> {
  const all = [...children];
  for (const child of all) child.kill('SIGKILL');
  await Promise.all(all.map(exited));
}

/** Polls an instance's /health (bounded) until it reports `status`; resolves with the body. */
export async function healthBecomes(
  instance: GatewayInstance,
  status: string,
  timeoutMs = 5000,
): Promise<Record<string, unknown>> {
  let body: Record<string, unknown> = {};
  await expect
    .poll(
      async () => {
        body = await instance.get('/health');
        return body.status;
      },
      { timeout: timeoutMs, interval: 20 },
    )
    .toBe(status);
  return body;
}
