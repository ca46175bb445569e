import type { Cluster, Redis } from 'ioredis';

/**
 * On a Redis Cluster, the command connection's link to every master, opened as soon as the master is known
 * rather than by the first command for it. ioredis opens a master's link lazily, and with the offline queue
 * off (as the gateway runs it) a command for a master whose link is still connecting is not queued: it is
 * tried again `retryDelayOnFailover` later on a random master, then redirected (MOVED) to its own, behind the
 * commands issued after it, which went straight there once the link was up. One slot's commands would leave
 * out of order: two dispatches of a room swapped in Redis, in its log and on every instance, and the
 * publishing instance, hearing the later echo first, would deliver the earlier one twice.
 *
 * `linked` is false from each time the cluster client becomes ready until every master it knows has its link
 * up, or has failed to link (a master that is down holds nothing up: every command for it fails, none
 * overtakes another). The backplane is not `ok` meanwhile, so nothing is published into that window.
 */
export class MasterLinks {
  /** Per master link: the round (one per time the client became ready) in which it last came up or failed. */
  private readonly settledIn = new WeakMap<Redis, number>();
  private round = 0;
  private pending = true;
  private readonly waiters = new Set<() => void>();

  /** `changed` is told whenever `linked` may have changed. Made before anything else listens to `cluster`. */
  constructor(
    private readonly cluster: Cluster,
    private readonly changed: () => void = () => {},
  ) {
    cluster.on('ready', () => {
      this.round++;
      this.pending = true;
      this.linkAll();
    });
    // A master learnt of later (a failover, a resharding) is linked at once too, so its window is short.
    cluster.on('+node', () => this.linkAll());
    cluster.on('-node', () => this.update());
  }

  /** Every master in the client's slot map had its link settled since the client last became ready. */
  get linked(): boolean {
    return !this.pending;
  }

  /** Settles once `linked` is true. */
  whenLinked(): Promise<void> {
    if (this.linked) return Promise.resolve();
    return new Promise((resolve) => this.waiters.add(resolve));
  }

  private linkAll(): void {
    for (const master of this.cluster.nodes('master')) {
      if (!this.settledIn.has(master)) {
        this.settledIn.set(master, -1);
        const settled = () => {
          this.settledIn.set(master, this.round);
          this.update();
        };
        master.on('ready', settled);
        master.on('close', settled);
      }
      // A link that fails is reconnected by ioredis (the pool listens for its errors).
      if (master.status === 'wait') master.connect().catch(() => {});
    }
    this.update();
  }

  private update(): void {
    const settled = (master: Redis) => master.status === 'ready' || this.settledIn.get(master) === this.round;
    if (this.pending && this.cluster.nodes('master').every(settled)) {
      this.pending = false;
      for (const waiter of this.waiters) waiter();
      this.waiters.clear();
    }
    this.changed();
  }
}
