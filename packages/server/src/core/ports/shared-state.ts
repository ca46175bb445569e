import type { ChatMessage } from '@gateway/protocol';
import type { MaybePromise } from '../maybe-promise';
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
}

/** The last N messages of each room, oldest first; edits and deletes rewrite the kept entry. */
export interface HistoryStore {
  add(message: ChatMessage): MaybePromise<void>;
  /** The last `limit` messages (all kept ones when absent), oldest first. */
  recent(roomId: string, limit?: number): MaybePromise<ChatMessage[]>;
  find(roomId: string, messageId: string): MaybePromise<ChatMessage | undefined>;
  /** Replaces the kept message with the same id (an edit); nothing when it is no longer kept. */
  replace(message: ChatMessage): MaybePromise<void>;
  remove(roomId: string, messageId: string): MaybePromise<void>;
}

/**
 * Where a gateway keeps the state instances must share: in memory for one process, Redis for many.
 * The gateway asks it for its stores with its own settings; whoever made it closes it.
 */
export interface SharedState {
  readonly kind: 'memory' | 'redis';
  history(settings: { size: number }): HistoryStore;
  dedup<V>(settings: { windowMs: number; now: () => number }): DedupStore<V>;
  /**
   * Where accepted chat messages wait until published, so another instance can publish them if this one dies
   * first. Absent in one process: nobody else could.
   */
  unpublished?(): UnpublishedStore;
}
