import { randomInt } from 'node:crypto';
import type { FaultPlan } from './proxy';

/**
 * What a run sets out to prove. `resume`: every drop is resumed within the resume window, so nothing may be
 * reset. `expiry`: the resume window is short and outages hold clients away past it, so sessions expire and
 * rooms must come back from the client's positions (`since`) instead: a `reset` naming no room is expected,
 * one naming the room (or a recovery with a hole) is a failure while the room's log reaches back.
 */
export type ChaosScenario = 'resume' | 'expiry';

/** The server's settings a scenario changes; absent, the server's defaults. */
export interface ChaosServerConfig {
  readonly resumeWindowMs?: number;
  /** Every room log keeps this many dispatches, and a recovery replays as many. */
  readonly roomLogEntries?: number;
}

/** One chaos run's size and timing; every loop in the run is bounded by these. */
export interface ChaosConfig {
  readonly scenario: ChaosScenario;
  readonly seed: number;
  readonly long: boolean;
  /** K: clients subscribed to the room. */
  readonly subscribers: number;
  /** N: ticks the server publishes to the room, numbered 1..N. */
  readonly events: number;
  /** How long publishing (and fault injection) lasts. */
  readonly publishMs: number;
  /** M: chat messages each subscriber sends while the ticks flow. */
  readonly messagesPerSubscriber: number;
  /** After faults stop: how long the clients get to catch up before the run fails. */
  readonly convergeMs: number;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatGraceMs: number;
  readonly server: ChaosServerConfig;
  /**
   * One proxy per subscriber instead of one for all: an outage then holds one client away rather than every
   * client at once.
   */
  readonly proxyPerSubscriber: boolean;
  readonly faults: FaultPlan;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/**
 * CI gets a short run (2000 ticks over 8 s); CHAOS_LONG=1 a soak (20000 over 60 s). CHAOS_EVENTS and
 * CHAOS_SECONDS override either; CHAOS_SEED replays a schedule (random otherwise, and always reported).
 */
export function readChaosConfig(env: NodeJS.ProcessEnv = process.env): ChaosConfig {
  const long = env.CHAOS_LONG === '1' || env.CHAOS_LONG === 'true';
  const seed = positiveInt(env, 'CHAOS_SEED') ?? randomInt(1, 2 ** 31);
  const seconds = positiveInt(env, 'CHAOS_SECONDS') ?? (long ? 60 : 8);
  const events = positiveInt(env, 'CHAOS_EVENTS') ?? (long ? 20_000 : 2_000);
  const heartbeatIntervalMs = 1_000;
  const heartbeatGraceMs = 500;
  return {
    scenario: 'resume',
    seed,
    long,
    subscribers: positiveInt(env, 'CHAOS_SUBSCRIBERS') ?? 5,
    events,
    publishMs: seconds * 1000,
    // About one message per 400 ms per subscriber, whatever the length of the run.
    messagesPerSubscriber: Math.max(1, Math.round(seconds * 2.5)),
    convergeMs: 15_000,
    heartbeatIntervalMs,
    heartbeatGraceMs,
    server: {},
    proxyPerSubscriber: false,
    faults: {
      // A connection lives 0.3–1.2 s between faults: several cuts and stalls per client in the short run.
      gapMs: [300, 1_200],
      weights: { cut: 4, stall: 4, delay: 2 },
      // Short stalls freeze the link and heal before anyone notices; long ones outlast the client's
      // dead-connection deadline (interval + grace = 1.5 s) and the server's (1.5 × interval + grace = 2 s).
      stallMs: [300, 2_500],
      delayEpisodeMs: [200, 1_500],
      chunkDelayMs: [1, 25],
    },
  };
}

/** The expiry scenario's resume window: no longer than any outage, longer than a quick cut's reconnect. */
const EXPIRY_WINDOW_MS = 1_000;

/**
 * The expiry scenario, from the same environment as `readChaosConfig` (a shorter default: 6 s, 1500 ticks; the
 * soak as long): the server forgets a session 1 s after its connection is lost, and outages hold a client away
 * 1–3 s (the client's reconnect loop finds the proxy shut meanwhile), so they outlast the window (the shortest
 * come back as it ends: a resume racing the expiry) while cuts and short stalls are still resumed. The room's
 * log keeps every dispatch of the run twice over, and a recovery may replay all of it: a recovery that is not
 * whole is then a bug, not a retention that ran out.
 */
export function readExpiryConfig(env: NodeJS.ProcessEnv = process.env): ChaosConfig {
  const base = readChaosConfig(env);
  const seconds = positiveInt(env, 'CHAOS_SECONDS') ?? (base.long ? 60 : 6);
  const events = positiveInt(env, 'CHAOS_EVENTS') ?? (base.long ? 20_000 : 1_500);
  const messagesPerSubscriber = Math.max(1, Math.round(seconds * 2.5));
  return {
    ...base,
    scenario: 'expiry',
    events,
    publishMs: seconds * 1000,
    messagesPerSubscriber,
    server: {
      resumeWindowMs: EXPIRY_WINDOW_MS,
      roomLogEntries: 2 * (events + base.subscribers * messagesPerSubscriber) + 1_000,
    },
    proxyPerSubscriber: true,
    faults: {
      ...base.faults,
      // Outages weigh most, so each client is held away past the window about twice in the short run; the
      // cuts and stalls between them are still resumed, and a client is connected for most of the run.
      gapMs: [400, 1_200],
      weights: { cut: 3, stall: 2, delay: 1, outage: 4 },
      outageMs: [1_000, 3_000],
    },
  };
}
