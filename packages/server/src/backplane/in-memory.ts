import type { Backplane, BackplaneListener, BackplaneMessage, BackplaneNode, BackplaneStatus, Channel } from './types';

const MAX_REMEMBERED_ONCE_KEYS = 100_000;

/** The default backplane: synchronous delivery inside one process. Gateways sharing an instance see each other. */
export class InMemoryBackplane implements Backplane {
  private readonly subscribers = new Map<Channel, Set<BackplaneListener>>();
  /** Once-keys already published, oldest first. */
  private readonly published = new Set<string>();
  /** Nothing can fail in one process: it has been ok since it was made. */
  private readonly since = Date.now();

  connect(listener: BackplaneListener): BackplaneNode {
    const channels = new Set<Channel>();
    const subscribers = this.subscribers;
    // A closed node is inert: a late publish or subscribe from a stopping gateway goes nowhere.
    let closed = false;
    return {
      subscribe(channel) {
        if (closed) return;
        channels.add(channel);
        let set = subscribers.get(channel);
        if (set === undefined) {
          set = new Set();
          subscribers.set(channel, set);
        }
        set.add(listener);
      },
      unsubscribe(channel) {
        channels.delete(channel);
        const set = subscribers.get(channel);
        set?.delete(listener);
        if (set?.size === 0) subscribers.delete(channel);
      },
      publish: (channel, message) => {
        if (!closed) this.publish(channel, message);
      },
      status: (): BackplaneStatus => ({ kind: 'memory', state: 'ok', since: this.since, channels: channels.size }),
      close() {
        closed = true;
        for (const channel of channels) this.unsubscribe(channel);
      },
    };
  }

  /**
   * True the first time a once-key is published. Keys are remembered by count, not time (this backplane has
   * no clock): far more than a dedup window's worth of retries, and memory stays bounded.
   */
  private firstTime(key: string): boolean {
    if (this.published.has(key)) return false;
    this.published.add(key);
    if (this.published.size > MAX_REMEMBERED_ONCE_KEYS) {
      const oldest = this.published.values().next().value;
      if (oldest !== undefined) this.published.delete(oldest);
    }
    return true;
  }

  /** Channels with at least one subscriber, for tests and stats. */
  channelCount(): number {
    return this.subscribers.size;
  }

  private publish(channel: Channel, message: BackplaneMessage): void {
    if (message.once !== undefined && !this.firstTime(message.once.key)) return;
    const set = this.subscribers.get(channel);
    if (set === undefined) return;
    // Copy: a listener may unsubscribe (a connection closing) while we deliver.
    for (const listener of [...set]) listener(channel, message);
  }
}
