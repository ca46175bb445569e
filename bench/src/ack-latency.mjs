// chat.send → ack on the gateway, in memory and on Redis (issue 12): what the durable ack costs. On Redis an
// `accepted` ack leaves only once the message is noted in `{prefix}unpublished:{server_id}` (one awaited
// round trip); in memory nothing changed. Not part of `pnpm bench` (whose scenarios are server-side fan-out);
// run it alone, on a quiet machine:
//
//   node bench/src/ack-latency.mjs [--connections 50] [--room-size 5] [--seconds 5] [--runs 3] [--no-memory]
//                                  [--label before] [--server-src packages/server/.before/src]
//
// Each connection is its own user in a room of `--room-size`, sends chat.send and the next one as soon as
// its ack arrives (closed loop, one in flight per connection, as the reference client's queue does); rate
// limits are lifted so the gateway is the limit. Acks/s and the client-side send → ack latency (µs clock,
// loopback and ws included) are counted after a 1 s warm-up; medians over the runs. The gateway (from
// source through tsx, one process per run) and redis-server share core 0, this load generator takes core 1
// (taskset, when present). The server is this checkout's packages/server/src, or `--server-src`: for an A/B,
// a copy with the change undone, inside packages/server so that its imports resolve.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WebSocket } from 'ws';

const defaultServerSrc = fileURLToPath(new URL('../../packages/server/src', import.meta.url));
const say = (text) => process.stdout.write(`${text}\n`);
const args = process.argv.slice(2);
const value = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? Number(args[at + 1]) : fallback;
};

/** @type {string | undefined} */
let serverSrc;

if (args.includes('--serve')) await serve();
else await main();

/** The gateway under test, in this process (started by `main` through tsx): prints its port, then serves. */
async function serve() {
  const source = pathToFileURL(resolvePath(process.env.BENCH_SERVER_SRC ?? defaultServerSrc, 'index.ts')).href;
  const { startServer } = await import(source);
  const redisUrl = process.env.BENCH_REDIS_URL;
  const unlimited = { burst: 1e9, perSecond: 1e9 };
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    globalPresence: false,
    maxConnectionsPerAddress: Number.POSITIVE_INFINITY,
    maxUnidentifiedPerAddress: Number.POSITIVE_INFINITY,
    rateLimits: { general: unlimited },
    ...(redisUrl ? { redisUrl } : {}),
  });
  process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
}

async function main() {
  const connections = value('connections', 50);
  const roomSize = value('room-size', 5);
  const seconds = value('seconds', 5);
  const runs = value('runs', 3);
  // Names the variant measured (say "before", with the server sources of another commit in the tree).
  const label = args.includes('--label') ? args[args.indexOf('--label') + 1] : undefined;
  // Another copy of packages/server/src to measure (inside packages/server, so its imports resolve).
  serverSrc = args.includes('--server-src') ? resolvePath(args[args.indexOf('--server-src') + 1]) : undefined;
  const taskset = spawnSync('taskset', ['--version']).status === 0;
  if (taskset) spawnSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });
  const redisOk = spawnSync('redis-server', ['--version']).status === 0;
  const backends = [...(args.includes('--no-memory') ? [] : ['memory']), ...(redisOk ? ['redis'] : [])];
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  say(
    `chat.send → ack: ${connections} connections (rooms of ${roomSize}), ${seconds} s per run, median of ${runs}` +
      ` (commit ${commit}${label ? `, ${label}` : ''}${serverSrc ? `, server ${serverSrc}` : ''}; taskset ${taskset ? 'on' : 'absent'})`,
  );
  say('| backend | acks/s | p50 ms | p90 ms | p99 ms | errors |');
  say('| ------- | -----: | -----: | -----: | -----: | -----: |');
  for (const backend of backends) {
    const results = [];
    for (let run = 0; run < runs; run++) results.push(await once(backend, connections, roomSize, seconds, taskset));
    const median = (pick) => results.map(pick).sort((a, b) => a - b)[Math.floor(results.length / 2)] ?? 0;
    const ms = (us) => (us / 1000).toFixed(2);
    say(
      `| ${label ? `${label} ` : ''}${backend} | ${Math.round(median((r) => r.rate))} | ${ms(median((r) => r.p50))} | ${ms(median((r) => r.p90))} | ${ms(median((r) => r.p99))} | ${results.reduce((sum, r) => sum + r.errors, 0)} |`,
    );
  }
}

/** One run: a fresh redis-server (for Redis) and gateway, the load, then both stopped. */
async function once(backend, connections, roomSize, seconds, taskset) {
  const pin = (command) => (taskset ? ['taskset', ['-c', '0', ...command]] : [command[0], command.slice(1)]);
  const children = [];
  try {
    let redisUrl;
    if (backend === 'redis') {
      const port = await freePort();
      const [file, argv] = pin(['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '']);
      const redis = spawn(file, [...argv, '--appendonly', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
      children.push(redis);
      redisUrl = `redis://127.0.0.1:${port}`;
      await waitForPort(port);
    }
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const self = fileURLToPath(import.meta.url);
    const [file, argv] = pin([process.execPath, '--import', tsx, '--conditions=@gateway/source', self, '--serve']);
    const env = {
      ...process.env,
      NODE_ENV: 'test',
      ...(redisUrl ? { BENCH_REDIS_URL: redisUrl } : {}),
      ...(serverSrc ? { BENCH_SERVER_SRC: serverSrc } : {}),
    };
    const gateway = spawn(file, argv, { stdio: ['ignore', 'pipe', 'inherit'], env });
    children.push(gateway);
    const port = await new Promise((resolve, reject) => {
      let text = '';
      gateway.stdout.on('data', (chunk) => {
        text += chunk;
        const line = text.split('\n').find((l) => l.startsWith('{"port"'));
        if (line) resolve(JSON.parse(line).port);
      });
      gateway.once('exit', (code) => reject(new Error(`gateway exited (${code})`)));
    });
    return await load(`ws://127.0.0.1:${port}/ws`, connections, roomSize, seconds);
  } finally {
    for (const child of children) child.kill('SIGKILL');
  }
}

/** Opens every connection, then lets each send one message after another; counts what the window saw. */
async function load(url, connections, roomSize, seconds) {
  const nowUs = () => Number(process.hrtime.bigint() / 1000n);
  const latencies = [];
  let errors = 0;
  let measuring = false;
  let stopped = false;
  const sockets = await Promise.all(
    Array.from({ length: connections }, (_, i) => open(url, `ack-${i}`, `room-${Math.floor(i / roomSize)}`)),
  );
  for (const [i, { ws, room }] of sockets.entries()) {
    let n = 0;
    let sentAt = 0;
    const next = () => {
      if (stopped) return;
      n++;
      sentAt = nowUs();
      const payload = { room_id: room, client_msg_id: `c-${i}-${n}`, content: `message ${n} from ${i}` };
      ws.send(JSON.stringify({ type: 'chat.send', payload, ref: `s${n}` }));
    };
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data));
      if (frame.ref !== `s${n}`) return;
      if (frame.type === 'error') {
        if (measuring) errors++;
      } else if (measuring) latencies.push(nowUs() - sentAt);
      next();
    });
    next();
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  measuring = true;
  const startedAt = nowUs();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  measuring = false;
  stopped = true;
  const elapsedS = (nowUs() - startedAt) / 1e6;
  for (const { ws } of sockets) ws.terminate();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { rate: latencies.length / elapsedS, p50: at(0.5), p90: at(0.9), p99: at(0.99), errors };
}

/** hello → identify (dev mode) → ready → subscribe to its room. */
function open(url, user, room) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('error', reject);
    const onMessage = (data) => {
      const frame = JSON.parse(String(data));
      if (frame.type === 'hello') ws.send(JSON.stringify({ type: 'identify', payload: { user_id: user } }));
      else if (frame.type === 'ready')
        ws.send(JSON.stringify({ type: 'subscribe', payload: { room_ids: [room] }, ref: 'sub' }));
      else if (frame.ref === 'sub') {
        ws.off('message', onMessage);
        if (frame.type === 'error') reject(new Error(`subscribe refused: ${frame.payload?.code}`));
        else resolve({ ws, room });
      }
    };
    ws.on('message', onMessage);
  });
}

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port) {
  const { connect } = await import('node:net');
  for (let attempt = 0; attempt < 100; attempt++) {
    const up = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on port ${port}`);
}
