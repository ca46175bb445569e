import type { ChatMessage } from '@gateway/protocol';
import type { MaybePromise } from '../maybe-promise';
import type { BanSettings, BanStore } from './ban-store';
import type { LogRetention } from './room-logs';
import type { UnpublishedStore } from './unpublished-store';

/**
 * `client_msg_id` deduplication: the first send of a (user, client_msg_id) claims it with its ack; a repeat
 * within the window gets that original ack back instead of becoming a second message.
 */
export interface DedupStore<V> {
  /** Undefined when this call claimed the key; the value stored by the earlier claim otherwise. */
  claim(userId: string, clientMsgId: string, value: V): MaybePromise<V | undefined>;
  /** Forgets a claim (its message could not be stored), so a retry is accepted again. */
  release(userId: string, clientMsgId: string): MaybePromise<void>;
  /** Claims an in-process store holds now, for stats; a shared store's live in Redis and are not counted. */
  readonly size?: number;
}

/**
 * One page of a room's kept messages; both bounds are exclusive message ids, placed where their message is
 * kept (so messages of one millisecond, whose ids are in random order, page in the order they were kept) and
 * compared by id otherwise (`pageOf` in core/history/page.ts).
 */
export interface HistoryPageQuery {
  readonly before?: string | undefined;
  readonly after?: string | undefined;
  readonly limit: number;
}

/** What a store's page found among the messages it keeps. */
export interface HistoryPage {
  /** Oldest first: with `after`, the oldest `limit` in range; otherwise the newest `limit`. */
  readonly messages: ChatMessage[];
  /** More kept messages in range lie beyond these (older ones, or newer ones with `after`). */
  readonly more: boolean;
  /**
   * The smallest message id the store keeps for the room, undefined when it keeps none. The store vouches for
   * every message from there on; what lies before it only the application's database (`loadHistory`) knows.
   */
  readonly oldest: string | undefined;
}

/** The last N messages of each room, oldest first; edits and deletes rewrite the kept entry. */
export interface HistoryStore {
  add(message: ChatMessage): MaybePromise<void>;
  /** The last `limit` messages (all kept ones when absent), oldest first. */
  recent(roomId: string, limit?: number): MaybePromise<ChatMessage[]>;
  /**
   * A page of what the room keeps (`chat.history`), as `pageOf` pages a list. Absent (a store of an
   * application's own), the gateway pages what `recent` returns.
   */
  page?(roomId: string, query: HistoryPageQuery): MaybePromise<HistoryPage>;
  find(roomId: string, messageId: string): MaybePromise<ChatMessage | undefined>;
  /** Replaces the kept message with the same id (an edit); nothing when it is no longer kept. */
  replace(message: ChatMessage): MaybePromise<void>;
  remove(roomId: string, messageId: string): MaybePromise<void>;
  /** What an in-process store holds now, for stats; a shared store's lives in Redis and is not counted here. */
  usage?(): { rooms: number; bytes: number };
}

/** Room history settings; the budgets bound what any user can make a store keep. */
export interface HistorySettings {
  /** Messages kept per room, unless `retentionFor` says otherwise for the room. */
  readonly size: number;
  /**
   * Each room's retention (`historyRetention` by room pattern): most messages, their age by `created_at`
   * against `now`, and UTF-16 units of their JSON. @default `size` messages, no age or byte bound
   */
  readonly retentionFor?: (roomId: string) => LogRetention;
  /** Epoch ms, for the age bound. @default Date.now */
  readonly now?: () => number;
  /** In process: rooms with history kept, least recently used first out. @default DEFAULT_HISTORY_MAX_ROOMS */
  readonly maxRooms?: number;
  /** In process: bytes of history over every room, least recently used room first out. @default DEFAULT_HISTORY_MAX_BYTES */
  readonly maxBytes?: number;
  /** Shared (Redis): how long a room's history outlives its last message. @default DEFAULT_HISTORY_TTL_MS */
  readonly ttlMs?: number;
  /** Told how many rooms' history a budget let go. */
  readonly evicted?: (rooms: number) => void;
}

export interface DedupSettings {
  readonly windowMs: number;
  readonly now: () => number;
  /** In process: claims kept at most, oldest first out (a retry after that is a new message). @default DEFAULT_DEDUP_MAX_ENTRIES */
  readonly maxEntries?: number;
  /** Told how many claims the budget let go before their window ended. */
  readonly evicted?: (claims: number) => void;
}

export const DEFAULT_HISTORY_MAX_ROOMS = 10_000;
export const DEFAULT_HISTORY_MAX_BYTES = 64 * 1024 * 1024;
export const DEFAULT_HISTORY_TTL_MS = 7 * 24 * 60 * 60 * 1000;
export const DEFAULT_DEDUP_MAX_ENTRIES = 100_000;

/** A room's history retention when no rule names it: `size` messages however old or large. */
export function sizeOnly(size: number): LogRetention {
  return { maxEntries: size, maxAgeMs: Number.POSITIVE_INFINITY, maxBytes: Number.POSITIVE_INFINITY };
}

/**
 * Where a gateway keeps the state instances must share: in memory for one process, Redis for many.
 * The gateway asks it for its stores with its own settings; whoever made it closes it.
 */
export interface SharedState {
  readonly kind: 'memory' | 'redis';
  history(settings: HistorySettings): HistoryStore;
  dedup<V>(settings: DedupSettings): DedupStore<V>;
  /**
   * Where accepted chat messages wait until published, so another instance can publish them if this one dies
   * first. Absent in one process: nobody else could.
   */
  unpublished?(): UnpublishedStore;
  /**
   * Operators' bans (moderation), shared like the rest so every instance refuses a banned user. Absent (a
   * custom shared state without it): `gateway.disconnect` with a `ban` is refused with an error naming this.
   */
  bans?(settings: BanSettings): BanStore;
}
