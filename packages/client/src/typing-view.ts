import type { ServerFrameOf } from '@gateway/protocol';
import { type Clock, Timer } from './timer';

export interface TypingChange {
  readonly room_id: string;
  /** Everyone typing in the room now. */
  readonly user_ids: string[];
}

/**
 * Who is typing where. Entries expire by their `expires_in_ms` on the injected clock even if the
 * `typing.stop` never comes (a dropped connection, a crashed tab); one timer serves every entry.
 */
export class TypingView {
  readonly #expiries = new Map<string, Map<string, number>>();
  readonly #timer: Timer;

  readonly #clock: Clock;
  readonly #changed: (change: TypingChange) => void;

  constructor(clock: Clock, changed: (change: TypingChange) => void) {
    this.#clock = clock;
    this.#changed = changed;
    this.#timer = new Timer(clock, () => this.#expire());
  }

  /** User ids typing in a room, in the order they started. */
  inRoom(roomId: string): string[] {
    return [...(this.#expiries.get(roomId)?.keys() ?? [])];
  }

  apply(frame: ServerFrameOf<'typing.start' | 'typing.stop'>): void {
    const { room_id: roomId, user_id: userId } = frame.payload;
    if (frame.type === 'typing.stop') {
      this.remove(roomId, userId);
      return;
    }
    const room = this.#expiries.get(roomId) ?? new Map<string, number>();
    this.#expiries.set(roomId, room);
    const isNew = !room.has(userId);
    room.set(userId, this.#clock.now() + frame.payload.expires_in_ms);
    this.#schedule();
    if (isNew) this.#changed({ room_id: roomId, user_ids: this.inRoom(roomId) });
  }

  /** A message from the user ends their typing at once. */
  remove(roomId: string, userId: string): void {
    const room = this.#expiries.get(roomId);
    if (room?.delete(userId) !== true) return;
    if (room.size === 0) this.#expiries.delete(roomId);
    this.#schedule();
    this.#changed({ room_id: roomId, user_ids: this.inRoom(roomId) });
  }

  /** Typing is ephemeral: a lost connection forgets it all. */
  clear(): void {
    const rooms = [...this.#expiries.keys()];
    this.#expiries.clear();
    this.#timer.stop();
    for (const roomId of rooms) this.#changed({ room_id: roomId, user_ids: [] });
  }

  #expire(): void {
    const now = this.#clock.now();
    for (const [roomId, room] of [...this.#expiries]) {
      for (const [userId, expiresAt] of [...room]) if (expiresAt <= now) this.remove(roomId, userId);
    }
    this.#schedule();
  }

  #schedule(): void {
    let soonest = Number.POSITIVE_INFINITY;
    for (const room of this.#expiries.values())
      for (const expiresAt of room.values()) soonest = Math.min(soonest, expiresAt);
    if (soonest === Number.POSITIVE_INFINITY) this.#timer.stop();
    else this.#timer.start(Math.max(0, soonest - this.#clock.now()));
  }
}
