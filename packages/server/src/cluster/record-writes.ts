/** When a session record written in batches changed, and when it was last written. */
export interface WriteMark {
  dirty: boolean;
  writtenAt: number;
}

/**
 * Whether a record goes in this batch: it changed, or it has not been rewritten for a third of its TTL (so a
 * live session's record never expires). When it does, it is marked written now.
 */
export function takeDue(mark: WriteMark, now: number, ttlMs: number): boolean {
  if (!mark.dirty && now - mark.writtenAt < ttlMs / 3) return false;
  mark.dirty = false;
  mark.writtenAt = now;
  return true;
}

/** `work` once at the end of this turn, however often the returned function is called before then. */
export function endOfTurn(work: () => void): () => void {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      work();
    });
  };
}
