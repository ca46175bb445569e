import type { Session } from './session';

/** Which local connections are in which room, grouped by user so presence can tell a user's first and last. */
export class RoomRegistry {
  private readonly rooms = new Map<string, Map<string, Set<Session>>>();
  /**
   * Each room's sessions as one array, made on the first delivery after a change and replaced (never
   * changed in place) on the next join or leave: a fan-out walks it without copying the room each time.
   */
  private readonly flat = new Map<string, readonly Session[]>();

  /** Adds the session; reports whether it is its user's first connection here and the room's first local one. */
  join(roomId: string, session: Session, userId: string): { firstOfUser: boolean; firstLocal: boolean } {
    let users = this.rooms.get(roomId);
    const firstLocal = users === undefined;
    if (users === undefined) {
      users = new Map();
      this.rooms.set(roomId, users);
    }
    let sessions = users.get(userId);
    const firstOfUser = sessions === undefined;
    if (sessions === undefined) {
      sessions = new Set();
      users.set(userId, sessions);
    }
    sessions.add(session);
    this.flat.delete(roomId);
    return { firstOfUser, firstLocal };
  }

  leave(roomId: string, session: Session, userId: string): { lastOfUser: boolean; lastLocal: boolean } {
    const users = this.rooms.get(roomId);
    const sessions = users?.get(userId);
    if (users === undefined || sessions === undefined || !sessions.delete(session)) {
      return { lastOfUser: false, lastLocal: false };
    }
    this.flat.delete(roomId);
    const lastOfUser = sessions.size === 0;
    if (lastOfUser) users.delete(userId);
    const lastLocal = users.size === 0;
    if (lastLocal) this.rooms.delete(roomId);
    return { lastOfUser, lastLocal };
  }

  /** Never changed once returned, so delivery may close sessions (and change the room) while it walks it. */
  sessions(roomId: string): readonly Session[] {
    const cached = this.flat.get(roomId);
    if (cached !== undefined) return cached;
    const users = this.rooms.get(roomId);
    if (users === undefined) return [];
    const out: Session[] = [];
    for (const sessions of users.values()) for (const session of sessions) out.push(session);
    this.flat.set(roomId, out);
    return out;
  }

  get size(): number {
    return this.rooms.size;
  }
}
