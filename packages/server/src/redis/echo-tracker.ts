import type { BackplaneMessage, Channel } from '../core/ports/backplane';

export interface QueuedMessage {
  readonly channel: Channel;
  readonly message: BackplaneMessage;
}

interface Entry extends QueuedMessage {
  /** Set while the echo of this publish may still come; absent once it is to be delivered here. */
  id: string | undefined;
}

/** How many ids of publishes already delivered locally are remembered, to drop their late echoes. */
const ABANDONED_LIMIT = 10_000;

/**
 * This process's own messages, in the order it published them, until they reach its own sessions. While
 * Redis is up an instance delivers its own messages only through their echo on its subscriber connection
 * (so every instance sees a channel in one order). If that echo cannot come (the subscriber connection died,
 * the publish was never written) the message is delivered here instead; and a message delivered here while
 * earlier ones still await their echo waits behind them, so local sessions see the publish order either way.
 *
 * Echoes arrive in publish order (one command connection, one subscriber connection, Redis runs commands in
 * order): when one arrives, every earlier publish still awaiting its echo will never echo.
 */
export class EchoTracker {
  private readonly queue: Entry[] = [];
  private readonly awaiting = new Map<string, Entry>();
  /** Ids delivered locally while their echo could still come (a command connection that broke alone). */
  private readonly abandoned = new Set<string>();
  /**
   * Publishes with a once-key that a later echo passed over: Redis ran them and did not publish, most likely
   * because the key was taken (another publish of the same message went out first). Their reply decides:
   * declined, they are dropped; failed, they are delivered here. Delivering them as "never echoed" would
   * deliver a message twice.
   */
  private readonly undecided = new Map<string, Entry>();
  private counter = 0;

  /** `tag` tells this process's ids from those of other processes on the same Redis. */
  constructor(private readonly tag: string) {}

  /** Registers a publish whose echo this process will hear; returns the id to put on the wire. */
  expect(channel: Channel, message: BackplaneMessage): string {
    const id = `${this.tag}.${++this.counter}`;
    const entry: Entry = { channel, message, id };
    this.queue.push(entry);
    this.awaiting.set(id, entry);
    return id;
  }

  /**
   * A message to deliver here without an echo. Returns it at once when nothing is ahead of it; otherwise it
   * waits its turn and comes out of a later call.
   */
  local(channel: Channel, message: BackplaneMessage): QueuedMessage[] {
    if (this.queue.length === 0) return [{ channel, message }];
    this.queue.push({ channel, message, id: undefined });
    return [];
  }

  /**
   * The echo with this id arrived. `drop`: it was delivered here already. Otherwise `before` (earlier
   * messages, now known never to echo) go to local sessions first, then the echoed message, then `after`
   * (local ones that waited behind it).
   */
  heard(id: string): { drop: true } | { drop: false; before: QueuedMessage[]; after: QueuedMessage[] } {
    const entry = this.awaiting.get(id);
    if (entry === undefined) return this.abandoned.delete(id) ? { drop: true } : { drop: false, before: [], after: [] };
    const before: QueuedMessage[] = [];
    for (let head = this.queue.shift(); head !== entry && head !== undefined; head = this.queue.shift()) {
      if (head.id !== undefined) {
        this.awaiting.delete(head.id);
        if (head.message.once !== undefined) {
          this.undecided.set(head.id, head);
          continue;
        }
      }
      before.push(head);
    }
    this.awaiting.delete(id);
    return { drop: false, before, after: this.releaseHead() };
  }

  /** The publish was never written: it goes to local sessions in its turn. */
  deliverHere(id: string): QueuedMessage[] {
    const undecided = this.takeUndecided(id);
    if (undecided !== undefined) return [undecided];
    const entry = this.awaiting.get(id);
    if (entry === undefined) return [];
    this.awaiting.delete(id);
    entry.id = undefined;
    return this.releaseHead();
  }

  /** Redis declined the publish (another instance published it): nothing to deliver, no echo to wait for. */
  cancel(id: string): QueuedMessage[] {
    if (this.takeUndecided(id) !== undefined) return [];
    const entry = this.awaiting.get(id);
    if (entry === undefined) return [];
    this.awaiting.delete(id);
    this.queue.splice(this.queue.indexOf(entry), 1);
    return this.releaseHead();
  }

  /**
   * Gives up waiting for one echo while the subscriber connection is still up: it, everything before it and
   * the local messages behind it are handed out for local delivery; echoes of any of them are dropped later.
   */
  abandon(id: string): QueuedMessage[] {
    const undecided = this.takeUndecided(id);
    if (undecided !== undefined) return [undecided];
    const entry = this.awaiting.get(id);
    if (entry === undefined) return [];
    const out: QueuedMessage[] = [];
    for (let head = this.queue.shift(); head !== undefined; head = this.queue.shift()) {
      if (head.id !== undefined) {
        this.awaiting.delete(head.id);
        this.remember(head.id);
      }
      out.push(head);
      if (head === entry) break;
    }
    return out.concat(this.releaseHead());
  }

  /**
   * The subscriber connection is gone: no awaited echo can arrive any more. Returns everything queued, in
   * publish order, for local delivery, and forgets it (a new connection never carries an old message).
   */
  takeAll(): QueuedMessage[] {
    const all = this.queue.splice(0);
    // An undecided publish was run by Redis; whether it went out the lost connection cannot say any more.
    // Delivered here: a duplicate of a retried message is better than a message lost.
    all.push(...this.undecided.values());
    this.undecided.clear();
    this.awaiting.clear();
    this.abandoned.clear();
    return all;
  }

  /** This process stopped receiving `channel`: nothing queued for it can reach anyone here. */
  forgetChannel(channel: Channel): QueuedMessage[] {
    if (this.queue.length === 0) return [];
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const entry = this.queue[i];
      if (entry?.channel !== channel) continue;
      if (entry.id !== undefined) this.awaiting.delete(entry.id);
      this.queue.splice(i, 1);
    }
    return this.releaseHead();
  }

  get size(): number {
    return this.queue.length;
  }

  /** Redis published it (the script said so): an undecided publish needs nothing more. */
  published(id: string): void {
    this.undecided.delete(id);
  }

  /** Nothing queued, undecided or with a late echo to drop: forgetting this tracker loses nothing. */
  get idle(): boolean {
    return this.queue.length === 0 && this.abandoned.size === 0 && this.undecided.size === 0;
  }

  private takeUndecided(id: string): Entry | undefined {
    const entry = this.undecided.get(id);
    if (entry !== undefined) this.undecided.delete(id);
    return entry;
  }

  /** The local messages at the head of the queue, now free to go. */
  private releaseHead(): QueuedMessage[] {
    const out: QueuedMessage[] = [];
    while (this.queue.length > 0 && this.queue[0]?.id === undefined) {
      const head = this.queue.shift();
      if (head !== undefined) out.push(head);
    }
    return out;
  }

  private remember(id: string): void {
    if (this.abandoned.size >= ABANDONED_LIMIT) {
      const oldest = this.abandoned.values().next();
      if (oldest.done !== true) this.abandoned.delete(oldest.value);
    }
    this.abandoned.add(id);
  }
}
