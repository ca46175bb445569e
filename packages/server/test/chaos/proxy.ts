import { EventEmitter } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { between, mulberry32 } from './prng';

/**
 * `outage` cuts the link and then refuses every new connection to the proxy for a while: with one proxy per
 * client, that client is held away (a tunnel, a locked phone) for as long as the plan says, past the server's
 * resume window if need be.
 */
export type FaultKind = 'cut' | 'stall' | 'delay' | 'outage';

/** When and how hard a connection is hurt; every range is `[min, max]` in ms, drawn from the seeded generator. */
export interface FaultPlan {
  /** Quiet time before a connection's first fault, and between the end of one fault and the next. */
  readonly gapMs: readonly [number, number];
  /** Relative odds of each kind of fault; `outage` left out is 0, so older plans draw the same schedule. */
  readonly weights: Readonly<Record<Exclude<FaultKind, 'outage'>, number>> & { readonly outage?: number };
  /** How long a stall freezes both directions; the upper bound caps every zombie. */
  readonly stallMs: readonly [number, number];
  /** How long a delay episode lasts. */
  readonly delayEpisodeMs: readonly [number, number];
  /** How long each chunk is held during a delay episode (order is kept: a chunk never overtakes an earlier one). */
  readonly chunkDelayMs: readonly [number, number];
  /** How long an outage refuses new connections after its cut; required when `weights.outage` is above 0. */
  readonly outageMs?: readonly [number, number];
}

export interface ProxyOptions {
  /** The port on 127.0.0.1 every accepted connection is forwarded to. */
  readonly targetPort: number;
  /** Decides the fault schedule (which fault, when, how long, where a cut splits a chunk). */
  readonly seed: number;
  /** No plan: a plain pass-through. */
  readonly faults?: FaultPlan;
}

export interface FaultCounters {
  connections: number;
  cuts: number;
  stalls: number;
  delays: number;
  outages: number;
  /** Connections accepted during an outage and closed at once, before any byte was forwarded. */
  refused: number;
  delayedChunks: number;
  /** Cuts that fell inside a chunk, forwarding only part of it (a torn WebSocket frame). */
  tornChunks: number;
  bytesToTarget: number;
  bytesToClient: number;
}

export interface FaultEvent {
  readonly kind: FaultKind | 'stall-end' | 'delay-end' | 'outage-end';
  /** Which accepted connection, counting from 1. */
  readonly connection: number;
}

/** A cut waits this long for a chunk to tear before it simply closes both sides. */
const CUT_FALLBACK_MS = 50;
/** After one side has closed, the other gets this long to finish its own close before it is destroyed. */
const LINGER_MS = 1000;

interface Held {
  readonly chunk: Buffer;
  readonly at: number;
}

/** One direction of a link: bytes read from `from`, written to `to`, in order. */
interface Direction {
  readonly from: Socket;
  readonly to: Socket;
  readonly queue: Held[];
  /** Release time of the last queued chunk: a later chunk is never released before it. */
  lastAt: number;
  timer: NodeJS.Timeout | undefined;
  /** `from` sent its FIN: end `to` once the queue is empty. */
  ended: boolean;
  /** `to` pushed back: `from` stays paused until it drains. */
  blocked: boolean;
  readonly bytes: 'bytesToTarget' | 'bytesToClient';
}

interface LinkHooks {
  readonly faultsOn: () => boolean;
  readonly counters: FaultCounters;
  readonly report: (event: FaultEvent) => void;
  readonly gone: (link: Link) => void;
  /** Refuses new connections for `ms` from now. */
  readonly outage: (ms: number) => void;
}

/** A client connection and its upstream twin, forwarding both ways and hurting the pair on schedule. */
class Link {
  readonly #id: number;
  readonly #random: () => number;
  readonly #plan: FaultPlan | undefined;
  readonly #hooks: LinkHooks;
  readonly #toTarget: Direction;
  readonly #toClient: Direction;
  /** The one pending fault timer: the next fault, the end of the current stall or delay, or a cut's fallback. */
  #faultTimer: NodeJS.Timeout | undefined;
  #lingerTimer: NodeJS.Timeout | undefined;
  #stalled = false;
  #delaying = false;
  #cutPending = false;
  #sideClosed = false;
  #destroyed = false;

  constructor(
    id: number,
    client: Socket,
    target: Socket,
    random: () => number,
    plan: FaultPlan | undefined,
    hooks: LinkHooks,
  ) {
    this.#id = id;
    this.#random = random;
    this.#plan = plan;
    this.#hooks = hooks;
    this.#toTarget = direction(client, target, 'bytesToTarget');
    this.#toClient = direction(target, client, 'bytesToClient');
    for (const dir of [this.#toTarget, this.#toClient]) {
      dir.from.on('data', (chunk: Buffer) => this.#onData(dir, chunk));
      dir.from.on('end', () => {
        dir.ended = true;
        this.#pump(dir);
      });
      // Every socket error is followed by `close`, where the link decides what to do.
      dir.from.on('error', () => {});
      dir.from.on('close', () => this.#onSideClosed());
    }
    this.#scheduleFault();
  }

  /** Stops hurting this link: no new fault, a running stall or delay episode ends now, a pending cut is called off. */
  calm(): void {
    this.#clearFaultTimer();
    this.#cutPending = false;
    this.#delaying = false;
    if (this.#stalled) this.#unstall();
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#clearFaultTimer();
    clearTimeout(this.#lingerTimer);
    for (const dir of [this.#toTarget, this.#toClient]) {
      clearTimeout(dir.timer);
      dir.queue.length = 0;
      dir.from.destroy();
    }
    this.#hooks.gone(this);
  }

  // ── forwarding ────────────────────────────────────────────────────────────

  #onData(dir: Direction, chunk: Buffer): void {
    if (this.#destroyed) return;
    if (this.#cutPending) {
      // Forward a random prefix only, so the far side sees a frame torn in half before the close.
      const keep = Math.floor(this.#random() * chunk.length);
      if (keep > 0) {
        this.#write(dir, chunk.subarray(0, keep));
        this.#hooks.counters.tornChunks++;
      }
      this.destroy();
      return;
    }
    const now = Date.now();
    let at = now;
    if (this.#delaying && this.#plan !== undefined) {
      at = Math.max(dir.lastAt, now + between(this.#random, this.#plan.chunkDelayMs));
      this.#hooks.counters.delayedChunks++;
    }
    dir.lastAt = Math.max(dir.lastAt, at);
    if (dir.queue.length === 0 && at <= now && !this.#stalled) {
      this.#write(dir, chunk);
      return;
    }
    dir.queue.push({ chunk, at });
    this.#pump(dir);
  }

  /** Releases every chunk that is due, in order; nothing moves while stalled. */
  #pump(dir: Direction): void {
    clearTimeout(dir.timer);
    dir.timer = undefined;
    if (this.#stalled || this.#destroyed) return;
    const now = Date.now();
    for (let head = dir.queue[0]; head !== undefined; head = dir.queue[0]) {
      if (head.at > now) {
        dir.timer = setTimeout(() => this.#pump(dir), head.at - now);
        return;
      }
      dir.queue.shift();
      this.#write(dir, head.chunk);
    }
    if (dir.ended && !dir.to.destroyed && !dir.to.writableEnded) dir.to.end();
  }

  #write(dir: Direction, chunk: Buffer): void {
    if (dir.to.destroyed || dir.to.writableEnded) return;
    this.#hooks.counters[dir.bytes] += chunk.length;
    if (dir.to.write(chunk) || dir.blocked) return;
    dir.blocked = true;
    dir.from.pause();
    dir.to.once('drain', () => {
      dir.blocked = false;
      if (!this.#stalled) dir.from.resume();
    });
  }

  /** One side is gone: flush what is owed to the other, end it, and destroy both if it lingers. */
  #onSideClosed(): void {
    this.#sideClosed = true;
    this.#settle();
  }

  #settle(): void {
    // A zombie keeps its other side open until the stall ends: that is the point of a stall.
    if (!this.#sideClosed || this.#stalled || this.#destroyed || this.#lingerTimer !== undefined) return;
    for (const dir of [this.#toTarget, this.#toClient]) {
      if (dir.from.destroyed) dir.ended = true;
      this.#pump(dir);
    }
    this.#lingerTimer = setTimeout(() => this.destroy(), LINGER_MS);
    if (this.#toTarget.from.destroyed && this.#toClient.from.destroyed) this.destroy();
  }

  // ── faults ────────────────────────────────────────────────────────────────

  #scheduleFault(): void {
    const plan = this.#plan;
    if (plan === undefined || this.#destroyed || !this.#hooks.faultsOn()) return;
    this.#faultTimer = setTimeout(() => this.#fault(plan), between(this.#random, plan.gapMs));
  }

  #fault(plan: FaultPlan): void {
    this.#faultTimer = undefined;
    if (this.#destroyed || !this.#hooks.faultsOn()) return;
    const kind = pickKind(plan.weights, this.#random());
    const counters = this.#hooks.counters;
    this.#hooks.report({ kind, connection: this.#id });
    switch (kind) {
      case 'cut':
        counters.cuts++;
        this.#cutPending = true;
        this.#faultTimer = setTimeout(() => this.destroy(), CUT_FALLBACK_MS);
        return;
      case 'stall':
        counters.stalls++;
        this.#stalled = true;
        for (const dir of [this.#toTarget, this.#toClient]) {
          clearTimeout(dir.timer);
          dir.from.pause();
        }
        this.#faultTimer = setTimeout(
          () => {
            this.#faultTimer = undefined;
            this.#unstall();
            this.#scheduleFault();
          },
          between(this.#random, plan.stallMs),
        );
        return;
      case 'outage':
        counters.outages++;
        // Before the cut, so the client's first reconnect already finds the door shut.
        this.#hooks.outage(between(this.#random, plan.outageMs ?? [0, 0]));
        this.destroy();
        return;
      case 'delay':
        counters.delays++;
        this.#delaying = true;
        this.#faultTimer = setTimeout(
          () => {
            this.#faultTimer = undefined;
            this.#delaying = false;
            this.#hooks.report({ kind: 'delay-end', connection: this.#id });
            this.#scheduleFault();
          },
          between(this.#random, plan.delayEpisodeMs),
        );
        return;
    }
  }

  #unstall(): void {
    this.#stalled = false;
    this.#hooks.report({ kind: 'stall-end', connection: this.#id });
    for (const dir of [this.#toTarget, this.#toClient]) {
      if (!dir.blocked) dir.from.resume();
      this.#pump(dir);
    }
    this.#settle();
  }

  #clearFaultTimer(): void {
    clearTimeout(this.#faultTimer);
    this.#faultTimer = undefined;
  }
}

function direction(from: Socket, to: Socket, bytes: Direction['bytes']): Direction {
  return { from, to, queue: [], lastAt: 0, timer: undefined, ended: false, blocked: false, bytes };
}

function pickKind(weights: FaultPlan['weights'], roll: number): FaultKind {
  const kinds: FaultKind[] = ['cut', 'stall', 'delay', 'outage'];
  const weight = (kind: FaultKind) => (kind === 'outage' ? (weights.outage ?? 0) : weights[kind]);
  const total = kinds.reduce((sum, kind) => sum + weight(kind), 0);
  let left = roll * total;
  for (const kind of kinds) {
    left -= weight(kind);
    if (left < 0) return kind;
  }
  return 'delay';
}

/** Counters before anything happened. */
export function noFaults(): FaultCounters {
  return {
    connections: 0,
    cuts: 0,
    stalls: 0,
    delays: 0,
    outages: 0,
    refused: 0,
    delayedChunks: 0,
    tornChunks: 0,
    bytesToTarget: 0,
    bytesToClient: 0,
  };
}

/**
 * A TCP proxy on 127.0.0.1 that sits between WebSocket clients and the gateway and hurts each connection on
 * a seeded schedule: cuts (both sides destroyed, often mid-frame), stalls (nothing forwarded either way while
 * both sockets stay open: a zombie the endpoints' dead-connection detection must find), delays (chunks held
 * a few ms, in order) and, when the plan weighs them, outages (a cut, then every new connection closed as it is
 * accepted until the outage ends). Emits `fault` with a FaultEvent for each.
 */
export class ChaosProxy extends EventEmitter<{ fault: [FaultEvent] }> {
  readonly counters: FaultCounters = noFaults();

  readonly #server: Server;
  readonly #links = new Set<Link>();
  readonly #options: ProxyOptions;
  readonly #random: () => number;
  #faultsOn = true;
  /** While an outage lasts: when it ends (Date.now() time) and the timer that reports its end. */
  #outage: { until: number; timer: NodeJS.Timeout } | undefined;

  private constructor(options: ProxyOptions) {
    super();
    this.#options = options;
    this.#random = mulberry32(options.seed);
    // Half-open on both sides, so a FIN is passed on only after the bytes held before it.
    this.#server = createServer({ allowHalfOpen: true }, (client) => this.#accept(client));
  }

  static async start(options: ProxyOptions): Promise<ChaosProxy> {
    const proxy = new ChaosProxy(options);
    const server = proxy.#server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return proxy;
  }

  /** The port the proxy listens on, on 127.0.0.1. */
  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Connections currently forwarded. */
  get open(): number {
    return this.#links.size;
  }

  /** Stops injecting faults: running stalls and delay episodes end now, no new ones start, on old or new links. */
  calm(): void {
    this.#faultsOn = false;
    if (this.#outage !== undefined) this.#endOutage();
    for (const link of this.#links) link.calm();
  }

  async close(): Promise<void> {
    this.calm();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const link of [...this.#links]) link.destroy();
    await closed;
  }

  #startOutage(ms: number): void {
    const until = Date.now() + ms;
    // Two outages overlapping (two links of one client, say): the door stays shut until the later one ends.
    if (this.#outage !== undefined && this.#outage.until >= until) return;
    if (this.#outage !== undefined) clearTimeout(this.#outage.timer);
    this.#outage = { until, timer: setTimeout(() => this.#endOutage(), ms) };
  }

  #endOutage(): void {
    clearTimeout(this.#outage?.timer);
    this.#outage = undefined;
    this.emit('fault', { kind: 'outage-end', connection: this.counters.connections });
  }

  #accept(client: Socket): void {
    if (this.#outage !== undefined) {
      // Accepted by the kernel before we could say no: closing it at once is the nearest thing to a refusal.
      this.counters.refused++;
      client.on('error', () => {});
      client.destroy();
      return;
    }
    const id = ++this.counters.connections;
    const target = connect({ host: '127.0.0.1', port: this.#options.targetPort, allowHalfOpen: true });
    client.setNoDelay(true);
    target.setNoDelay(true);
    // Each link draws from its own generator, seeded from the proxy's, so one link's traffic does not shift
    // another's schedule.
    const linkRandom = mulberry32(Math.floor(this.#random() * 4_294_967_296));
    const link = new Link(id, client, target, linkRandom, this.#options.faults, {
      faultsOn: () => this.#faultsOn,
      counters: this.counters,
      report: (event) => this.emit('fault', event),
      gone: (gone) => this.#links.delete(gone),
      outage: (ms) => this.#startOutage(ms),
    });
    this.#links.add(link);
  }
}
