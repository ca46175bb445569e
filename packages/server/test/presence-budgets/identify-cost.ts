// What one more identify costs a server that already has N users online: the bytes it sends (its `ready`
// and every presence event it fans out) and the server's CPU time, with global presence on and off. The
// server runs in a child process of its own (CPU from `process.cpuUsage()` there); this process holds the N
// clients, each a distinct user. Prints one JSON line per N.
//
// Reads COST (JSON): { serverModule: path of the server's src/index.ts (this checkout's or another's),
// options: startServer options, users: [N, …], samples: identifies measured at each N (the median is kept) }.
// Run: `node --import tsx --conditions=@gateway/source packages/server/test/presence-budgets/identify-cost.ts`.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

interface Cost {
  serverModule: string;
  options?: Record<string, unknown>;
  users: number[];
  samples?: number;
}

type Usage = { user: number; system: number };

async function measure(cost: Cost): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, IDENTIFY_COST_SERVER: JSON.stringify(cost) },
    execArgv: process.execArgv,
  });
  const replies: Array<(message: { url?: string; cpu?: Usage }) => void> = [];
  child.on('message', (message: { url?: string; cpu?: Usage }) => replies.shift()?.(message));
  const ask = (what?: string) =>
    new Promise<{ url?: string; cpu?: Usage }>((resolve) => {
      replies.push(resolve);
      if (what !== undefined) child.send(what);
    });
  const { url } = await ask();
  if (url === undefined) throw new Error('the server did not start');

  const clients: Client[] = [];
  let next = 0;
  for (const target of cost.users) {
    while (clients.length < target - 1) {
      const batch = Array.from({ length: Math.min(100, target - 1 - clients.length) }, () => `u-${next++}`);
      clients.push(...(await Promise.all(batch.map((id) => Client.identify(url, id)))));
    }
    await settle(clients);
    const samples: Array<{ bytes: number; ready_bytes: number; events: number; cpu_ms: number }> = [];
    for (let s = 0; s < (cost.samples ?? 5); s++) {
      const newcomer = await Client.open(url);
      const before = { bytes: total(clients), frames: frames(clients), cpu: (await ask('cpu')).cpu as Usage };
      const userId = `u-${next++}`;
      await newcomer.send({ type: 'identify', payload: { user_id: userId } });
      await newcomer.until(() => newcomer.readyBytes > 0);
      // Everyone who is told of the newcomer is told exactly once; wait for what is on its way, sending nothing.
      await settle(clients);
      const after = (await ask('cpu')).cpu as Usage;
      samples.push({
        bytes: total(clients) - before.bytes + newcomer.readyBytes,
        ready_bytes: newcomer.readyBytes,
        events: frames(clients) - before.frames,
        cpu_ms: (after.user + after.system - before.cpu.user - before.cpu.system) / 1000,
      });
      clients.push(newcomer);
    }
    const median = (pick: (sample: (typeof samples)[number]) => number) =>
      samples.map(pick).sort((a, b) => a - b)[Math.floor(samples.length / 2)] ?? 0;
    process.stdout.write(
      `${JSON.stringify({
        users: target,
        options: cost.options ?? {},
        bytes_sent: median((sample) => sample.bytes),
        ready_bytes: median((sample) => sample.ready_bytes),
        events_fanned_out: median((sample) => sample.events),
        server_cpu_ms: Number(median((sample) => sample.cpu_ms).toFixed(2)),
      })}\n`,
    );
  }
  for (const client of clients) client.ws.terminate();
  child.kill();
  process.exit(0);
}

/** Resolves once no client has received anything for a while: what the server sent is in. */
async function settle(clients: Client[]): Promise<void> {
  let last = -1;
  for (;;) {
    const now = total(clients);
    if (now === last) return;
    last = now;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

const total = (clients: Client[]) => clients.reduce((sum, client) => sum + client.bytes, 0);
const frames = (clients: Client[]) => clients.reduce((sum, client) => sum + client.frames, 0);

class Client {
  bytes = 0;
  frames = 0;
  readyBytes = 0;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      if (this.readyBytes === 0 && data.includes('"type":"ready"')) this.readyBytes = data.length;
      else if (!data.includes('"type":"hello"')) {
        this.bytes += data.length;
        this.frames += 1;
      }
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static open(url: string): Promise<Client> {
    const client = new Client(new WebSocket(url));
    return new Promise((resolve, reject) => {
      client.ws.once('error', reject);
      client.ws.once('open', () => resolve(client));
    });
  }

  static async identify(url: string, userId: string): Promise<Client> {
    const client = await Client.open(url);
    await client.send({ type: 'identify', payload: { user_id: userId } });
    await client.until(() => client.readyBytes > 0);
    return client;
  }

  send(frame: object): Promise<void> {
    return new Promise((resolve, reject) =>
      this.ws.send(JSON.stringify(frame), (error) => (error ? reject(error) : resolve())),
    );
  }

  until(check: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out')), 30_000);
      const look = () => {
        if (check()) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(look);
      };
      look();
    });
  }
}

if (process.env.IDENTIFY_COST_SERVER !== undefined) {
  const { serverModule, options } = JSON.parse(process.env.IDENTIFY_COST_SERVER) as Cost;
  const { startServer } = (await import(serverModule)) as {
    startServer(options: Record<string, unknown>): Promise<{ wsUrl: string }>;
  };
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    heartbeatIntervalMs: 3_600_000,
    // Every client comes from 127.0.0.1: a server with caps per address (newer ones) must not count them.
    maxConnectionsPerAddress: Number.POSITIVE_INFINITY,
    maxUnidentifiedPerAddress: Number.POSITIVE_INFINITY,
    maxConnectionsPerUser: 10,
    ...options,
  });
  process.on('message', (message: string) => {
    if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  });
  // The measuring process went away (or failed): so does the server.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ url: server.wsUrl });
} else {
  await measure(JSON.parse(process.env.COST ?? '{}') as Cost);
}
