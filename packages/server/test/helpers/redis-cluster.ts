import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { exited, freePort, launch } from './redis-server';

/** A Redis Cluster of real `redis-server` processes on 127.0.0.1, masters only (no replicas). */
export interface RedisClusterServers {
  /** `redis://127.0.0.1:<port>` of each master, in the order they were started. */
  readonly nodes: readonly string[];
  /** Kills master `index` at once (SIGKILL, as a crash): its slots have no one to answer for them. */
  kill(index: number): Promise<void>;
  /** Starts master `index` again on its port from its nodes.conf: it rejoins, empty (nothing is saved). */
  restart(index: number): Promise<void>;
  /** A client of the whole cluster, to look at what the gateways wrote. */
  client(): Cluster;
  /** Kills every node and removes their directories. */
  stop(): Promise<void>;
}

/** A cluster node gives up on an unreachable peer (and the cluster marks its slots failed) after this. */
const NODE_TIMEOUT_MS = 2_000;

/**
 * A port whose cluster bus port (port + 10000) is free too. The OS's ephemeral range reaches past 55535, where
 * the bus port would not exist, so those are skipped; bounded in attempts.
 */
async function clusterPort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = await freePort();
    if (port > 55_000) continue;
    if (await isFree(port + 10_000)) return port;
  }
  throw new Error('no port with a free cluster bus port found');
}

function isFree(port: number): Promise<boolean> {
  return import('node:net').then(
    ({ createServer }) =>
      new Promise<boolean>((resolve) => {
        const server = createServer();
        server.once('error', () => resolve(false));
        server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
      }),
  );
}

async function clusterState(port: number): Promise<string> {
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const info = await redis.cluster('INFO');
    return /cluster_state:(\w+)/.exec(String(info))?.[1] ?? 'unknown';
  } catch {
    return 'unreachable';
  } finally {
    redis.disconnect();
  }
}

/** Polls until every listed node reports `cluster_state:ok` (bounded by `timeoutMs`). */
async function waitClusterOk(ports: readonly number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(ports.map(clusterState));
    if (states.every((state) => state === 'ok')) return;
    if (Date.now() > deadline) throw new Error(`cluster not ok within ${timeoutMs} ms: ${states.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Starts `masters` redis-server processes in cluster mode, each in a directory of its own, and joins them with
 * `redis-cli --cluster create` (slots split evenly, no replicas); resolves once every node says the cluster
 * is ok.
 */
export async function startRedisCluster({ masters = 3, timeoutMs = 20_000 } = {}): Promise<RedisClusterServers> {
  const dirs: string[] = [];
  const ports: number[] = [];
  const processes: ChildProcess[] = [];
  const clients: Cluster[] = [];
  const argsFor = (port: number) => [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    `nodes-${port}.conf`,
    '--cluster-node-timeout',
    String(NODE_TIMEOUT_MS),
  ];
  const stop = async () => {
    for (const client of clients) client.disconnect();
    for (const child of processes) child.kill('SIGKILL');
    await Promise.all(processes.map(exited));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      const port = await clusterPort();
      const dir = mkdtempSync(join(tmpdir(), `gw-cluster-${port}-`));
      dirs.push(dir);
      ports.push(port);
      processes.push(await launch(port, 5_000, argsFor(port), dir));
    }
    const created = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'],
      { encoding: 'utf8', timeout: timeoutMs },
    );
    if (created.status !== 0) {
      throw new Error(`redis-cli --cluster create failed: ${created.stdout.slice(-1000)} ${created.stderr}`);
    }
    await waitClusterOk(ports, timeoutMs);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes: ports.map((port) => `redis://127.0.0.1:${port}`),
    async kill(index) {
      const child = processes[index];
      if (child === undefined) throw new Error(`no node ${index}`);
      child.kill('SIGKILL');
      await exited(child);
    },
    async restart(index) {
      const port = ports[index];
      const dir = dirs[index];
      if (port === undefined || dir === undefined) throw new Error(`no node ${index}`);
      processes[index] = await launch(port, 5_000, argsFor(port), dir);
      await waitClusterOk(ports, timeoutMs);
    },
    client() {
      const client = new Cluster(
        ports.map((port) => ({ host: '127.0.0.1', port })),
        { scaleReads: 'master' },
      );
      client.on('error', () => {});
      clients.push(client);
      return client;
    },
    stop,
  };
}

/** A cluster for a whole test file, with a client to look at it; both gone after the file. */
export interface SuiteCluster {
  /** Throws when the suite was skipped for want of redis-server. */
  servers(): RedisClusterServers;
  inspector(): Cluster;
}

/** Starts a three-master cluster in `beforeAll` (unless redis-server is unavailable) and stops it in `afterAll`. */
export function redisClusterForSuite(availability: { readonly available: boolean }): SuiteCluster {
  let cluster: RedisClusterServers | undefined;
  let inspector: Cluster | undefined;
  beforeAll(async () => {
    if (!availability.available) return;
    cluster = await startRedisCluster();
    inspector = cluster.client();
  }, 40_000);
  afterAll(async () => {
    await cluster?.stop();
  });
  return {
    servers() {
      if (cluster === undefined) throw new Error('no redis cluster');
      return cluster;
    },
    inspector() {
      if (inspector === undefined) throw new Error('no redis cluster');
      return inspector;
    },
  };
}
