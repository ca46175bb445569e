import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createClient, type GatewayClient } from '../src/index';
import { FakeNetwork, type FakeSocket, hello, settle } from './fake-socket';
import { ManualClock } from './manual-clock';

/**
 * Model-based test of the whole client (fast-check `fc.asyncModelRun`) against a scripted server over
 * in-memory sockets and a manual clock. The server publishes a stream of dispatches; the network loses
 * single frames (found again by gap repair), duplicates old ones, and cuts the connection; the server
 * resumes the session or has lost it (a new session: the client must say `reset`); replays are answered
 * or refused; chat sends are made at any time and their acks may be lost.
 *
 * Whatever happens, the application sees each dispatch at most once, in order, with a hole only right
 * after a `reset`; once the network settles it has the stream's tail; and every chat send is accepted by
 * the server exactly once and resolves.
 */

interface Sent {
  readonly type: string;
  readonly payload?: Record<string, unknown>;
  readonly ref?: string;
}

type Seen = { readonly kind: 'event'; readonly session: number; readonly seq: number } | { readonly kind: 'reset' };

class World {
  readonly clock = new ManualClock();
  readonly network = new FakeNetwork();
  readonly client: GatewayClient;
  readonly seen: Seen[] = [];
  readonly sends: Promise<unknown>[] = [];
  /** client_msg_id → how many times the server accepted it (must end at exactly 1 each). */
  readonly accepted = new Map<string, number>();
  session = 0;
  published = 0;
  up = false;
  refusals = 0;
  sessionsLost = 0;
  #socket: FakeSocket | undefined;
  #handled = 0;
  #replays: Sent[] = [];
  #sendCount = 0;

  constructor() {
    this.client = createClient({
      url: 'ws://model',
      userId: 'alice',
      WebSocket: this.network.WebSocket,
      clock: this.clock,
      random: () => 0,
      reconnect: { minDelayMs: 100, maxDelayMs: 100 },
      requestTimeoutMs: 3_600_000,
      heartbeatGraceMs: 3_600_000,
    });
    this.client.on('chat.message', (m) => {
      const [session, seq] = m.content.split(':').map(Number);
      this.seen.push({ kind: 'event', session: session ?? -1, seq: seq ?? -1 });
    });
    this.client.on('reset', () => this.seen.push({ kind: 'reset' }));
  }

  get socket(): FakeSocket {
    if (this.#socket === undefined) throw new Error('no socket');
    return this.#socket;
  }

  frame(seq: number) {
    return {
      type: 'chat.message',
      seq,
      payload: {
        message_id: `m${this.session}-${seq}`,
        room_id: 'r1',
        sender_id: 'bob',
        kind: 'text',
        content: `${this.session}:${seq}`,
        created_at: '2025-01-01T00:00:00.000Z',
      },
    };
  }

  deliver(seq: number): void {
    this.socket.deliver(this.frame(seq));
  }

  replayAfter(since: number): number {
    for (let seq = since + 1; seq <= this.published; seq++) this.deliver(seq);
    return Math.max(0, this.published - since);
  }

  /** The server reads what the client sent since last time: replays wait for a command, chat sends are served. */
  serve(ackLost = false): void {
    if (!this.up) return;
    const frames = this.socket.sent.slice(this.#handled);
    this.#handled = this.socket.sent.length;
    for (const frame of frames) {
      if (frame.type === 'replay') this.#replays.push(frame);
      if (frame.type !== 'chat.send') continue;
      const id = String(frame.payload?.client_msg_id);
      const duplicate = this.accepted.has(id);
      if (!duplicate) {
        this.accepted.set(id, 1);
        this.published += 1;
        this.deliver(this.published);
      }
      if (!ackLost) {
        this.socket.deliver({
          type: 'ack',
          ref: frame.ref,
          payload: { status: 'accepted', message_id: `c-${id}`, client_msg_id: id, room_id: 'r1', duplicate },
        });
      }
    }
  }

  answerReplay(refuse: boolean): void {
    const replay = this.#replays.shift();
    if (replay === undefined || !this.up) return;
    if (refuse) {
      this.refusals += 1;
      this.socket.deliver({ type: 'error', ref: replay.ref, payload: { code: 'replay_unavailable', message: 'gone' } });
      return;
    }
    const replayed = this.replayAfter(Number(replay.payload?.since));
    this.socket.deliver({ type: 'ack', ref: replay.ref, payload: { replayed } });
  }

  send(): void {
    this.#sendCount += 1;
    const id = `send-${this.#sendCount}`;
    this.sends.push(this.client.sendMessage('r1', 'hi', { clientMsgId: id }));
  }

  cut(): void {
    if (!this.up) return;
    this.up = false;
    this.#replays = [];
    this.socket.drop(1006);
  }

  /** A server-paced reconnect (drain): the client closes the socket itself and comes back after after_ms. */
  drain(): void {
    if (!this.up) return;
    this.socket.deliver({ type: 'reconnect', payload: { after_ms: 100, jitter_ms: 0 } });
    expect(this.socket.closedWith?.code).toBe(4000);
    this.up = false;
    this.#replays = [];
  }

  /** The client's reconnect runs; the server resumes the session unless it has lost it. */
  async reconnect(sessionKept: boolean): Promise<void> {
    if (this.up) return;
    this.clock.advance(100);
    this.#socket = this.network.last;
    this.#handled = 0;
    this.socket.accept();
    this.socket.deliver(hello());
    await settle();
    this.up = true;
    const first = this.socket.sent[0];
    this.#handled = 1;
    if (first?.type === 'resume' && sessionKept) {
      const replayed = this.replayAfter(Number(first.payload?.seq));
      this.socket.deliver({ type: 'resumed', payload: { session_id: `s${this.session}`, replayed } });
      return;
    }
    if (first?.type === 'resume') {
      this.sessionsLost += 1;
      this.socket.deliver({ type: 'invalid_session', payload: { resumable: false } });
      this.#handled = 2;
    }
    this.session += 1;
    this.published = 0;
    this.socket.deliver({
      type: 'ready',
      payload: {
        session_id: `s${this.session}`,
        user: { id: 'alice' },
        device_id: 'd1',
        subscriptions: [],
        presence: [],
      },
    });
  }
}

interface Model {
  up: boolean;
}

type Cmd = fc.AsyncCommand<Model, World>;

const command = (name: string, check: (m: Readonly<Model>) => boolean, run: (m: Model, w: World) => unknown): Cmd => ({
  check,
  async run(m, w) {
    await run(m, w);
    w.serve();
    await settle();
    checkSeen(w);
  },
  toString: () => name,
});

const publish = (lost: boolean) =>
  command(
    lost ? 'publish(lost)' : 'publish',
    () => true,
    (_, w) => {
      w.published += 1;
      if (w.up && !lost) w.deliver(w.published);
    },
  );
const duplicate = (pick: number) =>
  command(
    `duplicate(${pick.toFixed(2)})`,
    (m) => m.up,
    (_, w) => {
      if (w.published > 0) w.deliver(1 + Math.floor(pick * w.published));
    },
  );
const answerReplay = command(
  'answerReplay',
  (m) => m.up,
  (_, w) => w.answerReplay(false),
);
const refuseReplay = command(
  'refuseReplay',
  (m) => m.up,
  (_, w) => w.answerReplay(true),
);
const send = command(
  'send',
  () => true,
  (_, w) => w.send(),
);
const serveAckLost = command(
  'serve(ack lost)',
  (m) => m.up,
  (_, w) => w.serve(true),
);
const cut = command(
  'cut',
  (m) => m.up,
  (m, w) => {
    m.up = false;
    w.cut();
  },
);
const paced = command(
  'reconnect frame',
  (m) => m.up,
  (m, w) => {
    m.up = false;
    w.drain();
  },
);
const reconnect = (sessionKept: boolean) =>
  command(
    sessionKept ? 'resume' : 'sessionLost',
    (m) => !m.up,
    async (m, w) => {
      m.up = true;
      await w.reconnect(sessionKept);
    },
  );

function checkSeen(w: World): void {
  let previous: { session: number; seq: number } | undefined;
  let afterReset = false;
  for (const entry of w.seen) {
    if (entry.kind === 'reset') {
      afterReset = true;
      continue;
    }
    if (previous === undefined || entry.session !== previous.session) {
      if (!afterReset) expect(entry.seq).toBe(1);
      if (previous !== undefined) expect(entry.session).toBeGreaterThan(previous.session);
    } else if (afterReset) {
      expect(entry.seq).toBeGreaterThan(previous.seq);
    } else {
      expect(entry.seq).toBe(previous.seq + 1);
    }
    previous = entry;
    afterReset = false;
  }
  const resets = w.seen.filter((entry) => entry.kind === 'reset').length;
  expect(resets).toBeGreaterThanOrEqual(w.sessionsLost);
  expect(resets).toBeLessThanOrEqual(w.sessionsLost + w.refusals);
}

const commands = fc.commands(
  [
    fc.constant(publish(false)),
    fc.constant(publish(false)),
    fc.constant(publish(true)),
    fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }).map(duplicate),
    fc.constant(answerReplay),
    fc.constant(refuseReplay),
    fc.constant(send),
    fc.constant(serveAckLost),
    fc.constant(cut),
    fc.constant(paced),
    fc.constant(reconnect(true)),
    fc.constant(reconnect(false)),
  ],
  { size: '+1' },
);

describe('the client against a model of the server and the network', () => {
  it('every dispatch once and in order or after a reset; every chat send accepted exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(commands, async (cmds) => {
        const world = new World();
        try {
          await world.reconnect(true); // the first connection: identify, session 1
          await fc.asyncModelRun(() => ({ model: { up: true }, real: world }), cmds);
          // The network settles: back up (resuming), one more event, every replay answered, every send served.
          await world.reconnect(true);
          world.published += 1;
          world.deliver(world.published);
          for (let round = 0; round < 5; round++) {
            world.serve();
            await settle();
            world.answerReplay(false);
            await settle();
          }
          checkSeen(world);
          expect(world.seen.at(-1)).toEqual({ kind: 'event', session: world.session, seq: world.published });
          const results = await Promise.all(world.sends);
          expect(results).toHaveLength(world.sends.length);
          expect([...world.accepted.keys()].sort()).toEqual(world.sends.map((_, i) => `send-${i + 1}`).sort());
          expect([...world.accepted.values()].every((count) => count === 1)).toBe(true);
          if (world.refusals === 0 && world.sessionsLost === 0) {
            expect(world.seen.filter((entry) => entry.kind === 'reset')).toEqual([]);
          }
        } finally {
          world.client.close();
        }
      }),
      { numRuns: 150 },
    );
  });
});
