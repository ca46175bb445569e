import type { Anchor, SessionRecord, StoredSession } from '../../core/ports/session-store';
import { comparePositions } from './positions';
import { pickAnchor } from './rebuild';

/** A resume for a session this instance does not hold. */
export interface ResumeRequest {
  readonly sessionId: string;
  /** The last seq the client has. */
  readonly seq: number;
  /** The token's user; undefined in dev mode. */
  readonly userId: string | undefined;
}

/** What the store had: the session's record (with its holder), and the oldest position still in the stream. */
export interface StoreFindings {
  readonly stored: StoredSession | undefined;
  readonly firstPosition: string | undefined;
}

export interface Refusal {
  readonly refuse: string;
}

/** Rebuild from `anchor` (the newest the client can use): the stream entries after it, numbered on from it. */
export interface RebuildPlan {
  readonly record: SessionRecord;
  readonly anchor: Anchor;
  readonly holder: string;
}

export const SESSION_GONE = 'The session has ended (or never existed); identify afresh.';

/**
 * Whether a session another instance held can be rebuilt here for a client at `request.seq`, and from where.
 * Pure: the same findings always give the same answer. `available` is false when this instance cannot take
 * sessions (it is stopping) or already holds this one.
 */
export function planResume(request: ResumeRequest, found: StoreFindings, available: boolean): Refusal | RebuildPlan {
  const { stored, firstPosition } = found;
  if (stored === undefined || !available) return { refuse: SESSION_GONE };
  const { record, holder } = stored;
  if (request.userId !== undefined && request.userId !== record.user.id) {
    return { refuse: "The token's user is not the session's user; identify afresh." };
  }
  const anchor = pickAnchor(record.anchors, request.seq);
  if (anchor === undefined) {
    return { refuse: `The session cannot be rebuilt back to seq ${request.seq} here; identify afresh.` };
  }
  if (firstPosition === undefined || comparePositions(firstPosition, anchor.pos) > 0) {
    return { refuse: 'The events stream no longer reaches back to this session; identify afresh.' };
  }
  return { record, anchor, holder };
}

/** The rooms a rebuilt session is in: the channels of its record that it had not left. */
export function roomsOf(record: SessionRecord): string[] {
  return Object.entries(record.channels)
    .filter(([channel, span]) => span.to === undefined && channel.startsWith('room:'))
    .map(([channel]) => channel.slice(5));
}
