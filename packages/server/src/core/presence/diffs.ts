import type { PresenceEntry } from '@gateway/protocol';

/** The payload of a `presence.diff`. */
export interface DiffPayload {
  room_id?: string;
  joined?: PresenceEntry[];
  updated?: PresenceEntry[];
  left?: string[];
  count: number;
}

/** What the diffs read from presence when they are sent, and where they go. */
export interface DiffSource {
  /** Runs `flush` once the changes that made it wanted one are all in: the end of the turn, or a window. */
  readonly defer: (flush: () => void) => void;
  /** The user as the scope shows them now (a room: only while in it); undefined when not shown. */
  readonly shown: (roomId: string | undefined, userId: string) => PresenceEntry | undefined;
  /** How many users the scope shows now. */
  readonly count: (roomId: string | undefined) => number;
  /** Rooms whose members are never pushed: their diffs carry the count only. */
  readonly onRequest: (roomId: string) => boolean;
  /** Bytes of the JSON of a user's entry. */
  readonly bytes: (userId: string) => number;
  /** Most bytes of entries one diff carries: past it, the diff goes in parts (see `splitDiff`). */
  readonly maxBytes: number;
  /** To every instance through the backplane, or `here`: this instance's sessions only. */
  readonly send: (roomId: string | undefined, payload: DiffPayload, here: boolean) => void;
}

/** A diff of the scope naming nobody yet. */
export function emptyDiff(roomId: string | undefined, count: number): DiffPayload {
  return roomId === undefined ? { count } : { room_id: roomId, count };
}

/** The diff's `joined` or `updated`, made when absent. */
export function entriesIn(diff: DiffPayload, kind: 'joined' | 'updated'): PresenceEntry[] {
  const list = diff[kind] ?? [];
  diff[kind] = list;
  return list;
}

/** The diff's `left`, made when absent. */
export function leftIn(diff: DiffPayload): string[] {
  const list = diff.left ?? [];
  diff.left = list;
  return list;
}

/**
 * A diff in parts of at most `maxBytes` of entries and ids each (one entry at least), every part with the
 * final count: a storm of joins, a long window or a long absence must not make one frame the size of the
 * room, which could pass the reader's frame cap or the slow-consumer cap. Parts apply in order to the same end.
 */
export function splitDiff(diff: DiffPayload, bytes: (userId: string) => number, maxBytes: number): DiffPayload[] {
  const parts: DiffPayload[] = [];
  let part: DiffPayload | undefined;
  let used = 0;
  const room = (size: number): DiffPayload => {
    if (part === undefined || (used + size > maxBytes && used > 0)) {
      part = emptyDiff(diff.room_id, diff.count);
      parts.push(part);
      used = 0;
    }
    used += size;
    return part;
  };
  for (const entry of diff.joined ?? []) entriesIn(room(bytes(entry.user_id) + 1), 'joined').push(entry);
  for (const entry of diff.updated ?? []) entriesIn(room(bytes(entry.user_id) + 1), 'updated').push(entry);
  for (const userId of diff.left ?? []) leftIn(room(userId.length + 3)).push(userId);
  return parts.length > 0 ? parts : [diff];
}

interface PendingScope {
  readonly roomId: string | undefined;
  readonly here: boolean;
  /** Each user changed since the last diff, and whether the scope showed them before the first change. */
  readonly users: Map<string, boolean>;
}

/**
 * Gathers presence changes into one `presence.diff` per scope (everyone, or one room) per flush, so a room
 * filling up with N users costs each member a diff per turn rather than N frames, and the frame is built
 * once for the whole room. Changes are noted by user only: the diff reads each user as they are when it is
 * sent, so a user who came and went within one flush is not mentioned, and one who changed twice is sent once.
 */
export class PresenceDiffs {
  private readonly pending = new Map<string, PendingScope>();
  private scheduled = false;

  constructor(private readonly source: DiffSource) {}

  /** `userId` changed in the scope; `shownBefore`: whether the scope showed them before this change. */
  touch(roomId: string | undefined, userId: string, shownBefore: boolean, here: boolean): void {
    const key = `${here ? 'h' : 'b'}${roomId === undefined ? '' : `:${roomId}`}`;
    let scope = this.pending.get(key);
    if (scope === undefined) {
      scope = { roomId, here, users: new Map() };
      this.pending.set(key, scope);
    }
    if (!scope.users.has(userId)) scope.users.set(userId, shownBefore);
    if (this.scheduled) return;
    this.scheduled = true;
    this.source.defer(() => this.flush());
  }

  /** Sends what is pending now (also what a deferred flush does). */
  flush(): void {
    this.scheduled = false;
    const scopes = [...this.pending.values()];
    this.pending.clear();
    for (const scope of scopes) this.send(scope);
  }

  private send({ roomId, here, users }: PendingScope): void {
    const { source } = this;
    const joined: PresenceEntry[] = [];
    const updated: PresenceEntry[] = [];
    const left: string[] = [];
    for (const [userId, shownBefore] of users) {
      const entry = source.shown(roomId, userId);
      if (entry !== undefined) (shownBefore ? updated : joined).push(entry);
      else if (shownBefore) left.push(userId);
    }
    const countOnly = roomId !== undefined && source.onRequest(roomId);
    // A count-only room hears of arrivals and departures, not of its members' status changes.
    if (joined.length + left.length + (countOnly ? 0 : updated.length) === 0) return;
    const payload = emptyDiff(roomId, source.count(roomId));
    if (!countOnly) {
      if (joined.length > 0) payload.joined = joined;
      if (updated.length > 0) payload.updated = updated;
      if (left.length > 0) payload.left = left;
    }
    for (const part of splitDiff(payload, source.bytes, source.maxBytes)) source.send(roomId, part, here);
  }
}
