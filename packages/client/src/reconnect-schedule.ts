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
  private readonly _policy: BackoffPolicy & { readonly stableAfterMs: number };
  private readonly _timer: Timer;
  private readonly _stableTimer: Timer;
  private readonly _random: () => number;
  private _attempts = 0;
  private _paced: number | undefined;
  /** A paced reconnect was honoured since the last stable connection. */
  private _pacedBefore?: boolean;

  constructor(clock: Clock, random: () => number, options: ReconnectOptions, reconnect: () => void) {
    this._policy = { minDelayMs: 500, maxDelayMs: 30_000, stableAfterMs: 10_000, ...options };
    this._random = random;
    this._timer = new Timer(clock, reconnect);
    this._stableTimer = new Timer(clock, () => this.restart());
  }

  /** The server asked for a reconnect after `afterMs` plus up to `jitterMs` (default: the shortest backoff). */
  pace(afterMs = 0, jitterMs = this._policy.minDelayMs): void {
    this._paced = Math.min(this._policy.maxDelayMs, afterMs + Math.floor(this._random() * jitterMs));
  }

  /** The next delay, counting an attempt unless the server paced it. Call `start` to run it. */
  next(): ScheduledReconnect {
    const attempt = this._attempts;
    const paced = this._paced;
    this._paced = undefined;
    if (paced !== undefined && !this._pacedBefore) {
      this._pacedBefore = true;
      return { attempt, delay_ms: paced };
    }
    this._attempts++;
    return { attempt, delay_ms: Math.max(paced ?? 0, backoffDelay(attempt, this._random(), this._policy)) };
  }

  start(delayMs: number): void {
    this._timer.start(delayMs);
  }

  /** A session is ready: if it stays up long enough, the attempts start over. */
  connected(): void {
    this._stableTimer.start(this._policy.stableAfterMs);
  }

  /** The connection dropped: if it had not stayed up long enough, it does not reset the attempts. */
  disconnected(): void {
    this._stableTimer.stop();
  }

  /** A reconnect happens now (or not at all): the scheduled one is cancelled. */
  cancel(): void {
    this._timer.stop();
  }

  /** A fresh start (`connect()` after idle or closed). */
  restart(): void {
    this._attempts = 0;
    this._pacedBefore = false;
  }

  stop(): void {
    this._timer.stop();
    this._stableTimer.stop();
    this._paced = undefined;
  }
}
