import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CloseCode } from '@gateway/protocol';
import { describe, expect, it } from 'vitest';
import { startServer } from '../src/index';
import { ManualClock } from './helpers/manual-clock';
import { startTestServer } from './helpers/server';
import { connectClient, type TestClient } from './helpers/ws-client';

const quiet = { heartbeatIntervalMs: 3_600_000 };
const repoRoot = new URL('../../../', import.meta.url).pathname;

describe('graceful stop under load', () => {
  it('delivers every accepted message before closing and answers later sends with shutting_down', async () => {
    const pending: Array<() => void> = [];
    const t = await startTestServer({
      ...quiet,
      clock: new ManualClock(),
      persistMessage: () => new Promise<void>((resolve) => pending.push(resolve)),
    });
    const watcher = await t.joinRooms('watcher', ['r']);
    const senders = await Promise.all(['a', 'b', 'c'].map((user) => t.joinRooms(user, ['r'])));
    const SENT = 10;
    for (const [s, sender] of senders.entries()) {
      for (let i = 0; i < SENT; i++) {
        sender.send({
          type: 'chat.send',
          ref: `m${i}`,
          payload: { room_id: 'r', client_msg_id: `${s}-${i}`, content: `${s}-${i}` },
        });
      }
      await sender.reply(`m${SENT - 1}`);
    }
    expect(pending).toHaveLength(3 * SENT);

    const stopped = t.server.gateway.stop();
    const late = senders[0] as TestClient;
    late.send({ type: 'chat.send', ref: 'late', payload: { room_id: 'r', client_msg_id: 'late', content: 'late' } });
    expect((await late.reply('late')).payload.code).toBe('shutting_down');
    expect(watcher.all('goodbye')).toEqual([]);

    for (const release of pending.splice(0)) release();
    await stopped;
    const goodbye = await watcher.next('goodbye');
    expect(goodbye.payload).toMatchObject({ code: 4002, resumable: true });
    const delivered = watcher.frames.slice(0, watcher.frames.indexOf(goodbye)).filter((f) => f.type === 'chat.message');
    expect(delivered.map((frame) => frame.payload.content).sort()).toEqual(
      ['0', '1', '2'].flatMap((s) => Array.from({ length: SENT }, (_, i) => `${s}-${i}`)).sort(),
    );
    expect(watcher.frames.at(-2)?.type).toBe('reconnect');
    expect((await watcher.closed).code).toBe(CloseCode.going_away);
  });

  it('gives up waiting for a persist that never ends after stopTimeoutMs', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({
      ...quiet,
      clock,
      stopTimeoutMs: 5000,
      persistMessage: () => new Promise(() => {}),
    });
    const ann = await t.joinRooms('ann', ['r']);
    ann.send({ type: 'chat.send', ref: 'm', payload: { room_id: 'r', client_msg_id: 'm', content: 'stuck' } });
    await ann.reply('m');
    const stopped = t.server.gateway.stop();
    await ann.barrier();
    expect(ann.all('goodbye')).toEqual([]);
    clock.advance(5000);
    await stopped;
    expect((await ann.closed).code).toBe(CloseCode.going_away);
  });
});

describe('production mode', () => {
  it('refuses to start in dev mode with NODE_ENV=production, naming the fix', async () => {
    await expect(startServer({ port: 0, host: '127.0.0.1', logLevel: 'silent', production: true })).rejects.toThrow(
      /JWT_SECRET.*GATEWAY_DEV_MODE=1/,
    );
  });

  it('starts dev mode in production only when asked explicitly, and /health says dev', async () => {
    const t = await startTestServer({ production: true, allowDevMode: true });
    expect(await (await fetch(`${t.server.url}/health`)).json()).toMatchObject({ mode: 'dev' });
  });

  it('starts in production with a JWT secret', async () => {
    const t = await startTestServer({ production: true, jwtSecret: 'a-secret-long-enough-for-the-test' });
    expect(t.server.gateway.mode).toBe('jwt');
  });
});

/** Delivery, as one subscriber saw it before its goodbye. */
function chatBeforeGoodbye(client: TestClient): string[] {
  const goodbye = client.frames.findIndex((frame) => frame.type === 'goodbye');
  const before = goodbye === -1 ? client.frames : client.frames.slice(0, goodbye);
  return before.filter((frame) => frame.type === 'chat.message').map((frame) => frame.payload.client_msg_id);
}

/** The CLI as its own process on a free loopback port, in dev mode; resolves once it listens. */
async function startCli() {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@gateway/source', 'packages/server/src/cli.ts'],
    {
      cwd: repoRoot,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', NODE_ENV: 'development' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stderr.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg === 'gateway listening' && entry.port !== undefined) resolve(entry.port);
    });
    void exited.then((code) => reject(new Error(`the CLI exited with ${code} before listening`)));
  });
  // Without a listener a CLI killed before listening would be an unhandled rejection.
  port.catch(() => {});
  return { child, exited, port };
}

describe('the CLI on SIGTERM', () => {
  it('under continuous chat traffic, delivers every acked message to every subscriber and exits within 5 s', async () => {
    const { child, exited, port: listening } = await startCli();
    const timers: NodeJS.Timeout[] = [];
    try {
      const port = await listening;
      const join = async (user: string) => {
        const client = await connectClient(`ws://127.0.0.1:${port}/ws`);
        client.send({ type: 'identify', payload: { user_id: user, subscriptions: ['r'] } });
        await client.next('ready', 10_000);
        return client;
      };
      const senders = await Promise.all(['s0', 's1', 's2', 's3'].map(join));
      const watchers = await Promise.all(['w0', 'w1'].map(join));
      const sent = new Map<TestClient, number>();
      // 50 sends a second each: steady load, below the general rate limit (100/s) so none is refused for it.
      for (const [s, sender] of senders.entries()) {
        sent.set(sender, 0);
        const timer = setInterval(() => {
          if (sender.all('goodbye').length > 0 || sender.ws.readyState !== sender.ws.OPEN) return;
          const i = sent.get(sender) ?? 0;
          sent.set(sender, i + 1);
          const id = `s${s}-${i}`;
          sender.send({ type: 'chat.send', ref: id, payload: { room_id: 'r', client_msg_id: id, content: id } });
        }, 20);
        timers.push(timer);
      }
      const acked = () =>
        senders.flatMap((sender) =>
          sender.all('ack').flatMap((frame) => (frame.payload?.status === 'accepted' ? [frame.ref as string] : [])),
        );
      await expect.poll(() => acked().length, { timeout: 10_000 }).toBeGreaterThan(40);

      const signalledAt = Date.now();
      child.kill('SIGTERM');
      const everyone = [...senders, ...watchers];
      for (const client of everyone) {
        expect((await client.next('goodbye', 5000)).payload).toMatchObject({ code: 4002, resumable: true });
        expect((await client.closed).code).toBe(CloseCode.going_away);
      }
      expect(await exited).toBe(0);
      expect(Date.now() - signalledAt).toBeLessThan(5000);
      for (const timer of timers) clearInterval(timer);

      const accepted = acked();
      // The load stayed under the limits: the only refusals are the stop's, and those sends were not processed.
      const refused = senders.flatMap((sender) =>
        sender.all('error').filter((frame) => frame.payload.code === 'shutting_down'),
      );
      expect(senders.flatMap((sender) => sender.all('error')).length).toBe(refused.length);
      for (const client of everyone) {
        const delivered = chatBeforeGoodbye(client);
        expect(new Set(delivered).size).toBe(delivered.length);
        expect(delivered.filter((id) => !accepted.includes(id))).toEqual([]);
        expect(accepted.filter((id) => !delivered.includes(id))).toEqual([]);
      }
    } finally {
      for (const timer of timers) clearInterval(timer);
      child.kill('SIGKILL');
    }
  }, 30_000);

  it('sends reconnect + goodbye 4002 to every client and exits 0 within 5 s', async () => {
    const { child, exited, port: listening } = await startCli();
    try {
      const port = await listening;
      const clients = await Promise.all(
        ['ann', 'bob', 'cid'].map(async (user) => {
          const client = await connectClient(`ws://127.0.0.1:${port}/ws`);
          client.send({ type: 'identify', payload: { user_id: user, subscriptions: ['r'] } });
          await client.next('ready', 10_000);
          return client;
        }),
      );
      for (const [i, client] of clients.entries()) {
        client.send({ type: 'chat.send', ref: 'm', payload: { room_id: 'r', client_msg_id: `m${i}`, content: 'hi' } });
        await client.reply('m', 10_000);
      }
      const signalledAt = Date.now();
      child.kill('SIGTERM');
      for (const client of clients) {
        const goodbye = await client.next('goodbye', 5000);
        expect(client.frames[client.frames.indexOf(goodbye) - 1]?.type).toBe('reconnect');
        expect(goodbye.payload).toMatchObject({ code: 4002, resumable: true });
        expect((await client.closed).code).toBe(CloseCode.going_away);
      }
      expect(await exited).toBe(0);
      expect(Date.now() - signalledAt).toBeLessThan(5000);
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);
});
