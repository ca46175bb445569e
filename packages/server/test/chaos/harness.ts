import { setTimeout as pause } from 'node:timers/promises';
import { createClient } from '@gateway/client';
import { type GatewayStats, type RunningServer, startServer } from '../../src/index';
import type { ChaosConfig } from './config';
import { mulberry32 } from './prng';
import { ChaosProxy, type FaultCounters, noFaults } from './proxy';
import { type ChaosClient, chaosEvents, Subscriber } from './subscriber';
import { judge, type Spread, type SubscriberFigures, spread } from './verdict';
import { withDeadline } from './wait';

const ROOM = 'chaos-room';
/** How often the publisher wakes to catch up with its schedule: pacing, not waiting for a condition. */
const PUBLISH_TICK_MS = 10;
const FIRST_READY_MS = 10_000;
const BARRIER_MS = 5_000;

/** The figures a run reports, whatever its outcome. */
export interface ChaosFigures {
  readonly seed: number;
  readonly config: Omit<ChaosConfig, 'seed' | 'faults'>;
  readonly faultPlan: ChaosConfig['faults'];
  readonly faults: FaultCounters;
  readonly published: number;
  /** Ticks delivered to applications, all subscribers together. */
  readonly delivered: number;
  readonly duplicates: number;
  readonly outOfOrder: number;
  readonly losses: number;
  /** `reset` events, whatever they named. */
  readonly resets: number;
  /** Sessions the clients found expired when they came back (`invalid_session`), then identified anew. */
  readonly invalidSessions: number;
  /** How the room came back from the clients' positions after their sessions were lost. */
  readonly recovery: {
    /** Answers to `since`, one per new session of a client that held a position. */
    readonly answered: number;
    readonly whole: number;
    /** Dispatches replayed from the room's log by those answers. */
    readonly replayed: number;
    /** Recoveries with a hole (`reason missed_from-missed_to`). */
    readonly holes: number;
    /** Resets that named the room: the room's state was lost and refetched (a full reset). */
    readonly roomResets: number;
  };
  readonly gaps: number;
  readonly resumes: number;
  readonly replayed: number;
  readonly chat: {
    readonly sent: number;
    readonly acked: number;
    readonly duplicateAcks: number;
    readonly rejected: number;
    readonly deliveries: number;
    readonly duplicates: number;
    readonly losses: number;
  };
  /** Socket lost → ready or resumed again, per reconnect (includes detection of stalls, backoff, handshake). */
  readonly reconnectMs: Spread | null;
  /** `hello` → `resumed`, per resume. */
  readonly resumeMs: Spread | null;
  /** Faults stopped → every subscriber caught up. */
  readonly convergeMs: number | null;
  readonly elapsedMs: number;
  readonly server: GatewayStats | null;
  readonly subscribers: SubscriberFigures[];
}

export interface ChaosOutcome {
  readonly figures: ChaosFigures;
  readonly violations: string[];
}

/** Opens a subscriber through its proxy: dev mode, the room in identify, jitter drawn from the run's seed. */
function openSubscriber(config: ChaosConfig, proxy: ChaosProxy, index: number): Subscriber {
  const name = `sub-${index}`;
  const client: ChaosClient = createClient({
    url: `ws://127.0.0.1:${proxy.port}/ws`,
    userId: name,
    displayName: name,
    deviceId: `${name}-device`,
    rooms: [ROOM],
    events: chaosEvents,
    random: mulberry32(config.seed + index + 1),
    // Half the clients take the server's grace and give a stalled link up after interval + 500 ms of silence,
    // before the server does; the other half keep the client's default (5 s), so the server declares their
    // stalled links dead first (goodbye 4001, delivered when the stall ends) — both detection paths get used.
    ...(index % 2 === 0 ? { heartbeatGraceMs: config.heartbeatGraceMs } : {}),
    // Quick retries, so an outage stays well inside the default replay buffer at this publishing rate.
    reconnect: { minDelayMs: 50, maxDelayMs: 500, stableAfterMs: 2_000 },
  });
  return new Subscriber(name, client, ROOM);
}

/** Publishes ticks 1..N to the room, spread evenly over `publishMs`. */
async function publish(server: RunningServer<typeof chaosEvents>, config: ChaosConfig): Promise<void> {
  const startedAt = Date.now();
  let published = 0;
  // Bounded twice: the schedule reaches N once publishMs has passed, and the wake-ups are capped.
  const maxWakeUps = Math.ceil(config.publishMs / PUBLISH_TICK_MS) * 4 + 100;
  for (let wakeUp = 0; published < config.events && wakeUp < maxWakeUps; wakeUp++) {
    await pause(PUBLISH_TICK_MS);
    const due = Math.min(config.events, Math.ceil(((Date.now() - startedAt) / config.publishMs) * config.events));
    while (published < due) {
      published++;
      server.gateway.broadcast('chaos.tick', { n: published }, { room: ROOM });
    }
  }
  while (published < config.events) {
    published++;
    server.gateway.broadcast('chaos.tick', { n: published }, { room: ROOM });
  }
}

/** Sends M chat messages from one subscriber at even intervals; each send is left running (queued while offline). */
async function chatter(subscriber: Subscriber, index: number, config: ChaosConfig, sends: Promise<void>[]) {
  const intervalMs = config.publishMs / config.messagesPerSubscriber;
  // Staggered, so the subscribers do not all send in the same instant.
  await pause((index / config.subscribers) * intervalMs);
  for (let i = 0; i < config.messagesPerSubscriber; i++) {
    if (i > 0) await pause(intervalMs);
    sends.push(subscriber.send(`${config.seed}-${subscriber.name}-${i}`, `${subscriber.name} says ${i}`));
  }
}

/** Caught up: ready, and either every tick and every acked message seen, or its room reset (judged later). */
function caughtUp(subscriber: Subscriber, config: ChaosConfig, expected: readonly string[]): boolean {
  if (subscriber.state !== 'ready') return false;
  if (config.scenario === 'resume' ? subscriber.resets.length > 0 : subscriber.roomResets > 0) return true;
  return subscriber.distinctTicks.size >= config.events && expected.every((id) => subscriber.distinctMessages.has(id));
}

function describeProgress(subscriber: Subscriber, config: ChaosConfig, expected: readonly string[]): string {
  const missing = expected.filter((id) => !subscriber.distinctMessages.has(id)).length;
  return (
    `${subscriber.name} state=${subscriber.state} ticks=${subscriber.distinctTicks.size}/${config.events} ` +
    `chat missing=${missing} resets=${subscriber.resets.length} room resets=${subscriber.roomResets} sends pending=` +
    `${subscriber.sent.filter((sent) => sent.ackedAt === undefined && sent.rejected === undefined).length}`
  );
}

/** The proxies' seeds: the run's own for a shared proxy (the schedule it always had), one derived per client otherwise. */
function proxySeed(config: ChaosConfig, index: number): number {
  return config.proxyPerSubscriber ? (config.seed + 7_919 * (index + 1)) % 2 ** 31 || 1 : config.seed;
}

/** Every proxy's counters, added up. */
function addCounters(proxies: readonly ChaosProxy[]): FaultCounters {
  const total = noFaults();
  for (const proxy of proxies) {
    for (const key of Object.keys(total) as (keyof FaultCounters)[]) total[key] += proxy.counters[key];
  }
  return total;
}

/**
 * One chaos run: the real server (in memory) behind the fault-injecting proxy (one for all clients, or one
 * each), K real clients subscribed to one room; the server publishes N ticks while each client sends M chat
 * messages and the proxy cuts, stalls, delays and (in the expiry scenario) holds clients away past the resume
 * window. Then faults stop, every client gets `convergeMs` to catch up, and the run is judged.
 * Never throws for a broken promise of the system under test: those come back as violations.
 */
export async function runChaos(config: ChaosConfig): Promise<ChaosOutcome> {
  const startedAt = Date.now();
  const violations: string[] = [];
  let server: RunningServer<typeof chaosEvents> | undefined;
  const proxies: ChaosProxy[] = [];
  const subscribers: Subscriber[] = [];
  let convergeMs: number | null = null;
  let stats: GatewayStats | null = null;
  try {
    server = await startServer({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      heartbeatGraceMs: config.heartbeatGraceMs,
      events: chaosEvents,
      ...serverOptions(config),
    });
    const targetPort = server.port;
    const proxyCount = config.proxyPerSubscriber ? config.subscribers : 1;
    for (let i = 0; i < proxyCount; i++) {
      proxies.push(await ChaosProxy.start({ targetPort, seed: proxySeed(config, i), faults: config.faults }));
    }
    for (let i = 0; i < config.subscribers; i++) {
      const proxy = proxies[config.proxyPerSubscriber ? i : 0];
      if (proxy === undefined) throw new Error(`no proxy for subscriber ${i}`);
      subscribers.push(openSubscriber(config, proxy, i));
    }
    await Promise.all(
      subscribers.map((subscriber) =>
        subscriber.until(() => subscriber.state === 'ready', FIRST_READY_MS, 'the first ready'),
      ),
    );

    const sends: Promise<void>[] = [];
    await Promise.all([publish(server, config), ...subscribers.map((s, i) => chatter(s, i, config, sends))]);

    // Quiet period: no new faults, so the system can converge.
    for (const proxy of proxies) proxy.calm();
    const calmAt = Date.now();
    const deadlineAt = calmAt + config.convergeMs;
    const left = () => Math.max(0, deadlineAt - Date.now());
    const unsettled = () => subscribers.flatMap((s) => s.sent.filter((m) => m.ackedAt === undefined && !m.rejected));
    await withDeadline(Promise.all(sends), left(), 'settled sends').catch(() => {});
    if (unsettled().length > 0)
      violations.push(`${unsettled().length} send(s) unsettled ${config.convergeMs} ms after faults stopped`);

    const expected = subscribers.flatMap((s) =>
      s.sent.filter((m) => m.ackedAt !== undefined).map((m) => m.client_msg_id),
    );
    const converged = await Promise.allSettled(
      subscribers.map((s) => s.until(() => caughtUp(s, config, expected), left(), 'catching up')),
    );
    const stuck = subscribers.filter((_, i) => converged[i]?.status === 'rejected');
    if (stuck.length > 0) {
      violations.push(
        `not caught up ${config.convergeMs} ms after faults stopped: ` +
          stuck.map((s) => describeProgress(s, config, expected)).join('; '),
      );
    } else {
      convergeMs = Date.now() - calmAt;
    }

    // A round trip on each connection: whatever the server sent before it (late duplicates too) has arrived.
    const barriers = await Promise.allSettled(
      subscribers.map((s) =>
        withDeadline(
          s.client.fetchStream('chaos-barrier').then(
            () => 'ack',
            (error: { code?: string }) => error.code ?? 'unknown',
          ),
          BARRIER_MS,
          'barrier answer',
        ),
      ),
    );
    barriers.forEach((barrier, i) => {
      const answer = barrier.status === 'fulfilled' ? barrier.value : String(barrier.reason);
      if (answer !== 'not_found') violations.push(`${subscribers[i]?.name}: the final barrier got "${answer}"`);
    });
    stats = server.gateway.stats();
    for (const subscriber of subscribers) subscriber.finalState = subscriber.state;
  } finally {
    for (const subscriber of subscribers) subscriber.client.close();
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await server?.close();
  }

  const verdict = judge(subscribers, config.events, config.scenario);
  violations.push(...verdict.violations);
  return {
    figures: summarise(config, addCounters(proxies), verdict.subscribers, subscribers, convergeMs, stats, startedAt),
    violations,
  };
}

/** The scenario's server settings as `startServer` options; none for the defaults. */
function serverOptions(config: ChaosConfig) {
  const { resumeWindowMs, roomLogEntries } = config.server;
  return {
    ...(resumeWindowMs === undefined ? {} : { resumeWindowMs }),
    ...(roomLogEntries === undefined
      ? {}
      : {
          roomLogDefault: { maxEntries: roomLogEntries, maxBytes: roomLogEntries * 1_024 },
          maxRecover: roomLogEntries,
        }),
  };
}

function summarise(
  config: ChaosConfig,
  faults: FaultCounters,
  figures: SubscriberFigures[],
  subscribers: readonly Subscriber[],
  convergeMs: number | null,
  server: GatewayStats | null,
  startedAt: number,
): ChaosFigures {
  const sum = (pick: (figures: SubscriberFigures) => number) => figures.reduce((total, f) => total + pick(f), 0);
  const { seed, faults: faultPlan, ...rest } = config;
  return {
    seed,
    config: rest,
    faultPlan,
    faults,
    published: config.events,
    delivered: sum((f) => f.ticksDelivered),
    duplicates: sum((f) => f.tickDuplicates + f.chatDuplicates),
    outOfOrder: sum((f) => f.tickOutOfOrder),
    losses: sum((f) => f.ticksLost + f.chatLost),
    resets: sum((f) => f.resets),
    invalidSessions: sum((f) => f.invalidSessions),
    recovery: {
      answered: sum((f) => f.recoveries),
      whole: sum((f) => f.recoveredWhole),
      replayed: sum((f) => f.recoveryReplayed),
      holes: sum((f) => f.holes.length),
      roomResets: sum((f) => f.roomResets),
    },
    gaps: sum((f) => f.gaps),
    resumes: sum((f) => f.resumes),
    replayed: sum((f) => f.replayed),
    chat: {
      sent: sum((f) => f.sent),
      acked: sum((f) => f.acked),
      duplicateAcks: sum((f) => f.duplicateAcks),
      rejected: sum((f) => f.rejectedSends),
      deliveries: sum((f) => f.chatSeen),
      duplicates: sum((f) => f.chatDuplicates),
      losses: sum((f) => f.chatLost),
    },
    reconnectMs: spread(subscribers.flatMap((s) => s.reconnectMs)),
    resumeMs: spread(subscribers.flatMap((s) => s.resumeMs)),
    convergeMs,
    elapsedMs: Date.now() - startedAt,
    server,
    subscribers: figures,
  };
}
