import { type ClientFrameOf, sequenceDispatch } from '@gateway/protocol';
import type { ClientConnection } from '../client-connection';
import type { BufferedDispatch } from '../delivery/replay-buffer';
import type { RemoteResumeRequest } from '../extensions';
import type { Parts } from '../parts';
import type { Session } from '../session';
import { verifyClientToken } from './authenticate';

type Verdict =
  | { ok: true; session: Session; missed: BufferedDispatch[] }
  /** `end`: the session cannot be resumed any more, so it ends now instead of lingering in presence. */
  | { ok: false; reason: string; end: Session | undefined };

/** What answering a resume takes, whichever instance held the session. */
export type ResumeAnswerParts = Pick<Parts, 'counters' | 'options' | 'authExpiry' | 'lifecycle'>;

/**
 * Resume: the token as for identify, then the session must exist, belong to the token's user and still
 * reach back to `seq + 1`. Success replays the missed dispatches and answers `resumed`, all in one
 * synchronous run so no live event can come between them. Presence and rooms do not change. A session this
 * instance does not hold goes to whoever resumes sessions from elsewhere (resume on any instance), if anyone.
 */
export async function onResume(
  rt: ResumeAnswerParts & Pick<Parts, 'replies' | 'registry' | 'extensions' | 'presence'>,
  connection: ClientConnection,
  frame: ClientFrameOf<'resume'>,
): Promise<void> {
  if (!connection.moveTo('identifying')) {
    rt.replies.reject(connection, 'already_identified', 'This connection has identified already.', frame.ref);
    return;
  }
  const { session_id: sessionId, seq, token } = frame.payload;
  let userId: string | undefined;
  let expiresAt: number | undefined;
  const verify = rt.options.verifyToken;
  if (verify !== undefined) {
    const verified = await verifyClientToken(rt, connection, verify, token, 'resume');
    if (verified === undefined) return;
    userId = verified.id;
    expiresAt = verified.expires_at;
  }
  if (connection.state !== 'identifying') return;
  // A banned user (moderation) is refused first: the token's, or the session's here (elsewhere: its record's).
  const owner = userId ?? rt.registry.session(sessionId)?.user.id;
  if (owner !== undefined) {
    const admitted = rt.lifecycle.admit(connection, owner);
    if (!(admitted instanceof Promise ? await admitted : admitted)) return;
  }

  const elsewhere = rt.extensions.resumeElsewhere;
  if (elsewhere !== undefined && rt.registry.session(sessionId) === undefined) {
    await elsewhere({ connection, sessionId, seq, ref: frame.ref, userId, expiresAt });
    return;
  }
  catchUpPresence(rt, rt.registry.session(sessionId), userId);
  const verdict = judge(rt.registry.session(sessionId), userId, seq);
  if (!verdict.ok) {
    refuseResume(rt, connection, sessionId, verdict.reason, frame.ref);
    if (verdict.end !== undefined) rt.lifecycle.endRefused(verdict.end);
    return;
  }
  const { session, missed } = verdict;
  rt.lifecycle.takeOver(session);
  rt.lifecycle.attach(session, connection);
  completeResume(rt, { session, connection, seq, missed, ref: frame.ref, expiresAt });
  rt.options.logger.debug({ session_id: session.id, replayed: missed.length }, 'resumed');
}

/** `invalid_session`: the connection may still identify, the client's next step. */
export function refuseResume(
  rt: Pick<Parts, 'counters' | 'options'>,
  connection: ClientConnection,
  sessionId: string,
  reason: string,
  ref: string | undefined,
): void {
  rt.counters.resumeRefused();
  connection.moveTo('pre_identify');
  connection.send('invalid_session', { resumable: false, reason }, ref);
  rt.options.logger.debug({ session_id: sessionId, reason }, 'resume refused');
}

/**
 * Answers a resume for a session that came here from another instance (rebuilt from the events stream, or
 * handed over), numbered up to now: attached and answered when it reaches back to the client's seq, refused
 * and ended when it does not, kept waiting for a resume when the client went away meanwhile.
 */
export function answerMovedResume(
  rt: ResumeAnswerParts,
  request: RemoteResumeRequest,
  session: Session,
  from: string | undefined,
): void {
  const { connection, seq, ref, expiresAt, sessionId } = request;
  const missed = session.missedSince(seq);
  const waiting = connection.state === 'identifying';
  if (missed === undefined) {
    if (waiting)
      refuseResume(rt, connection, sessionId, `The session cannot be resumed from seq ${seq}; identify afresh.`, ref);
    rt.lifecycle.end(session);
    return;
  }
  if (!waiting) {
    rt.lifecycle.keepForResume(session);
    return;
  }
  rt.lifecycle.attach(session, connection);
  completeResume(rt, { session, connection, seq, missed, ref, expiresAt });
  rt.options.logger.debug(
    { session_id: sessionId, replayed: missed.length, from },
    'resumed a session from another instance',
  );
}

/** The session is attached to the connection: what the client missed, then `resumed`. */
export function completeResume(
  rt: ResumeAnswerParts,
  resumed: {
    session: Session;
    connection: ClientConnection;
    seq: number;
    missed: readonly BufferedDispatch[];
    ref: string | undefined;
    expiresAt: number | undefined;
  },
): void {
  const { session, connection, seq, missed, ref, expiresAt } = resumed;
  session.trimReplay(seq);
  for (const entry of missed) connection.write(sequenceDispatch(entry.prepared, entry.seq));
  connection.send('resumed', { session_id: session.id, replayed: missed.length }, ref);
  rt.authExpiry.set(connection, expiresAt);
  rt.counters.resumed(missed.length);
}

/**
 * A session waiting here buffered no presence event: what it missed is dispatched now, each changed user as they
 * are, so the replay below carries it. One whose missed presence was let go (over the away log's budget) ends.
 */
function catchUpPresence(
  rt: Pick<Parts, 'presence' | 'lifecycle'>,
  session: Session | undefined,
  userId: string | undefined,
): void {
  if (session === undefined || session.ended || (userId !== undefined && userId !== session.user.id)) return;
  if (!rt.presence.catchUp(session)) rt.lifecycle.end(session);
}

function judge(session: Session | undefined, userId: string | undefined, seq: number): Verdict {
  if (session === undefined || session.ended) {
    return { ok: false, reason: 'The session has ended (or never existed); identify afresh.', end: undefined };
  }
  // Not ended: someone else's token must not be able to end a session by naming its id.
  if (userId !== undefined && userId !== session.user.id) {
    return { ok: false, reason: "The token's user is not the session's user; identify afresh.", end: undefined };
  }
  if (seq > session.lastSeq) {
    return { ok: false, reason: `Seq ${seq} is ahead of the session (last ${session.lastSeq}).`, end: session };
  }
  const missed = session.replay.since(seq);
  if (missed === undefined) {
    return { ok: false, reason: `The replay buffer no longer reaches back to seq ${seq}.`, end: session };
  }
  return { ok: true, session, missed };
}
