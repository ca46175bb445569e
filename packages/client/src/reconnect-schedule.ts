import { type BackoffPolicy, backoffDelay } from './backoff';
import type { ReconnectOptions } from './options';
import { type Clock, Timer } from './timer';

export interface ScheduledReconnect {
  /** Counts from 0 since the last connection that stayed up `stableAfterMs`. */
  readonly attempt: number;
  readonly delay_ms: number;
}

/**
 * When to reconnect: backoff with full jitter that grows while connections fail, starts over once a
 * connection has stayed ready `stableAfterMs` (a flapping server keeps its clients backing off), and
 * gives way to a server-paced `reconnect` (after_ms plus jitter, not counted as an attempt) — once per
 * stable connection: a server that keeps asking for quick reconnects gets backoff all the same.
 */
export class ReconnectSchedule {
  readonly #policy: BackoffPolicy & { readonly stableAfterMs: number };
  readonly #timer: Timer;
  readonly #stableTimer: Timer;
  readonly #random: () => number;
  #attempts = 0;
  #paced: number | undefined;
  /** A paced reconnect was honoured since the last stable connection. */
  #pacedBefore = false;

  constructor(clock: Clock, random: () => number, options: ReconnectOptions, reconnect: () => void) {
    this.#policy = { minDelayMs: 500, maxDelayMs: 30_000, stableAfterMs: 10_000, ...options };
    this.#random = random;
    this.#timer = new Timer(clock, reconnect);
    this.#stableTimer = new Timer(clock, () => this.restart());
  }

  /** The server asked for a reconnect after `afterMs` plus up to `jitterMs` (default: the shortest backoff). */
  pace(afterMs = 0, jitterMs = this.#policy.minDelayMs): void {
    this.#paced = Math.min(this.#policy.maxDelayMs, afterMs + Math.floor(this.#random() * jitterMs));
  }

  /** The next delay, counting an attempt unless the server paced it. Call `start` to run it. */
  next(): ScheduledReconnect {
    const attempt = this.#attempts;
    const paced = this.#paced;
    this.#paced = undefined;
    if (paced !== undefined && !this.#pacedBefore) {
      this.#pacedBefore = true;
      return { attempt, delay_ms: paced };
    }
    this.#attempts++;
    return { attempt, delay_ms: Math.max(paced ?? 0, backoffDelay(attempt, this.#random(), this.#policy)) };
  }

  start(delayMs: number): void {
    this.#timer.start(delayMs);
  }

  /** A session is ready: if it stays up long enough, the attempts start over. */
  connected(): void {
    this.#stableTimer.start(this.#policy.stableAfterMs);
  }

  /** The connection dropped: if it had not stayed up long enough, it does not reset the attempts. */
  disconnected(): void {
    this.#stableTimer.stop();
  }

  /** A reconnect happens now (or not at all): the scheduled one is cancelled. */
  cancel(): void {
    this.#timer.stop();
  }

  /** A fresh start (`connect()` after idle or closed). */
  restart(): void {
    this.#attempts = 0;
    this.#pacedBefore = false;
  }

  stop(): void {
    this.#timer.stop();
    this.#stableTimer.stop();
    this.#paced = undefined;
  }
}
