import type { Clock, TimerHandle } from './ports/clock';

/** Where `typing.stop` goes: the room, minus the user's own sessions. */
export type TypingStopAnnouncer = (roomId: string, userId: string) => void;

interface Typist {
  timer: TimerHandle;
  lastFanoutAt: number;
}

/**
 * Who is typing where. Entries expire after the TTL unless renewed; fan-out of a start is throttled per
 * user and room, renewals inside the throttle only push the expiry back.
 */
export class TypingTracker {
  private readonly typists = new Map<string, Typist>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly throttleMs: number,
    /** Tells the room a user stopped: when their entry expires, and through `stopAndTell`. */
    private readonly announceStop: TypingStopAnnouncer,
  ) {}

  /** Starts or renews; true when the start should be fanned out now. */
  start(roomId: string, userId: string): boolean {
    const key = keyOf(roomId, userId);
    const now = this.clock.now();
    const existing = this.typists.get(key);
    const timer = this.clock.setTimeout(() => {
      this.typists.delete(key);
      this.announceStop(roomId, userId);
    }, this.ttlMs);
    if (existing !== undefined) {
      this.clock.clearTimeout(existing.timer);
      existing.timer = timer;
      if (now - existing.lastFanoutAt < this.throttleMs) return false;
      existing.lastFanoutAt = now;
      return true;
    }
    this.typists.set(key, { timer, lastFanoutAt: now });
    return true;
  }

  /** Ends typing; true when the user was typing (so others need a typing.stop). */
  stop(roomId: string, userId: string): boolean {
    const key = keyOf(roomId, userId);
    const existing = this.typists.get(key);
    if (existing === undefined) return false;
    this.clock.clearTimeout(existing.timer);
    this.typists.delete(key);
    return true;
  }

  /** Ends typing and, when the user was typing, tells the room. */
  stopAndTell(roomId: string, userId: string): void {
    if (this.stop(roomId, userId)) this.announceStop(roomId, userId);
  }

  clear(): void {
    for (const typist of this.typists.values()) this.clock.clearTimeout(typist.timer);
    this.typists.clear();
  }
}

function keyOf(roomId: string, userId: string): string {
  return `${roomId}\u0000${userId}`;
}
