// Redis for the gateway under test: one redis-server, or a three-master Redis Cluster (issue 16), each
// process pinned with the gateway so its CPU and RSS are counted as the gateway's.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * @typedef {{child: import('node:child_process').ChildProcess, url: string, dir?: string}} RedisNode
 * @typedef {(core: string, command: string[]) => [string, string[]]} Pin
 */

/** A free loopback port. @returns {Promise<number>} */
function freePort() {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolvePromise(port));
    });
  });
}

/** @param {number} port @returns {Promise<boolean>} */
function accepts(port) {
  return new Promise((resolvePromise) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolvePromise(true);
    });
    socket.on('error', () => resolvePromise(false));
  });
}

/**
 * One redis-server on `port`, persistence off, up within 5 s.
 * @param {Pin} pinned @param {Set<import('node:child_process').ChildProcess>} children
 * @param {number} port @param {string[]} extra @param {string} [dir]
 */
async function launch(pinned, children, port, extra, dir) {
  const base = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const [file, args] = pinned('0', ['redis-server', ...base, '--loglevel', 'warning', ...extra]);
  const child = spawn(file, args, { stdio: 'ignore', ...(dir === undefined ? {} : { cwd: dir }) });
  children.add(child);
  child.on('exit', () => children.delete(child));
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    if (await accepts(port)) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server on ${port} did not start`);
}

/**
 * @param {Pin} pinned @param {Set<import('node:child_process').ChildProcess>} children
 * @returns {Promise<RedisNode[]>}
 */
export async function startRedis(pinned, children) {
  const port = await freePort();
  return [{ child: await launch(pinned, children, port, []), url: `redis://127.0.0.1:${port}` }];
}

/**
 * Three masters, no replicas, slots split evenly by `redis-cli --cluster create`; each port's cluster bus
 * port (port + 10000) must be free too. Resolves once every node says the cluster is ok.
 * @param {Pin} pinned @param {Set<import('node:child_process').ChildProcess>} children
 * @returns {Promise<RedisNode[]>}
 */
export async function startRedisCluster(pinned, children) {
  /** @type {RedisNode[]} */
  const nodes = [];
  try {
    for (let attempts = 0; nodes.length < 3 && attempts < 200; attempts++) {
      const port = await freePort();
      if (port > 55_000 || (await accepts(port + 10_000))) continue;
      const dir = mkdtempSync(join(tmpdir(), 'bench-cluster-'));
      const extra = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'];
      nodes.push({ child: await launch(pinned, children, port, extra, dir), url: `redis://127.0.0.1:${port}`, dir });
    }
    const addresses = nodes.map((node) => new URL(node.url).host);
    execFileSync('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], {
      stdio: 'ignore',
      timeout: 20_000,
    });
    const deadline = Date.now() + 20_000;
    for (;;) {
      const ok = nodes.every((node) => {
        const port = new URL(node.url).port;
        const info = execFileSync('redis-cli', ['-p', port, 'cluster', 'info'], { encoding: 'utf8', timeout: 5_000 });
        return info.includes('cluster_state:ok');
      });
      if (ok) return nodes;
      if (Date.now() > deadline) throw new Error('the Redis Cluster did not become ok within 20 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    stopRedisNodes(nodes);
    throw error;
  }
}

/** Kills the nodes and removes their directories. @param {RedisNode[]} nodes */
export function stopRedisNodes(nodes) {
  for (const node of nodes) {
    node.child.kill('SIGKILL');
    if (node.dir !== undefined) rmSync(node.dir, { recursive: true, force: true });
  }
}
