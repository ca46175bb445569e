import type { Backplane, BackplaneListener, BackplaneMessage, BackplaneNode, Channel } from './types';

/** The default backplane: synchronous delivery inside one process. Gateways sharing an instance see each other. */
export class InMemoryBackplane implements Backplane {
  private readonly subscribers = new Map<Channel, Set<BackplaneListener>>();

  connect(listener: BackplaneListener): BackplaneNode {
    const channels = new Set<Channel>();
    const subscribers = this.subscribers;
    return {
      subscribe(channel) {
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
      publish: (channel, message) => this.publish(channel, message),
      close() {
        for (const channel of channels) this.unsubscribe(channel);
      },
    };
  }

  /** Channels with at least one subscriber, for tests and stats. */
  channelCount(): number {
    return this.subscribers.size;
  }

  private publish(channel: Channel, message: BackplaneMessage): void {
    const set = this.subscribers.get(channel);
    if (set === undefined) return;
    // Copy: a listener may unsubscribe (a connection closing) while we deliver.
    for (const listener of [...set]) listener(channel, message);
  }
}
