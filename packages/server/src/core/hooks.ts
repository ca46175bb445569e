import type { Session } from './session';

/**
 * The moments of a session's life that features outside the core (resume on any instance) follow. Each is
 * called synchronously, after the core's own bookkeeping for that moment.
 */
export interface SessionHooks {
  /** A connection took the session: identify, resume, or a rebuild from another instance. */
  attached?(session: Session): void;
  /** The session joined a room. */
  joined?(session: Session, roomId: string): void;
  /** The session left a room. */
  left?(session: Session, roomId: string): void;
  /** Its connection was lost; the session waits for a resume. */
  detached?(session: Session): void;
  /** The session is over for good (not when it moved to another instance). */
  ended?(session: Session): void;
  /** The session moved to another instance: what is kept for it here goes, without a word to anyone. */
  movedAway?(session: Session): void;
}

/** Every registered feature's hooks, called in registration order. */
export class HookList implements Required<SessionHooks> {
  private readonly all: SessionHooks[] = [];

  add(hooks: SessionHooks): void {
    this.all.push(hooks);
  }

  attached(session: Session): void {
    for (const hooks of this.all) hooks.attached?.(session);
  }

  joined(session: Session, roomId: string): void {
    for (const hooks of this.all) hooks.joined?.(session, roomId);
  }

  left(session: Session, roomId: string): void {
    for (const hooks of this.all) hooks.left?.(session, roomId);
  }

  detached(session: Session): void {
    for (const hooks of this.all) hooks.detached?.(session);
  }

  ended(session: Session): void {
    for (const hooks of this.all) hooks.ended?.(session);
  }

  movedAway(session: Session): void {
    for (const hooks of this.all) hooks.movedAway?.(session);
  }
}
