import type { ChatMessage } from '@gateway/protocol';
import {
  DEFAULT_DEDUP_MAX_ENTRIES,
  DEFAULT_HISTORY_MAX_BYTES,
  DEFAULT_HISTORY_MAX_ROOMS,
  type DedupSettings,
  type DedupStore,
  type HistoryPage,
  type HistoryPageQuery,
  type HistorySettings,
  type HistoryStore,
  type SharedState,
} from '../core/ports/shared-state';
import { InMemoryBanStore } from './ban-store';
import { DedupWindow } from './dedup-window';
import { RoomHistory } from './room-history';

function dedupKey(userId: string, clientMsgId: string): string {
  return `${userId}\u0000${clientMsgId}`;
}

/** One process's dedup window: answers synchronously. */
export class InMemoryDedupStore<V> implements DedupStore<V> {
  private readonly window: DedupWindow<V>;

  constructor({ windowMs, now, maxEntries = DEFAULT_DEDUP_MAX_ENTRIES, evicted }: DedupSettings) {
    this.window = new DedupWindow(windowMs, now, maxEntries, evicted);
  }

  get size(): number {
    return this.window.size;
  }

  claim(userId: string, clientMsgId: string, value: V): V | undefined {
    const key = dedupKey(userId, clientMsgId);
    const original = this.window.get(key);
    if (original !== undefined) return original;
    this.window.set(key, value);
    return undefined;
  }

  release(userId: string, clientMsgId: string): void {
    this.window.delete(dedupKey(userId, clientMsgId));
  }
}

/** One process's room history: answers synchronously. */
export class InMemoryHistoryStore implements HistoryStore {
  private readonly history: RoomHistory;

  constructor({
    size,
    retentionFor,
    now,
    maxRooms = DEFAULT_HISTORY_MAX_ROOMS,
    maxBytes = DEFAULT_HISTORY_MAX_BYTES,
    evicted,
  }: HistorySettings) {
    this.history = new RoomHistory(
      {
        size,
        maxRooms,
        maxBytes,
        ...(retentionFor === undefined ? {} : { retentionFor }),
        ...(now === undefined ? {} : { now }),
      },
      evicted,
    );
  }

  usage(): { rooms: number; bytes: number } {
    return this.history.usage();
  }

  add(message: ChatMessage): void {
    this.history.add(message);
  }

  recent(roomId: string, limit?: number): ChatMessage[] {
    return this.history.recent(roomId, limit);
  }

  page(roomId: string, query: HistoryPageQuery): HistoryPage {
    return this.history.page(roomId, query);
  }

  find(roomId: string, messageId: string): ChatMessage | undefined {
    return this.history.find(roomId, messageId);
  }

  replace(message: ChatMessage): void {
    this.history.replace(message);
  }

  remove(roomId: string, messageId: string): void {
    this.history.remove(roomId, messageId);
  }
}

/** The default: state lives in this process, as it did before Redis. Nothing to close. */
export const inMemorySharedState: SharedState = {
  kind: 'memory',
  history: (settings) => new InMemoryHistoryStore(settings),
  dedup: (settings) => new InMemoryDedupStore(settings),
  bans: (settings) => new InMemoryBanStore(settings),
};
