import type { Channel } from '../core/ports/backplane';
import type { Clock } from '../core/ports/clock';
import type { Logger } from '../core/ports/logger';

export interface ShardRetryDeps {
  /** SSUBSCRIBE one channel. */
  subscribe(channel: Channel): Promise<unknown>;
  /** Whether a local node still needs the channel. */
  wanted(channel: Channel): boolean;
  /** The wait before retry `attempt` (1-based). */
  delayMs(attempt: number): number;
  /** Told whenever `settled` may have changed. */
  changed(): void;
  clock: Clock;
  logger: Logger;
}

/**
 * On a Redis Cluster, the channels whose sharded subscribe failed, retried with backoff until each is
 * subscribed or no longer wanted. ioredis re-subscribes by itself only the channels it once subscribed, and
 * refuses one whose slot's master it has no connection for (a master that died and is not back yet): without
 * this, such a channel would stay deaf for good. Meanwhile the backplane is degraded.
 */
export class ShardRetry {
  private readonly failed = new Set<Channel>();
  private timer: unknown;
  private attempt = 0;
  private stopped = false;

  constructor(private readonly deps: ShardRetryDeps) {}

  /** True when no wanted channel is waiting for a retry. */
  get settled(): boolean {
    return this.failed.size === 0;
  }

  failedOn(channel: Channel, error: unknown): void {
    if (this.stopped) return;
    if (this.failed.size === 0) {
      this.deps.logger.warn({ err: error, channel }, 'redis backplane sharded subscribe failed; retrying');
    }
    this.failed.add(channel);
    this.schedule();
    this.deps.changed();
  }

  forget(channel: Channel): void {
    if (this.failed.delete(channel) && this.failed.size === 0) this.deps.changed();
  }

  stop(): void {
    this.stopped = true;
    this.deps.clock.clearTimeout(this.timer);
    this.failed.clear();
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    this.timer = this.deps.clock.setTimeout(() => this.retry(), this.deps.delayMs(++this.attempt));
  }

  private async retry(): Promise<void> {
    this.timer = undefined;
    const channels = [...this.failed];
    await Promise.all(
      channels.map(async (channel) => {
        if (!this.deps.wanted(channel)) {
          this.failed.delete(channel);
          return;
        }
        try {
          await this.deps.subscribe(channel);
          this.failed.delete(channel);
        } catch {
          // Still refused: it stays for the next attempt.
        }
      }),
    );
    if (this.stopped) return;
    if (this.failed.size > 0) this.schedule();
    else {
      this.attempt = 0;
      this.deps.logger.info({ channels: channels.length }, 'redis backplane sharded subscriptions made after retrying');
    }
    this.deps.changed();
  }
}
