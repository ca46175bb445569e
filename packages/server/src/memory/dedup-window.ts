/**
 * Remembers results by key for a time window, so a chat send retried after a reconnect gets its
 * original ack instead of a second message. Map insertion order is expiry order, so pruning walks the front,
 * and so does the count budget when a patient sender fills the window faster than it empties.
 */
export class DedupWindow<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number,
    /** Entries kept at most: past it the oldest goes before its window ends. */
    private readonly maxEntries = Number.POSITIVE_INFINITY,
    private readonly evicted: (count: number) => void = () => {},
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    this.prune();
    return this.entries.get(key)?.value;
  }

  set(key: string, value: V): void {
    this.prune();
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + this.windowMs });
    let evicted = 0;
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
      evicted += 1;
    }
    if (evicted > 0) this.evicted(evicted);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  private prune(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now) return;
      this.entries.delete(key);
    }
  }
}
