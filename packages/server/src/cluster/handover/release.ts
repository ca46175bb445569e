import type { Clock, TimerHandle } from '../../core/ports/clock';
import type { Session } from '../../core/session';

/** How long past the clients' reconnect window a stopping instance waits for them to take their sessions. */
export const RELEASE_GRACE_MS = 5_000;

/**
 * A stopping instance's wait for its sessions to be taken over. The drain told every connected client to
 * reconnect, and each reaches another instance, which asks this one for the session. Only those sessions
 * are waited for (one whose client was gone before the stop has no reason to come back now), until the
 * clients' reconnect window plus a grace has passed; whatever is left then ends.
 */
export class Release {
  /** Sessions the drain detached: their clients were told to come back. */
  private readonly awaited = new Set<string>();
  private done: (() => void) | undefined;

  constructor(private readonly clock: Clock) {}

  /** Detached by the stop's drain. */
  expect(session: Session): void {
    this.awaited.add(session.id);
  }

  wait(pacing: { readonly afterMs: number; readonly jitterMs: number }): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: TimerHandle | undefined;
      const finish = () => {
        if (timer !== undefined) this.clock.clearTimeout(timer);
        this.done = undefined;
        this.awaited.clear();
        resolve();
      };
      timer = this.clock.setTimeout(finish, pacing.afterMs + pacing.jitterMs + RELEASE_GRACE_MS);
      this.done = finish;
      if (this.awaited.size === 0) finish();
    });
  }

  /** A session was handed over or ended. */
  sessionLeft(session: Session): void {
    if (this.awaited.delete(session.id) && this.awaited.size === 0) this.done?.();
  }
}
