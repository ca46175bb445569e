/** Where `id` is in `sorted`, or would go: the first index whose id is not below it. */
function lowerBound(sorted: readonly string[], id: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((sorted[mid] as string) < id) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The first index whose id sorts after `id`. */
export function upperBound(sorted: readonly string[], id: string): number {
  const at = lowerBound(sorted, id);
  return sorted[at] === id ? at + 1 : at;
}

/**
 * A set of ids kept in code unit order (what `<` on strings compares), for pages of presence by user id. A
 * removal is a binary search and a splice; additions wait until the next read, which inserts a few one by one
 * or, after many (a bootstrap loading thousands of users), sorts once: no read ever sorts the whole set for
 * one change, and a load of N users costs one sort, not N splices.
 */
export class SortedIds {
  private sorted: string[] = [];
  private pending: string[] = [];

  get size(): number {
    return this.sorted.length + this.pending.length;
  }

  /** `id` must not be in the set. */
  add(id: string): void {
    this.pending.push(id);
  }

  delete(id: string): void {
    const at = lowerBound(this.sorted, id);
    if (this.sorted[at] === id) {
      this.sorted.splice(at, 1);
      return;
    }
    const waiting = this.pending.indexOf(id);
    if (waiting >= 0) this.pending.splice(waiting, 1);
  }

  clear(): void {
    this.sorted = [];
    this.pending = [];
  }

  /** Every id in order; read-only, and valid until the next change. */
  view(): readonly string[] {
    const { pending } = this;
    if (pending.length === 0) return this.sorted;
    // One splice moves the whole tail: past a few dozen, a sort of everything is cheaper.
    if (pending.length > 32) this.sorted = this.sorted.concat(pending).sort();
    else for (const id of pending) this.sorted.splice(lowerBound(this.sorted, id), 0, id);
    this.pending = [];
    return this.sorted;
  }
}
