import type { Fanout } from '../../core/delivery/fanout';
import type { RemoteResumeRequest } from '../../core/extensions';
import { answerMovedResume, refuseResume } from '../../core/handlers/resume';
import type { Parts } from '../../core/parts';
import { nodeChannel, sessionChannels } from '../../core/ports/backplane';
import { settleWithin } from '../../core/ports/clock';
import type { SessionRecords, StoredSession } from '../../core/ports/session-store';
import type { SessionDispatch } from '../../core/session';
import { SESSION_GONE } from '../resume/planner';
import { HANDOVER, HANDOVER_STEP_MS } from './messages';
import type { RecordKeeper } from './record-keeper';
import { Taking } from './taking';

export type TakerParts = Pick<
  Parts,
  'registry' | 'lifecycle' | 'membership' | 'presence' | 'counters' | 'options' | 'authExpiry' | 'newSession'
>;

/** Whether an instance is known to be gone: then it is not asked. */
export type HolderGone = (holder: string) => Promise<boolean>;

/**
 * The taker's side of a handover: a client resumed here a session another instance holds. Ask the holder,
 * subscribe to the rooms it offers, have it cut every channel with a mark, then number its ring after the
 * client's seq and, after it, what each channel brought past its mark. Whatever fails refuses the resume:
 * the client identifies afresh and recovers its rooms from their logs.
 */
export class Taker {
  private readonly takings = new Map<string, Taking>();
  private counter = 0;

  constructor(
    private readonly parts: TakerParts,
    private readonly fanout: Pick<Fanout, 'publish'>,
    private readonly records: SessionRecords,
    private readonly keeper: RecordKeeper,
    private readonly holderGone: HolderGone,
  ) {}

  /** The handover a message on this instance's channel (or a mark) is about, if it is still under way. */
  taking(token: string): Taking | undefined {
    return this.takings.get(token);
  }

  async resume(request: RemoteResumeRequest): Promise<void> {
    const { connection, sessionId, userId } = request;
    const { lifecycle, options } = this.parts;
    const waiting = () => connection.state === 'identifying';
    const stored = await this.read(sessionId);
    if (!waiting()) return;
    if (stored === undefined || stored.holder === options.serverId) return this.refuse(request, SESSION_GONE);
    const { record, holder } = stored;
    if (userId !== undefined && userId !== record.user.id) {
      return this.refuse(request, "The token's user is not the session's user; identify afresh.");
    }
    // Without a token the record names the user, and a banned one is refused (a token's was, before this).
    if (userId === undefined && !(await lifecycle.admit(connection, record.user.id))) return;
    if (await this.surelyGone(holder)) return this.refuse(request, SESSION_GONE);
    if (!waiting()) return;
    if (!lifecycle.makeRoomFor(connection, record.user.id)) return;
    const taking = new Taking(`${options.serverId}:${++this.counter}`, holder, options.clock, HANDOVER_STEP_MS);
    this.takings.set(taking.token, taking);
    try {
      await this.take(request, stored, taking);
    } finally {
      this.takings.delete(taking.token);
    }
  }

  /** Every handover under way is off (the gateway stops). */
  stop(): void {
    for (const taking of this.takings.values()) taking.refused('The server is stopping.');
  }

  private async take(request: RemoteResumeRequest, stored: StoredSession, taking: Taking): Promise<void> {
    const { connection, sessionId, seq } = request;
    const { registry, membership, newSession, lifecycle, presence } = this.parts;
    const { record } = stored;
    const waiting = () => connection.state === 'identifying';
    this.send(taking, HANDOVER.ask, {
      token: taking.token,
      from: this.parts.options.serverId,
      session_id: sessionId,
      seq,
      user_id: record.user.id,
    });
    const offer = await taking.offer();
    if ('refused' in offer) return this.refuse(request, offer.refused);
    if (!waiting() || registry.session(sessionId) !== undefined) return this.giveUp(taking);

    const session = newSession(sessionId, record.user, record.device_id, record.device_type);
    const held: SessionDispatch[] = [];
    // Before its mark a channel's dispatches are the holder's (in its ring); after it, this instance's.
    session.gateWith((dispatch, channel) => {
      if (channel === undefined || taking.marked.has(channel)) held.push(dispatch);
      return false;
    });
    this.keeper.taking(session);
    // Reachable here, its channels subscribed; its device is announced here only once it is here for good.
    membership.adopt(session);
    for (const roomId of offer.ok.rooms) membership.joinRoom(session, roomId);
    const channels = sessionChannels(record.user.id, offer.ok.rooms);
    // The backplane holds this until the subscriptions just made are confirmed: every mark reaches here.
    this.send(taking, HANDOVER.cut, { token: taking.token });
    const ring = await taking.handedOver(channels);
    if (session.ended) {
      // Ended here meanwhile (a ban, say): nothing to resume.
      if (waiting()) this.refuse(request, SESSION_GONE);
      return;
    }
    if ('refused' in ring) {
      this.keeper.dropTaking(session);
      lifecycle.handOver(session);
      if (waiting()) this.refuse(request, ring.refused);
      else this.giveUp(taking);
      return;
    }
    // Synchronous from here to the answer: no live dispatch can come between.
    session.gateWith(undefined);
    // The same device, in the same state: nobody sees a change, and the presence table names this instance.
    presence.up(session, offer.ok.status, offer.ok.data);
    session.startAt(seq);
    for (const [type, body] of ring.ok) session.dispatch({ type, body });
    for (const dispatch of held) session.dispatch(dispatch);
    this.keeper.took(session);
    this.parts.counters.sessionMoved('in');
    answerMovedResume(this.parts, request, session, taking.holder);
  }

  /** Whether the holder is known to be gone; asked of Redis for at most one step, then taken as alive. */
  private surelyGone(holder: string): Promise<boolean> {
    const unsure = this.holderGone(holder).catch(() => false);
    return settleWithin(this.parts.options.clock, unsure, HANDOVER_STEP_MS, false);
  }

  private async read(sessionId: string): Promise<StoredSession | undefined> {
    try {
      return await this.records.read(sessionId);
    } catch (error) {
      this.parts.options.logger.warn({ err: error, session_id: sessionId }, 'could not read a session record');
      return undefined;
    }
  }

  /** Tells the holder the handover is off: the session stays there. */
  private giveUp(taking: Taking): void {
    this.send(taking, HANDOVER.refuse, { token: taking.token, reason: 'The client left.' });
  }

  private send(taking: Taking, type: string, payload: unknown): void {
    this.fanout.publish(nodeChannel(taking.holder), type, payload, false);
  }

  private refuse(request: RemoteResumeRequest, reason: string): void {
    refuseResume(this.parts, request.connection, request.sessionId, reason, request.ref);
  }
}
