import type { ClientConnection } from './client-connection';

/** A `resume` for a session this instance does not hold, token already verified. */
export interface RemoteResumeRequest {
  readonly connection: ClientConnection;
  readonly sessionId: string;
  readonly seq: number;
  readonly ref: string | undefined;
  /** The token's user; undefined in dev mode. */
  readonly userId: string | undefined;
  /** When the token expires (epoch ms); undefined: never. */
  readonly expiresAt: number | undefined;
}

/**
 * Lets the sessions go at stop, for their clients to resume on other instances; resolves once they are gone,
 * and those it leaves then end. `pacing`: when the clients were told to reconnect.
 */
export type ReleaseSessions = (pacing: { readonly afterMs: number; readonly jitterMs: number }) => Promise<void>;

/** Answers the connection either way: the missed dispatches then `resumed`, or `invalid_session`. */
export type RemoteResume = (request: RemoteResumeRequest) => Promise<void>;

/**
 * The places where a feature outside the core takes over a step the core cannot do alone: resuming a session
 * another instance held, and letting sessions go at stop (for another instance to resume) instead of ending
 * them. Each is empty unless a feature fills it (the composition root does).
 */
export class Extensions {
  private remote: RemoteResume | undefined;
  private release: ReleaseSessions | undefined;

  /** Who resumes sessions this instance does not have; none: such a resume is refused. */
  resumeElsewhereWith(remote: RemoteResume): void {
    this.remote = remote;
  }

  get resumeElsewhere(): RemoteResume | undefined {
    return this.remote;
  }

  /** What stop does with live sessions instead of ending them; resolves once they are let go. */
  releaseSessionsWith(release: ReleaseSessions): void {
    this.release = release;
  }

  get releaseSessions(): ReleaseSessions | undefined {
    return this.release;
  }
}
