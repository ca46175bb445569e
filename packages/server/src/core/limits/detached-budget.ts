import type { Session } from '../session';

export interface DetachedBudgetSettings {
  /** Sessions waiting for a resume, on this instance. */
  readonly maxDetachedSessions: number;
  /** Replay bytes those sessions hold together. */
  readonly maxDetachedBytes: number;
}

/**
 * Which detached sessions must end, oldest first, so the rest fit the budget. A buffer's bytes are its own
 * bodies' lengths: a body several sessions share counts once per session, so the figure is an upper bound of
 * what they pin, and it grows with every buffered event of a session that waits.
 */
export function overBudget(oldestFirst: Iterable<Session>, count: number, settings: DetachedBudgetSettings): Session[] {
  const { maxDetachedSessions, maxDetachedBytes } = settings;
  if (count <= maxDetachedSessions && maxDetachedBytes === Number.POSITIVE_INFINITY) return [];
  let bytes = maxDetachedBytes === Number.POSITIVE_INFINITY ? 0 : detachedBytes(oldestFirst);
  const evicted: Session[] = [];
  let left = count;
  for (const session of oldestFirst) {
    if (left <= maxDetachedSessions && bytes <= maxDetachedBytes) break;
    evicted.push(session);
    left -= 1;
    bytes -= session.replayBytes;
  }
  return evicted;
}

/** Bytes a budget check reads off every waiting session: the sum of their replay buffers. */
export function detachedBytes(sessions: Iterable<Session>): number {
  let bytes = 0;
  for (const session of sessions) bytes += session.replayBytes;
  return bytes;
}
