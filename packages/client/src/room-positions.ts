import { type RoomPosition, type RoomRecovery, recoveryReplays, type StreamPosition } from '@gateway/protocol';

/** What a room snapshot (in `ready` or `subscribed`) tells of the room's stream. */
interface Entered {
  readonly room_id: string;
  readonly position?: StreamPosition | undefined;
}

/**
 * The last position the client saw of each room's stream, kept across sessions: sent back in `since` so a
 * room is recovered after the session is gone, and the judge of duplicates where a replay meets live traffic.
 */
export class RoomPositions {
  private readonly _seen = new Map<string, StreamPosition>();

  /** False for a dispatch already seen (same epoch, offset not above the one held); else it is recorded. */
  take(pos: RoomPosition): boolean {
    const held = this._seen.get(pos.room_id);
    if (held?.epoch === pos.epoch && pos.offset <= held.offset) return false;
    // Held as it came (checked on receipt: nothing but these three members); `sinceFor` spreads it whole.
    this._seen.set(pos.room_id, pos);
    return true;
  }

  /** The positions held for these rooms, for `since`; undefined when none is held. */
  sinceFor(roomIds: readonly string[]): RoomPosition[] | undefined {
    const out: RoomPosition[] = [];
    for (const room_id of roomIds) {
      const held = this._seen.get(room_id);
      if (held !== undefined) out.push({ room_id, ...held });
    }
    return out.length > 0 ? out : undefined;
  }

  /**
   * Rooms entered: a room being replayed from the position held keeps it (the replay moves it on); any other
   * takes the snapshot's position, unless it already holds a later one of the same epoch (a live dispatch
   * that came before the reply).
   */
  entered(rooms: readonly Entered[], recovery: readonly RoomRecovery[] = []): void {
    for (const { room_id, position } of rooms) {
      const held = this._seen.get(room_id);
      if (
        position !== undefined &&
        !recovery.some((answer) => answer.room_id === room_id && recoveryReplays(answer)) &&
        (held?.epoch !== position.epoch || held.offset < position.offset)
      ) {
        this._seen.set(room_id, position);
      }
    }
  }
}
