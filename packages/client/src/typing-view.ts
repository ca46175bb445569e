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
  private readonly _expiries = new Map<string, Map<string, number>>();
  private readonly _timer: Timer;

  private readonly _clock: Clock;
  private readonly _changed: (change: TypingChange) => void;

  constructor(clock: Clock, changed: (change: TypingChange) => void) {
    this._clock = clock;
    this._changed = changed;
    this._timer = new Timer(clock, () => this._expire());
  }

  /** User ids typing in a room, in the order they started. */
  inRoom(roomId: string): string[] {
    return [...(this._expiries.get(roomId)?.keys() ?? [])];
  }

  apply(frame: ServerFrameOf<'typing.start' | 'typing.stop'>): void {
    const { room_id: roomId, user_id: userId } = frame.payload;
    if (frame.type === 'typing.stop') {
      this.remove(roomId, userId);
      return;
    }
    const room = this._expiries.get(roomId) ?? new Map<string, number>();
    this._expiries.set(roomId, room);
    const isNew = !room.has(userId);
    room.set(userId, this._clock.now() + frame.payload.expires_in_ms);
    this._schedule();
    if (isNew) this._changed({ room_id: roomId, user_ids: this.inRoom(roomId) });
  }

  /** A message from the user ends their typing at once. */
  remove(roomId: string, userId: string): void {
    const room = this._expiries.get(roomId);
    if (room?.delete(userId) !== true) return;
    if (room.size === 0) this._expiries.delete(roomId);
    this._schedule();
    this._changed({ room_id: roomId, user_ids: this.inRoom(roomId) });
  }

  /** Typing is ephemeral: a lost connection forgets it all. */
  clear(): void {
    const rooms = [...this._expiries.keys()];
    this._expiries.clear();
    this._timer.stop();
    for (const roomId of rooms) this._changed({ room_id: roomId, user_ids: [] });
  }

  private _expire(): void {
    const now = this._clock.now();
    for (const [roomId, room] of [...this._expiries]) {
      for (const [userId, expiresAt] of [...room]) if (expiresAt <= now) this.remove(roomId, userId);
    }
    this._schedule();
  }

  private _schedule(): void {
    let soonest = Infinity;
    for (const room of this._expiries.values())
      for (const expiresAt of room.values()) soonest = Math.min(soonest, expiresAt);
    if (soonest === Infinity) this._timer.stop();
    else this._timer.start(Math.max(0, soonest - this._clock.now()));
  }
}
