/**
 * Remembers results by key for a time window, so a chat send retried after a reconnect gets its
 * original ack instead of a second message. Map insertion order is expiry order, so pruning walks the front.
 */
export class DedupWindow<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  get(key: string): V | undefined {
    this.prune();
    return this.entries.get(key)?.value;
  }

  set(key: string, value: V): void {
    this.prune();
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + this.windowMs });
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
