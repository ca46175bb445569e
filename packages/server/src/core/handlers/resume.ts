import { type ClientFrameOf, sequenceDispatch } from '@gateway/protocol';
import type { ClientConnection } from '../client-connection';
import type { BufferedDispatch } from '../replay-buffer';
import type { Runtime } from '../runtime';
import type { Session } from '../session';
import { verifyClientToken } from './authenticate';

type Verdict =
  | { ok: true; session: Session; missed: BufferedDispatch[] }
  /** `end`: the session cannot be resumed any more, so it ends now instead of lingering in presence. */
  | { ok: false; reason: string; end: Session | undefined };

/**
 * Resume: the token as for identify, then the session must exist, belong to the token's user and still
 * reach back to `seq + 1`. Success replays the missed dispatches and answers `resumed`, all in one
 * synchronous run so no live event can come between them. Presence and rooms do not change.
 */
export async function onResume(
  rt: Runtime,
  connection: ClientConnection,
  frame: ClientFrameOf<'resume'>,
): Promise<void> {
  if (connection.state !== 'pre_identify') {
    rt.reject(connection, 'already_identified', 'This connection has identified already.', frame.ref);
    return;
  }
  const { session_id: sessionId, seq, token } = frame.payload;
  connection.state = 'identifying';
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

  // Not here: with Redis, rebuilt from the events stream (its holder may have been drained or killed).
  const anywhere = rt.resumeAnywhere;
  if (anywhere !== undefined && rt.sessions.get(sessionId) === undefined) {
    await anywhere.resume(connection, frame, userId, expiresAt);
    return;
  }
  const verdict = judge(rt.sessions.get(sessionId), userId, seq);
  if (!verdict.ok) {
    rt.counters.resumesRefused += 1;
    // The connection may still identify: the client's next step after invalid_session.
    connection.state = 'pre_identify';
    connection.send('invalid_session', { resumable: false, reason: verdict.reason }, frame.ref);
    if (verdict.end !== undefined) rt.lifecycle.endRefused(verdict.end);
    rt.options.logger.debug({ session_id: sessionId, reason: verdict.reason }, 'resume refused');
    return;
  }
  const { session, missed } = verdict;
  rt.lifecycle.takeOver(session);
  rt.lifecycle.attach(session, connection);
  session.trimReplay(seq);
  for (const entry of missed) connection.write(sequenceDispatch(entry.prepared, entry.seq));
  connection.send('resumed', { session_id: session.id, replayed: missed.length }, frame.ref);
  rt.authExpiry.set(connection, expiresAt);
  rt.counters.resumesOk += 1;
  rt.counters.replayedEvents += missed.length;
  rt.options.logger.debug({ session_id: session.id, replayed: missed.length }, 'resumed');
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
