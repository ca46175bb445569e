import { randomInt } from 'node:crypto';
import type { FaultPlan } from './proxy';

/** One chaos run's size and timing; every loop in the run is bounded by these. */
export interface ChaosConfig {
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
