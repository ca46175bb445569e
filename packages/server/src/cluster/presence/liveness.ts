import type { Clock } from '../../core/ports/clock';
import type { PresenceStore } from '../../core/ports/presence-store';

/**
 * Which other instances are alive: each keeps a liveness key with a TTL, and an instance heard on the presence
 * channel within a TTL counts as alive whatever its key says. After a backplane outage no instance is taken
 * for dead for a TTL, while live ones rewrite their keys (a restarted Redis has none).
 */
export class Liveness {
  /** When each other instance was last heard on the channel. */
  private readonly lastHeard = new Map<string, number>();
  /** No instance is found gone before this (clock ms). */
  private sweepAfter = 0;

  constructor(
    private readonly me: string,
    private readonly store: PresenceStore,
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {}

  heard(node: string): void {
    if (node !== this.me) this.lastHeard.set(node, this.clock.now());
  }

  /** The backplane is back after an outage. */
  recovered(): void {
    this.sweepAfter = this.clock.now() + this.ttlMs;
  }

  /** A gone instance has been dealt with: it is not remembered as heard. */
  forget(node: string): void {
    this.lastHeard.delete(node);
  }

  /** Which of these instances are gone: no liveness key and not heard within a TTL. */
  async gone(nodes: readonly string[]): Promise<string[]> {
    const now = this.clock.now();
    if (now < this.sweepAfter) return [];
    const heardLately = (node: string) => now - (this.lastHeard.get(node) ?? Number.NEGATIVE_INFINITY) < this.ttlMs;
    const candidates = nodes.filter((node) => node !== this.me && !heardLately(node));
    if (candidates.length === 0) return [];
    const alive = await this.store.alive(candidates);
    return candidates.filter((node) => !alive.has(node));
  }
}
