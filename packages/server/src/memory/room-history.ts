import type { ChatMessage } from '@gateway/protocol';

/** The last N messages of each room, oldest first (seed 003's recent messages, seed 001's history). */
export class RoomHistory {
  private readonly rooms = new Map<string, ChatMessage[]>();

  constructor(private readonly size: number) {}

  add(message: ChatMessage): void {
    let ring = this.rooms.get(message.room_id);
    if (ring === undefined) {
      ring = [];
      this.rooms.set(message.room_id, ring);
    }
    ring.push(message);
    if (ring.length > this.size) ring.splice(0, ring.length - this.size);
  }

  /** The last `limit` messages (all kept ones when absent), oldest first. */
  recent(roomId: string, limit = this.size): ChatMessage[] {
    const ring = this.rooms.get(roomId);
    if (ring === undefined) return [];
    return ring.slice(Math.max(0, ring.length - limit));
  }

  find(roomId: string, messageId: string): ChatMessage | undefined {
    return this.rooms.get(roomId)?.find((message) => message.message_id === messageId);
  }

  replace(message: ChatMessage): void {
    const ring = this.rooms.get(message.room_id);
    const index = ring?.findIndex((kept) => kept.message_id === message.message_id) ?? -1;
    if (ring !== undefined && index >= 0) ring[index] = message;
  }

  remove(roomId: string, messageId: string): void {
    const ring = this.rooms.get(roomId);
    const index = ring?.findIndex((kept) => kept.message_id === messageId) ?? -1;
    if (ring !== undefined && index >= 0) ring.splice(index, 1);
  }
}
