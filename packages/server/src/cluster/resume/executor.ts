import type { Fanout } from '../../core/delivery/fanout';
import type { RemoteResumeRequest } from '../../core/extensions';
import { answerMovedResume, refuseResume } from '../../core/handlers/resume';
import type { Parts } from '../../core/parts';
import { nodeChannel } from '../../core/ports/backplane';
import type { SessionStore, StreamEntry } from '../../core/ports/session-store';
import { coalesceMissed } from '../../core/presence/catch-up';
import type { Session, SessionDispatch } from '../../core/session';
import { planResume, type RebuildPlan, roomsOf, SESSION_GONE, type StoreFindings } from './planner';
import { comparePositions } from './positions';
import { rebuildDispatches } from './rebuild';
import { HANDOVER_TYPE, type StreamTracker } from './tracker';

/** Stream entries a rebuild may read (the stream is capped near 100 000 by default). */
const MAX_SCAN = 250_000;

export type ExecutorParts = Pick<
  Parts,
  'registry' | 'lifecycle' | 'membership' | 'counters' | 'options' | 'authExpiry' | 'newSession' | 'presence'
>;

/** How a rebuild ended: the session, numbered up to now; or why the client must identify afresh. */
type Rebuilt = { readonly session: Session } | { readonly refuse: string } | { readonly gone: true };

/**
 * Carries out a resume for a session another instance held: read its record, plan (`planResume`), claim it,
 * rebuild it from the events stream, then answer. Each step that waits is followed by one question, whether
 * the connection still waits for the answer; every change to the gateway's state goes through the core's
 * own methods (registry, membership, lifecycle).
 */
export class RemoteResumer {
  constructor(
    private readonly parts: ExecutorParts,
    private readonly fanout: Pick<Fanout, 'publish'>,
    private readonly store: SessionStore,
    private readonly tracker: StreamTracker,
    /** Records live this long past their last write. */
    private readonly recordTtlMs: number,
  ) {}

  async resume(request: RemoteResumeRequest): Promise<void> {
    const { connection, sessionId, seq, userId } = request;
    const { registry, lifecycle, options } = this.parts;
    const waiting = () => connection.state === 'identifying';
    const found = await this.find(sessionId);
    if (!waiting()) return;
    // Without a token the record names the user, and a banned one is refused (a token's was, before this).
    if (userId === undefined && found.stored !== undefined) {
      if (!(await lifecycle.admit(connection, found.stored.record.user.id))) return;
    }
    const plan = planResume(
      { sessionId, seq, userId },
      found,
      !this.tracker.isClosed && registry.session(sessionId) === undefined,
    );
    if ('refuse' in plan) return this.refuse(request, plan.refuse);
    const awayFrom = plan.record.away_from;
    if (
      awayFrom !== undefined &&
      (found.firstPosition === undefined || comparePositions(found.firstPosition, awayFrom) > 0)
    ) {
      // What it missed of presence while away is no longer in the stream: it could not be told.
      return this.refuse(request, 'The events stream no longer reaches back to this session; identify afresh.');
    }
    if (!lifecycle.makeRoomFor(connection, plan.record.user.id)) return;
    const claimed = await this.claim(sessionId);
    if (!waiting()) return;
    if (claimed === undefined || registry.session(sessionId) !== undefined) return this.refuse(request, SESSION_GONE);
    if (claimed.previous !== undefined && claimed.previous !== options.serverId) {
      this.fanout.publish(nodeChannel(claimed.previous), HANDOVER_TYPE, { session_id: sessionId }, false);
    }
    const rebuilt = await this.rebuild(sessionId, plan);
    if ('gone' in rebuilt) return;
    if ('refuse' in rebuilt) {
      if (waiting()) this.refuse(request, rebuilt.refuse);
      return;
    }
    answerMovedResume(this.parts, request, rebuilt.session, found.stored?.holder);
  }

  private async find(sessionId: string): Promise<StoreFindings> {
    try {
      const stored = await this.store.read(sessionId);
      const firstPosition = stored === undefined ? undefined : await this.store.firstPosition();
      return { stored, firstPosition };
    } catch (error) {
      this.parts.options.logger.warn({ err: error, session_id: sessionId }, 'could not read a session record');
      return { stored: undefined, firstPosition: undefined };
    }
  }

  private async claim(sessionId: string): Promise<{ previous: string | undefined } | undefined> {
    try {
      return await this.store.claim(sessionId, this.parts.options.serverId, this.recordTtlMs);
    } catch {
      return undefined;
    }
  }

  /**
   * Makes the session here, as it was: registered (its device comes up; the same device as before, so no
   * one is told of a change), in its rooms. Live dispatches up to a marker come from the stream instead;
   * later ones wait until the stream is read, then follow.
   */
  private async rebuild(sessionId: string, plan: RebuildPlan): Promise<Rebuilt> {
    const { record, anchor } = plan;
    const { membership, newSession } = this.parts;
    // A look at the backplane now, so that the one after the marker asks only whether it broke during this
    // rebuild: left to the sweep, a recovery before the rebuild (seen by no look yet) would refuse it.
    this.tracker.backplaneClean();
    const session = newSession(sessionId, record.user, record.device_id, record.device_type);
    const held: SessionDispatch[] = [];
    let marker: string | undefined;
    let broken = false;
    this.tracker.beginRebuild(session, (dispatch) => {
      if (dispatch.position === undefined) broken = true;
      else if (marker !== undefined && comparePositions(dispatch.position, marker) > 0) held.push(dispatch);
      return false;
    });
    membership.register(session, 'online');
    for (const roomId of roomsOf(record)) membership.joinRoom(session, roomId);
    const abandon = (reason: string): Rebuilt => {
      this.tracker.abandonRebuild(session);
      return { refuse: reason };
    };
    // `marker` is set within the delivery that brings it, so the very next dispatch is already held.
    await new Promise<void>((resolve) => {
      this.tracker.markers.place((position) => {
        marker = position;
        resolve();
      });
    });
    if (marker === undefined || !this.tracker.backplaneClean()) return abandon('Redis is unreachable; try again.');
    // From where the session went away when that is earlier: what it missed of presence since is read too.
    const awayFrom = record.away_from;
    const from = awayFrom !== undefined && comparePositions(awayFrom, anchor.pos) < 0 ? awayFrom : anchor.pos;
    const entries = await this.range(from, marker);
    if (session.ended) return { gone: true };
    if (entries === undefined || broken) return abandon('The session could not be rebuilt; identify afresh.');

    // Synchronous from here to the answer: no live dispatch can come between.
    session.gateWith(undefined);
    session.startAt(anchor.seq);
    const missed: StreamEntry[] = [];
    const away = awayFrom === undefined ? undefined : { from: awayFrom, missed };
    for (const { message } of rebuildDispatches(entries, record.channels, anchor, sessionId, record.user.id, away)) {
      session.dispatch(message);
    }
    // The presence the old holder did not number while the session was away: each changed user as they are now,
    // before the marker's anchor, so a later rebuild from it needs none of this.
    this.parts.presence.tellMissed(session, coalesceMissed(missed));
    this.tracker.completeRebuild(session, marker);
    for (const dispatch of held) session.dispatch(dispatch);
    this.parts.counters.sessionMoved('in');
    return { session };
  }

  private async range(after: string, through: string): Promise<StreamEntry[] | undefined> {
    try {
      return await this.store.range(after, through, MAX_SCAN);
    } catch {
      return undefined;
    }
  }

  private refuse(request: RemoteResumeRequest, reason: string): void {
    refuseResume(this.parts, request.connection, request.sessionId, reason, request.ref);
  }
}
