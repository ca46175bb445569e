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

/** Answers the connection either way: the missed dispatches then `resumed`, or `invalid_session`. */
export type RemoteResume = (request: RemoteResumeRequest) => Promise<void>;

/**
 * The places where a feature outside the core takes over a step the core cannot do alone: resuming a session
 * another instance held, and letting sessions go at stop (for another instance to resume) instead of ending
 * them. Each is empty unless a feature fills it (the composition root does).
 */
export class Extensions {
  private remote: RemoteResume | undefined;
  private release: (() => Promise<void>) | undefined;

  /** Who resumes sessions this instance does not have; none: such a resume is refused. */
  resumeElsewhereWith(remote: RemoteResume): void {
    this.remote = remote;
  }

  get resumeElsewhere(): RemoteResume | undefined {
    return this.remote;
  }

  /** What stop does with live sessions instead of ending them; resolves once they are let go. */
  releaseSessionsWith(release: () => Promise<void>): void {
    this.release = release;
  }

  get releaseSessions(): (() => Promise<void>) | undefined {
    return this.release;
  }
}
