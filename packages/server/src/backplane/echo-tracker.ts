import type { BackplaneMessage, Channel } from './types';

export interface AwaitedEcho {
  readonly channel: Channel;
  readonly message: BackplaneMessage;
}

/** How many ids of publishes already delivered locally are remembered, to drop their late echoes. */
const ABANDONED_LIMIT = 10_000;

/**
 * The publishes of this process that its own subscriber connection has not carried back yet. While Redis is
 * up, an instance delivers its own messages only through that echo (so every instance sees a channel in one
 * order); if the subscriber connection dies first, the echo never comes, even though Redis may have run the
 * publish. Those messages were never delivered here, so delivering them locally then loses nothing and
 * duplicates nothing.
 */
export class EchoTracker {
  private readonly awaiting = new Map<string, AwaitedEcho>();
  /** Ids delivered locally while an echo could still come (a command connection that broke alone). */
  private readonly abandoned = new Set<string>();
  private counter = 0;

  /** `tag` tells this process's ids from those of other processes on the same Redis. */
  constructor(private readonly tag: string) {}

  /** Registers a publish whose echo this process will hear; returns the id to put on the wire. */
  expect(channel: Channel, message: BackplaneMessage): string {
    const id = `${this.tag}.${++this.counter}`;
    this.awaiting.set(id, { channel, message });
    return id;
  }

  /**
   * The echo of `id` arrived: false when it must be dropped (the message was already delivered locally).
   * An id of another process, or one no longer awaited, is simply delivered.
   */
  heard(id: string): boolean {
    if (this.awaiting.delete(id)) return true;
    return !this.abandoned.delete(id);
  }

  /** The publish never went out (or Redis declined it): no echo will come. */
  cancel(id: string): void {
    this.awaiting.delete(id);
  }

  /**
   * Gives up waiting for one echo while the subscriber connection is still up; the caller delivers it locally.
   * Undefined when it already came back or was handed over.
   */
  abandon(id: string): AwaitedEcho | undefined {
    const awaited = this.awaiting.get(id);
    if (awaited === undefined) return undefined;
    this.awaiting.delete(id);
    if (this.abandoned.size >= ABANDONED_LIMIT) {
      const oldest = this.abandoned.values().next();
      if (oldest.done !== true) this.abandoned.delete(oldest.value);
    }
    this.abandoned.add(id);
    return awaited;
  }

  /**
   * The subscriber connection is gone: no awaited echo can arrive any more. Returns them in publish order
   * for local delivery, and forgets everything (a new connection never carries an old message).
   */
  takeAll(): AwaitedEcho[] {
    const all = [...this.awaiting.values()];
    this.awaiting.clear();
    this.abandoned.clear();
    return all;
  }

  /** This process stopped receiving `channel`: its echoes will be dropped, so stop waiting for them. */
  forgetChannel(channel: Channel): void {
    if (this.awaiting.size === 0) return;
    for (const [id, awaited] of this.awaiting) if (awaited.channel === channel) this.awaiting.delete(id);
  }

  get size(): number {
    return this.awaiting.size;
  }
}
