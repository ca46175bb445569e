import type { Session } from '../session';

/** Presence is told in diffs: a session waiting for a resume gets none of them (see `AwayLog`). */
export function isPresenceEvent(type: string): boolean {
  return type === 'presence.diff';
}

/** How a diff named a user: `count` stands for a diff that carried only a room's count (`userId` empty). */
export type MissedKind = 'joined' | 'updated' | 'left' | 'count';

/** The latest presence change about one user on one channel (`all` or `room:{id}`). */
export interface MissedPresence {
  readonly channel: string;
  readonly userId: string;
  readonly type: MissedKind;
}

interface Change extends MissedPresence {
  /** Position in the log: after the marks of the sessions that missed it. */
  readonly at: number;
}

/**
 * What sessions waiting for a resume missed of presence, kept once for all of them. A detached session buffers
 * no presence event (every join and leave of a busy server, in every session, grew with their number): it
 * holds a mark in this log, and the log keeps, per user and channel, only the latest change after the oldest
 * mark. On resume the session is told each user's presence as it is now (`Presence.catchUp`). What the log
 * holds is bounded by `maxChanges`; past it the oldest changes go, and the sessions that needed them are
 * `lost` (their resume finds them ended).
 */
export class AwayLog {
  private position = 0;
  /** In the order of `at`: a change is deleted and set again when it repeats. */
  private readonly changes = new Map<string, Change>();
  /** Sessions with a mark, in the order of their marks. */
  private readonly waiting = new Set<Session>();
  /** Changes at or below it were let go over the budget: a mark below it cannot be caught up. */
  private floor = 0;

  constructor(
    private readonly maxChanges: number,
    private readonly lost: (sessions: Session[]) => void,
  ) {}

  /** Whether any session is away: the log records only then. */
  get active(): boolean {
    return this.waiting.size > 0;
  }

  get size(): number {
    return this.changes.size;
  }

  /** The session's connection is gone: from now on its presence events are summed up here. */
  away(session: Session): void {
    this.waiting.delete(session);
    session.markAway(this.position);
    this.waiting.add(session);
  }

  /** A presence diff on `channel` naming `userId` reached this instance's sessions. */
  note(channel: string, userId: string, type: MissedKind): void {
    if (this.waiting.size === 0) return;
    this.position += 1;
    const key = `${channel.length}:${channel}${userId}`;
    this.changes.delete(key);
    this.changes.set(key, { channel, userId, type, at: this.position });
    if (this.changes.size > this.maxChanges) this.overflow();
  }

  /**
   * The changes the session missed since its mark, oldest first, and the mark moves to now (the session stays
   * away); undefined when some of them were let go over the budget.
   */
  takeMissed(session: Session): MissedPresence[] | undefined {
    const mark = session.awayMark;
    if (mark === undefined) return [];
    if (mark < this.floor) return undefined;
    const missed: MissedPresence[] = [];
    for (const change of this.changes.values()) if (change.at > mark) missed.push(change);
    this.away(session);
    this.trim();
    return missed;
  }

  /** The session is back on a connection, or over: it needs nothing from the log any more. */
  back(session: Session): void {
    session.markAway(undefined);
    if (this.waiting.delete(session)) this.trim();
  }

  /** Forgets the changes no waiting session needs: those at or before the oldest mark. */
  private trim(): void {
    const oldest = this.waiting.values().next().value?.awayMark;
    if (oldest === undefined) {
      this.changes.clear();
      return;
    }
    for (const [key, change] of this.changes) {
      if (change.at > oldest) break;
      this.changes.delete(key);
    }
  }

  /** Over the budget: the oldest changes go, and so do the sessions whose marks are before them. */
  private overflow(): void {
    for (const [key, change] of this.changes) {
      if (this.changes.size <= this.maxChanges) break;
      this.changes.delete(key);
      this.floor = change.at;
    }
    const lost: Session[] = [];
    for (const session of this.waiting) {
      if ((session.awayMark ?? this.floor) >= this.floor) break;
      lost.push(session);
    }
    for (const session of lost) this.waiting.delete(session);
    if (lost.length > 0) queueMicrotask(() => this.lost(lost));
  }
}
