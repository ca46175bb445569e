import type { DeviceType, User } from '@gateway/protocol';
import type { BackplaneMessage } from './backplane';

/** Where a session's numbering and the events stream meet: dispatch `seq` was the last one at or before `pos`. */
export interface Anchor {
  readonly seq: number;
  readonly pos: string;
}

/**
 * When a channel reached the session, in stream positions: entries after `from`, up to and including `to`
 * (absent while the session is still on it).
 */
export interface ChannelSpan {
  readonly from: string;
  readonly to?: string;
}

/**
 * What another instance needs to rebuild a session. `channels` and `anchors` describe one stretch in which
 * every dispatch of the session came from the stream; both are empty while the holder cannot vouch for that
 * (then the session can be resumed only where it is).
 */
export interface SessionRecord {
  readonly v: 1;
  readonly user: User;
  readonly device_id: string;
  readonly device_type: DeviceType;
  readonly channels: Readonly<Record<string, ChannelSpan>>;
  /** Oldest first. */
  readonly anchors: readonly Anchor[];
  /**
   * Set while the session waits for a resume: from this position on its holder numbered no presence event
   * (a detached session buffers none), so a rebuild skips them too and tells the client presence as it is.
   */
  readonly away_from?: string;
}

/** A session record with the instance that holds the session now. */
export interface StoredSession {
  readonly holder: string;
  readonly record: SessionRecord;
}

/** One entry of the events stream, decoded. */
export interface StreamEntry {
  readonly id: string;
  readonly channel: string;
  readonly message: BackplaneMessage;
}

/**
 * Who holds each session, shared by the instances: with it a resume reaching another instance finds the
 * holder. Alone (a Redis Cluster, which keeps no events stream), the session is handed over by its live
 * holder; a `SessionStore` adds the stream, from which any instance rebuilds it.
 */
export interface SessionRecords {
  read(sessionId: string): Promise<StoredSession | undefined>;
  /** One round trip for all; per record, false when another instance holds the session now. */
  write(
    records: ReadonlyArray<{ id: string; record: SessionRecord }>,
    holder: string,
    ttlMs: number,
  ): Promise<boolean[]>;
  /** The previous holder; undefined when the record is gone. */
  claim(sessionId: string, holder: string, ttlMs: number): Promise<{ previous: string | undefined } | undefined>;
  remove(sessionId: string, holder: string): Promise<void>;
}

/** Session records and the events stream, as resume on any instance needs them. */
export interface SessionStore extends SessionRecords {
  /** The oldest position still in the stream (undefined when it is empty). */
  firstPosition(): Promise<string | undefined>;
  /** Entries after `after` up to and including `through`, in order; undefined past `maxEntries`. */
  range(after: string, through: string, maxEntries: number): Promise<StreamEntry[] | undefined>;
}

/** Whether the records come with the events stream, which lets any instance rebuild a session alone. */
export function hasEventsStream(store: SessionRecords): store is SessionStore {
  return 'range' in store && 'firstPosition' in store;
}
