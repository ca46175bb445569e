import type { MaybePromise } from '../maybe-promise';
import type { BackplaneMessage, LogPosition } from './backplane-message';

export type { LoggedAt, LogPosition } from './backplane-message';

/** A dispatch as a room's log keeps it: the message as it was published, and its offset. */
export interface LoggedDispatch {
  readonly offset: number;
  readonly message: BackplaneMessage;
}

/** What a read found: the log as it stands, and the dispatches after the position asked for. */
export interface RoomLogRead {
  readonly epoch: string;
  /** The offset of the room's last dispatch. */
  readonly head: number;
  /** The oldest offset still kept; `head + 1` when nothing is. */
  readonly first: number;
  /**
   * The kept dispatches after the position's offset, oldest first, at most `limit` (the newest of them), when
   * the position is in this epoch; empty otherwise.
   */
  readonly entries: readonly LoggedDispatch[];
}

/**
 * Each room's recent dispatches in order, numbered by offset within an epoch, kept whether or not anyone is
 * subscribed, so a client whose session expired recovers a room from the last position it saw. The
 * backplane that carries a room's dispatches numbers them as it publishes (one order for every instance)
 * and offers this read side; one without it leaves room recovery `unavailable`.
 */
export interface RoomLogs {
  /** The room's position now; a room with no log yet gets one (an epoch at offset 0). */
  position(roomId: string): MaybePromise<LogPosition>;
  read(roomId: string, since: LogPosition, limit: number): MaybePromise<RoomLogRead>;
  /** What logs kept in this process hold, against their budget (for stats); absent where they live elsewhere. */
  usage?(): RoomLogUsage;
}

export interface RoomLogUsage {
  readonly rooms: number;
  readonly maxRooms: number;
  readonly bytes: number;
  readonly maxBytes: number;
  /** Rooms whose logs the budget let go since start. */
  readonly evicted: number;
}

/** Every room log of one process together: past it, the least recently written rooms lose their logs. */
export interface RoomLogBudget {
  /** @default 10000 */
  readonly maxRooms?: number;
  /** UTF-16 units of bodies plus a small overhead per entry. @default 67108864 (64 MiB) */
  readonly maxBytes?: number;
}

/** How long a room's log keeps a dispatch: the first bound reached lets the oldest go. */
export interface LogRetention {
  readonly maxEntries: number;
  readonly maxAgeMs: number;
  /** UTF-16 units of the dispatches' bodies. */
  readonly maxBytes: number;
}

export const DEFAULT_LOG_RETENTION: LogRetention = {
  maxEntries: 1000,
  maxAgeMs: 24 * 60 * 60 * 1000,
  maxBytes: 1024 * 1024,
};

/** At most this many missed dispatches of one room are replayed by one `since` (`hello.limits.max_recover`). */
export const DEFAULT_MAX_RECOVER = 1000;
