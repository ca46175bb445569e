import type { ChatMessage } from '@gateway/protocol';
import type { DedupStore, HistoryStore, SharedState } from '../core/ports/shared-state';
import { DedupWindow } from './dedup-window';
import { RoomHistory } from './room-history';

function dedupKey(userId: string, clientMsgId: string): string {
  return `${userId}\u0000${clientMsgId}`;
}

/** One process's dedup window: answers synchronously. */
export class InMemoryDedupStore<V> implements DedupStore<V> {
  private readonly window: DedupWindow<V>;

  constructor(windowMs: number, now: () => number) {
    this.window = new DedupWindow(windowMs, now);
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

  constructor(size: number) {
    this.history = new RoomHistory(size);
  }

  add(message: ChatMessage): void {
    this.history.add(message);
  }

  recent(roomId: string, limit?: number): ChatMessage[] {
    return this.history.recent(roomId, limit);
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
  history: ({ size }) => new InMemoryHistoryStore(size),
  dedup: ({ windowMs, now }) => new InMemoryDedupStore(windowMs, now),
};
