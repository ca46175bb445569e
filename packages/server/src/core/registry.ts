import type { ClientConnection } from './client-connection';
import { ALL_CHANNEL, type Channel } from './ports/backplane';
import { RoomRegistry } from './rooms';
import type { Session } from './session';

/**
 * This instance's open connections, live sessions, users and room members: the one owner of those tables.
 * It only keeps books; what a change means (presence, fan-out subscriptions, hooks) is the caller's business,
 * told through what each method returns.
 */
export class Registry {
  /** Open sockets, identified or not. */
  private readonly connections = new Set<ClientConnection>();
  /** Live sessions, attached or detached (waiting for a resume). */
  private readonly sessions = new Map<string, Session>();
  /**
   * Each user's sessions. Arrays replaced on every change, never changed in place (a user has a handful of
   * sessions): a one-session array costs ~50 bytes where a Set costs ~150, per connected user.
   */
  private readonly users = new Map<string, readonly Session[]>();
  private readonly rooms = new RoomRegistry();

  // ---- connections ----

  addConnection(connection: ClientConnection): void {
    this.connections.add(connection);
  }

  /** True when it was here. */
  removeConnection(connection: ClientConnection): boolean {
    return this.connections.delete(connection);
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** A copy: closing connections while walking it changes the table. */
  connectionList(): ClientConnection[] {
    return [...this.connections];
  }

  connectionsNow(): Iterable<ClientConnection> {
    return this.connections.values();
  }

  // ---- sessions and users ----

  /** Adds a session and makes it reachable by user; true when it is its user's first session here. */
  addSession(session: Session): boolean {
    this.sessions.set(session.id, session);
    const userId = session.user.id;
    const sessions = this.users.get(userId);
    // `concat` makes an array of exactly the right size; `push` would reserve 16 spare slots.
    if (sessions === undefined) {
      this.users.set(userId, [session]);
      return true;
    }
    if (!sessions.includes(session)) this.users.set(userId, sessions.concat(session));
    return false;
  }

  /**
   * Removes a session; `removed` is false when it was not here (then nothing changed), `lastOfUser` true when
   * its user has no session here any more.
   */
  removeSession(session: Session): { removed: boolean; lastOfUser: boolean } {
    if (this.sessions.get(session.id) !== session) return { removed: false, lastOfUser: false };
    this.sessions.delete(session.id);
    const userId = session.user.id;
    const sessions = this.users.get(userId);
    if (sessions === undefined || !sessions.includes(session)) return { removed: true, lastOfUser: false };
    const rest = sessions.filter((other) => other !== session);
    if (rest.length > 0) {
      this.users.set(userId, rest);
      return { removed: true, lastOfUser: false };
    }
    this.users.delete(userId);
    return { removed: true, lastOfUser: true };
  }

  session(sessionId: string): Session | undefined {
    return this.sessions.get(sessionId);
  }

  /** The session a connection carries, while it still carries it. */
  sessionOf(connection: ClientConnection): Session | undefined {
    const sessionId = connection.sessionId;
    if (sessionId === undefined) return undefined;
    const session = this.sessions.get(sessionId);
    return session?.connection === connection ? session : undefined;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  sessionsNow(): Iterable<Session> {
    return this.sessions.values();
  }

  /** A copy, safe to end sessions while walking it. */
  sessionList(): Session[] {
    return [...this.sessions.values()];
  }

  /** The user's sessions here; never changed in place (a change replaces the array). */
  sessionsOf(userId: string): readonly Session[] {
    return this.users.get(userId) ?? [];
  }

  hasUser(userId: string): boolean {
    return this.users.has(userId);
  }

  get userCount(): number {
    return this.users.size;
  }

  // ---- rooms ----

  /** Puts the session in the room; `firstLocal` when it is the room's first session here. */
  joinRoom(roomId: string, session: Session): { firstOfUser: boolean; firstLocal: boolean } {
    return this.rooms.join(roomId, session, session.user.id);
  }

  leaveRoom(roomId: string, session: Session): { lastOfUser: boolean; lastLocal: boolean } {
    return this.rooms.leave(roomId, session, session.user.id);
  }

  get roomCount(): number {
    return this.rooms.size;
  }

  /** The sessions here a message on `channel` reaches, attached or detached; never changed once returned. */
  recipients(channel: Channel): readonly Session[] {
    // Copies where the table would change under a delivery that ends sessions; rooms keep their own.
    if (channel === ALL_CHANNEL) return [...this.sessions.values()];
    if (channel.startsWith('room:')) return this.rooms.sessions(channel.slice(5));
    if (channel.startsWith('user:')) return this.sessionsOf(channel.slice(5));
    return [];
  }
}
