import type { Data, PresenceStatus } from '@gateway/protocol';
import type { SessionHooks } from './hooks';
import { type Channel, roomChannel, userChannel } from './ports/backplane';
import type { Presence } from './presence/presence';
import type { Registry } from './registry';
import type { Session } from './session';
import type { TypingTracker } from './typing';

/** The backplane channels this instance receives: one per room and user it has a session for. */
export interface ChannelWatch {
  watch(channel: Channel): void;
  unwatch(channel: Channel): void;
}

/**
 * What a session being in the gateway and in a room means beyond the registry's books: the backplane
 * channels it needs, its presence, typing that ends with it, and the hooks features follow.
 */
export class Membership {
  constructor(
    private readonly registry: Registry,
    private readonly channels: ChannelWatch,
    private readonly presence: Presence,
    private readonly typing: TypingTracker,
    private readonly hooks: Required<SessionHooks>,
  ) {}

  /** Makes a session reachable by its id and user, and announces its device. */
  register(session: Session, status: PresenceStatus, data?: Data): void {
    if (this.registry.addSession(session)) this.channels.watch(userChannel(session.user.id));
    this.presence.up(session, status, data);
  }

  /**
   * Makes a session another instance is handing over reachable here, announcing nothing: for everyone else
   * it is still where it was until `presence.up` says it is here (or it is forgotten again).
   */
  adopt(session: Session): void {
    if (this.registry.addSession(session)) this.channels.watch(userChannel(session.user.id));
  }

  /** Undoes `register` and every room join of an ending session, telling others what changed. */
  unregister(session: Session): void {
    for (const roomId of [...session.rooms]) this.leaveRoom(session, roomId);
    const { removed, lastOfUser } = this.registry.removeSession(session);
    if (lastOfUser) this.channels.unwatch(userChannel(session.user.id));
    if (removed) this.presence.down(session);
  }

  /**
   * Drops a session another instance has taken over, publishing nothing: for everyone else it is still there,
   * on the other instance.
   */
  forget(session: Session): void {
    const userId = session.user.id;
    for (const roomId of [...session.rooms]) {
      session.deleteRoom(roomId);
      const { lastOfUser, lastLocal } = this.registry.leaveRoom(roomId, session);
      if (lastOfUser) this.typing.stop(roomId, userId);
      if (lastLocal) this.channels.unwatch(roomChannel(roomId));
    }
    if (this.registry.removeSession(session).lastOfUser) this.channels.unwatch(userChannel(userId));
  }

  joinRoom(session: Session, roomId: string): void {
    if (!session.addRoom(roomId)) return;
    if (this.registry.joinRoom(roomId, session).firstLocal) this.channels.watch(roomChannel(roomId));
    // The room's next presence diff names the user when the table says this is their first session there.
    this.presence.join(session, roomId);
    this.hooks.joined(session, roomId);
  }

  leaveRoom(session: Session, roomId: string): void {
    if (!session.deleteRoom(roomId)) return;
    const { lastOfUser, lastLocal } = this.registry.leaveRoom(roomId, session);
    if (lastOfUser) this.typing.stopAndTell(roomId, session.user.id);
    // The room's next presence diff names the user as left when the table says it was their last session there.
    this.presence.leave(session, roomId);
    this.hooks.left(session, roomId);
    if (lastLocal) this.channels.unwatch(roomChannel(roomId));
  }
}
