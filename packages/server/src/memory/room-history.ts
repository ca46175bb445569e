import type { ChatMessage } from '@gateway/protocol';
import { pageOf } from '../core/history/page';
import type { LogRetention } from '../core/ports/room-logs';
import { type HistoryPage, type HistoryPageQuery, sizeOnly } from '../core/ports/shared-state';

export interface RoomHistoryBudget {
  /** Messages kept per room, unless `retentionFor` says otherwise for the room. */
  readonly size: number;
  /** Each room's retention: messages, their age (by `created_at`) and their bytes. @default `size` messages */
  readonly retentionFor?: (roomId: string) => LogRetention;
  /** Epoch ms, for the age bound. @default Date.now */
  readonly now?: () => number;
  /** Rooms with history kept; past it the least recently used room's history goes. */
  readonly maxRooms: number;
  /** Bytes (UTF-16 units of the messages' JSON) kept over every room; past it, least recently used rooms go. */
  readonly maxBytes: number;
}

interface Ring {
  readonly retention: LogRetention;
  readonly messages: ChatMessage[];
  /** Each message's weight, in the same order. */
  readonly weights: number[];
  /** Each message's `created_at` in epoch ms (NaN when unreadable: it never ages out), in the same order. */
  readonly times: number[];
  bytes: number;
}

/** A message's weight against the byte budget: its JSON's length, as it would be sent. */
const weightOf = (message: ChatMessage): number => JSON.stringify(message).length;

/**
 * The last N messages of each room, oldest first (seed 003's recent messages, seed 001's history), each room
 * within its retention (length, age, bytes) and all of them within a budget of rooms and bytes: any user may
 * name any room, so without one a patient sender fills the heap with history nobody reads. Map order is
 * recency (a write or read moves the room to the back), so eviction walks the front.
 */
export class RoomHistory {
  private readonly rooms = new Map<string, Ring>();
  private bytes = 0;
  private readonly retentionFor: (roomId: string) => LogRetention;
  private readonly now: () => number;

  constructor(
    private readonly budget: RoomHistoryBudget,
    /** Told how many rooms' history the budget let go. */
    private readonly evicted: (rooms: number) => void = () => {},
  ) {
    const fallback = sizeOnly(budget.size);
    this.retentionFor = budget.retentionFor ?? (() => fallback);
    this.now = budget.now ?? Date.now;
  }

  add(message: ChatMessage): void {
    const ring = this.use(message.room_id) ?? this.open(message.room_id);
    const weight = weightOf(message);
    ring.messages.push(message);
    ring.weights.push(weight);
    ring.times.push(Date.parse(message.created_at));
    ring.bytes += weight;
    this.bytes += weight;
    this.trim(message.room_id, ring);
    this.enforce(message.room_id);
  }

  /** The last `limit` messages (all kept ones when absent), oldest first. */
  recent(roomId: string, limit?: number): ChatMessage[] {
    const ring = this.fresh(roomId, true);
    if (ring === undefined) return [];
    return ring.messages.slice(Math.max(0, ring.messages.length - (limit ?? ring.messages.length)));
  }

  /** A page by message id of what the room keeps (`HistoryStore.page`). */
  page(roomId: string, query: HistoryPageQuery): HistoryPage {
    return pageOf(this.fresh(roomId, true)?.messages ?? [], query);
  }

  find(roomId: string, messageId: string): ChatMessage | undefined {
    return this.fresh(roomId, false)?.messages.find((message) => message.message_id === messageId);
  }

  replace(message: ChatMessage): void {
    const ring = this.rooms.get(message.room_id);
    const index = ring?.messages.findIndex((kept) => kept.message_id === message.message_id) ?? -1;
    if (ring === undefined || index < 0) return;
    const weight = weightOf(message);
    const delta = weight - (ring.weights[index] ?? 0);
    ring.messages[index] = message;
    ring.weights[index] = weight;
    ring.bytes += delta;
    this.bytes += delta;
    this.enforce(message.room_id);
  }

  remove(roomId: string, messageId: string): void {
    const ring = this.rooms.get(roomId);
    const index = ring?.messages.findIndex((kept) => kept.message_id === messageId) ?? -1;
    if (ring === undefined || index < 0) return;
    const weight = ring.weights[index] ?? 0;
    ring.messages.splice(index, 1);
    ring.weights.splice(index, 1);
    ring.times.splice(index, 1);
    ring.bytes -= weight;
    this.bytes -= weight;
    if (ring.messages.length === 0) this.rooms.delete(roomId);
  }

  /** Rooms and bytes kept now, for stats. */
  usage(): { rooms: number; bytes: number } {
    return { rooms: this.rooms.size, bytes: this.bytes };
  }

  private use(roomId: string): Ring | undefined {
    const ring = this.rooms.get(roomId);
    if (ring === undefined) return undefined;
    this.rooms.delete(roomId);
    this.rooms.set(roomId, ring);
    return ring;
  }

  private open(roomId: string): Ring {
    const ring: Ring = { retention: this.retentionFor(roomId), messages: [], weights: [], times: [], bytes: 0 };
    this.rooms.set(roomId, ring);
    return ring;
  }

  /** The room's ring with what has aged out gone; a read that counts as use moves it to the back. */
  private fresh(roomId: string, use: boolean): Ring | undefined {
    const ring = use ? this.use(roomId) : this.rooms.get(roomId);
    if (ring === undefined) return undefined;
    return this.trim(roomId, ring) ? ring : undefined;
  }

  /**
   * Lets the oldest messages go past the room's retention: its length, its bytes (the newest stays whatever
   * its size) and its age. False when nothing is left (the room is let go).
   */
  private trim(roomId: string, ring: Ring): boolean {
    const { maxEntries, maxBytes, maxAgeMs } = ring.retention;
    const oldestAllowed = this.now() - maxAgeMs;
    for (;;) {
      const count = ring.messages.length;
      const at = ring.times[0] ?? Number.NaN;
      if (!(count > maxEntries || (ring.bytes > maxBytes && count > 1) || at < oldestAllowed)) break;
      this.dropOldest(ring);
    }
    if (ring.messages.length > 0) return true;
    this.rooms.delete(roomId);
    return false;
  }

  private dropOldest(ring: Ring): void {
    ring.messages.shift();
    ring.times.shift();
    const weight = ring.weights.shift() ?? 0;
    ring.bytes -= weight;
    this.bytes -= weight;
  }

  /** Lets the least recently used rooms go until within budget; the room just written stays if it can. */
  private enforce(current: string): void {
    const { maxRooms, maxBytes } = this.budget;
    let evicted = 0;
    for (const [roomId, ring] of this.rooms) {
      if (this.rooms.size <= maxRooms && this.bytes <= maxBytes) break;
      if (roomId === current) {
        // Alone over the byte budget: its own oldest messages go instead.
        while (this.bytes > maxBytes && ring.messages.length > 1) this.dropOldest(ring);
        if (this.rooms.size <= maxRooms) break;
        continue;
      }
      this.rooms.delete(roomId);
      this.bytes -= ring.bytes;
      evicted += 1;
    }
    if (evicted > 0) this.evicted(evicted);
  }
}
