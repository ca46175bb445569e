// What a dropped session costs while it waits for a resume, as other users come and go. Run as a child process
// with `--expose-gc` so the heap is measured after full collections, in a process holding nothing else; prints
// one JSON line per checkpoint `{sessions, churn, retained_bytes, per_session_bytes, marginal_bytes, ...}`.
//
// Reads COST (JSON): { serverModule: path of the server's src/index.ts (this checkout's or another's), options:
// startServer options, sessions: how many connections identify (one distinct user each) and drop, or a list of
// checkpoints [1000, 3000] measured in one process, churn: how many other users then identify and leave cleanly
// (at each checkpoint) }. Sessions drop one batch of 50 after another, as clients of a crowded server do, so
// each waits through the joins of those after it. `marginal_bytes` is what each session since the previous
// checkpoint added (the heap's fixed growth, code compiled on the way, cancels out). Uses only the public API and the wire,
// so it runs against older checkouts too: `node --expose-gc --import tsx --conditions=@gateway/source
// packages/server/test/presence-budgets/detached-cost.ts` with COST set.
import WebSocket from 'ws';
import { settledHeap } from '../helpers/gc-child';

interface Cost {
  serverModule: string;
  options?: Record<string, unknown>;
  sessions: number | number[];
  churn: number;
}

const cost = JSON.parse(process.env.COST ?? '{}') as Cost;
// Before anything is measured: a process started without --expose-gc fails here, not halfway.
settledHeap();

/** Connects, identifies as `userId` and resolves once `ready` came, with the socket. */
function identify(url: string, userId: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready for ${userId}`)), 20_000);
    ws.once('error', reject);
    ws.on('message', (data) => {
      const text = data.toString();
      if (text.includes('"type":"hello"')) {
        ws.send(JSON.stringify({ type: 'identify', payload: { user_id: userId } }));
      } else if (text.includes('"type":"ready"')) {
        clearTimeout(timer);
        resolve(ws);
      }
    });
  });
}

const { startServer } = (await import(cost.serverModule)) as {
  startServer(options: Record<string, unknown>): Promise<{
    wsUrl: string;
    gateway: {
      stats(): { sessions: number; connections: number; budgets?: { detached_bytes?: { used: number } } };
    };
    close(): Promise<void>;
  }>;
};
const server = await startServer({
  port: 0,
  host: '127.0.0.1',
  logLevel: 'silent',
  heartbeatIntervalMs: 3_600_000,
  // Every client comes from 127.0.0.1: a server with caps per address (newer ones) must not count them.
  maxConnectionsPerAddress: Number.POSITIVE_INFINITY,
  maxUnidentifiedPerAddress: Number.POSITIVE_INFINITY,
  resumeWindowMs: 3_600_000,
  // The budgets would end sessions and hide what each one costs: lifted, this measures the cost itself.
  maxDetachedSessions: 1_000_000,
  maxDetachedBytes: Number.MAX_SAFE_INTEGER,
  rateLimits: { general: { burst: 1_000_000, perSecond: 1_000_000 } },
  ...cost.options,
});
const stats = () => server.gateway.stats();

// A first client and its departure warm up what any server allocates once (zod, JIT, buffers).
(await identify(server.wsUrl, 'warm-up')).close(1000);
await until(() => stats().sessions === 0 && stats().connections === 0);
const baseline = settledHeap();

const BATCH = 50;
let dropped = 0;
let passers = 0;
let before = { sessions: 0, retained: 0 };
for (const checkpoint of typeof cost.sessions === 'number' ? [cost.sessions] : cost.sessions) {
  for (; dropped < checkpoint; dropped += BATCH) {
    const ids = Array.from({ length: Math.min(BATCH, checkpoint - dropped) }, (_, k) => `dropped-${dropped + k}`);
    const sockets = await Promise.all(ids.map((id) => identify(server.wsUrl, id)));
    for (const ws of sockets) ws.terminate();
  }
  dropped = checkpoint;
  await until(() => stats().connections === 0 && stats().sessions === checkpoint);
  for (let i = 0; i < cost.churn; i += BATCH) {
    const ids = Array.from({ length: Math.min(BATCH, cost.churn - i) }, () => `passer-${passers++}`);
    const sockets = await Promise.all(ids.map((id) => identify(server.wsUrl, id)));
    for (const ws of sockets) ws.close(1000);
    await until(() => stats().connections === 0);
  }
  await until(() => stats().connections === 0 && stats().sessions === checkpoint);
  const retained = settledHeap() - baseline;
  process.stdout.write(
    `${JSON.stringify({
      sessions: checkpoint,
      churn: cost.churn,
      baseline_bytes: baseline,
      retained_bytes: retained,
      per_session_bytes: Math.round(retained / checkpoint),
      marginal_bytes: Math.round((retained - before.retained) / (checkpoint - before.sessions)),
      detached_bytes: stats().budgets?.detached_bytes?.used,
    })}\n`,
  );
  before = { sessions: checkpoint, retained };
}
await server.close();
process.exit(0);

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the server');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
