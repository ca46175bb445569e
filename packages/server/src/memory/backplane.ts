import {
  type Backplane,
  type BackplaneListener,
  type BackplaneMessage,
  type BackplaneNode,
  type BackplaneStatus,
  type Channel,
  roomOfChannel,
} from '../core/ports/backplane';
import { systemClock } from '../core/ports/clock';
import { DEFAULT_LOG_RETENTION, type LogRetention, type RoomLogBudget } from '../core/ports/room-logs';
import { InMemoryRoomLogs } from './room-logs';

const MAX_REMEMBERED_ONCE_KEYS = 100_000;

export interface InMemoryBackplaneOptions {
  /** Epoch ms, for `status().since` and the room logs' age bound. @default the system clock's */
  readonly now?: () => number;
  /** Each room's log retention. @default DEFAULT_LOG_RETENTION for every room */
  readonly retentionFor?: (roomId: string) => LogRetention;
  /** Every room log together. */
  readonly logBudget?: RoomLogBudget;
}

/** The default backplane: synchronous delivery inside one process. Gateways sharing an instance see each other. */
export class InMemoryBackplane implements Backplane {
  /**
   * Listeners per channel. Arrays replaced on every change, never changed in place: a delivery walks the
   * array it started with, and a channel with one listener (every user channel on one gateway) costs ~50
   * bytes where a Set costs ~150.
   */
  private readonly subscribers = new Map<Channel, readonly BackplaneListener[]>();
  /** Once-keys already published, oldest first. */
  private readonly published = new Set<string>();
  /**
   * Publishes made while a delivery is under way (a listener publishing in turn), delivered once it has
   * reached every listener: every gateway sharing this backplane then sees every channel in one order, as
   * they would through Redis.
   */
  private readonly queued: Array<{ channel: Channel; message: BackplaneMessage }> = [];
  private delivering = false;

  /** Nothing can fail in one process: it has been ok since `since` (epoch ms, from `now`). */
  private readonly since: number;
  /** Room dispatches asked to be logged are numbered here as they are published: one order for every gateway. */
  readonly logs: InMemoryRoomLogs;

  constructor(options: InMemoryBackplaneOptions = {}) {
    const now = options.now ?? systemClock.now;
    this.since = now();
    this.logs = new InMemoryRoomLogs({
      ...options.logBudget,
      now,
      retentionFor: options.retentionFor ?? (() => DEFAULT_LOG_RETENTION),
    });
  }

  connect(listener: BackplaneListener): BackplaneNode {
    const channels = new Set<Channel>();
    const subscribers = this.subscribers;
    // A closed node is inert: a late publish or subscribe from a stopping gateway goes nowhere.
    let closed = false;
    return {
      subscribe(channel) {
        if (closed) return;
        channels.add(channel);
        const listeners = subscribers.get(channel);
        // `concat` makes an array of exactly the right size; `push` would reserve 16 spare slots.
        if (listeners === undefined) subscribers.set(channel, [listener]);
        else if (!listeners.includes(listener)) subscribers.set(channel, listeners.concat(listener));
      },
      unsubscribe(channel) {
        channels.delete(channel);
        const listeners = subscribers.get(channel);
        if (listeners === undefined || !listeners.includes(listener)) return;
        const rest = listeners.filter((other) => other !== listener);
        if (rest.length > 0) subscribers.set(channel, rest);
        else subscribers.delete(channel);
      },
      publish: (channel, message) => {
        if (!closed) this.publish(channel, message);
      },
      status: (): BackplaneStatus => ({ kind: 'memory', state: 'ok', since: this.since, channels: channels.size }),
      listeners: async (channel) => subscribers.get(channel)?.length ?? 0,
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

  private publish(channel: Channel, published: BackplaneMessage): void {
    if (published.once !== undefined && !this.firstTime(published.once.key)) return;
    const roomId = published.log === true ? roomOfChannel(channel) : undefined;
    const message = roomId === undefined ? published : { ...published, logged: this.logs.append(roomId, published) };
    if (this.delivering) {
      this.queued.push({ channel, message });
      return;
    }
    this.delivering = true;
    let failure: { error: unknown } | undefined;
    try {
      failure = this.deliver(channel, message, failure);
      for (let next = this.queued.shift(); next !== undefined; next = this.queued.shift()) {
        failure = this.deliver(next.channel, next.message, failure);
      }
    } finally {
      this.delivering = false;
    }
    if (failure !== undefined) throw failure.error;
  }

  /** To every listener on the channel; keeps the first failure (one failing listener must not stop the rest). */
  private deliver(
    channel: Channel,
    message: BackplaneMessage,
    failure: { error: unknown } | undefined,
  ): { error: unknown } | undefined {
    let first = failure;
    // The array as it is now: a listener unsubscribing (a connection closing) meanwhile replaces it.
    for (const listener of this.subscribers.get(channel) ?? []) {
      try {
        listener(channel, message);
      } catch (error) {
        // The publisher hears of it once every listener has had the message.
        first ??= { error };
      }
    }
    return first;
  }
}
