import type { Fanout } from '../../core/delivery/fanout';
import type { Parts } from '../../core/parts';
import { type Channel, nodeChannel, sessionChannels } from '../../core/ports/backplane';
import type { TimerHandle } from '../../core/ports/clock';
import type { Session } from '../../core/session';
import { type AskPayload, HANDOVER, HANDOVER_STEP_MS, ringParts } from './messages';

export type GiverParts = Pick<Parts, 'registry' | 'lifecycle' | 'presence' | 'options' | 'counters'>;

/** A session of this instance on its way to another. */
interface Giving {
  readonly token: string;
  readonly to: string;
  readonly session: Session;
  readonly seq: number;
  /** The rooms offered: the taker subscribes to these, so they must not change until the ring goes. */
  readonly rooms: readonly string[];
  phase: 'offered' | 'cutting';
  /** The session's channels, and those whose mark is back (from there on the taker numbers them). */
  channels: readonly Channel[];
  readonly marked: Set<Channel>;
  deadline: TimerHandle;
}

/**
 * The holder's side of a handover. Asked, it offers the session's rooms; told to cut, it publishes a mark on
 * each of the session's channels and numbers what each channel brings until its mark comes back; then it sends
 * the dispatches after the client's seq and forgets the session without a word to anyone (it lives on there).
 * Anything off (a step late, the rooms changed, the client's seq out of reach) refuses, and the session stays.
 */
export class Giver {
  private readonly byToken = new Map<string, Giving>();
  private readonly bySession = new Map<string, Giving>();

  constructor(
    private readonly parts: GiverParts,
    private readonly fanout: Pick<Fanout, 'publish' | 'status'>,
  ) {}

  asked(ask: AskPayload): void {
    const { registry, lifecycle, options } = this.parts;
    const session = registry.session(ask.session_id);
    if (session === undefined || session.ended) {
      this.refuseTo(ask.from, ask.token, 'The session is gone.');
      return;
    }
    if (session.user.id !== ask.user_id) {
      this.refuseTo(ask.from, ask.token, "The token's user is not the session's user.");
      return;
    }
    if (this.bySession.has(session.id)) {
      this.refuseTo(ask.from, ask.token, 'The session is moving already.');
      return;
    }
    if (session.missedSince(ask.seq) === undefined) {
      // As a resume here would: the client cannot get what it missed, so the session is over.
      this.refuseTo(ask.from, ask.token, `The session cannot be resumed from seq ${ask.seq}; identify afresh.`);
      lifecycle.endRefused(session);
      return;
    }
    const rooms = [...session.rooms];
    const giving: Giving = {
      token: ask.token,
      to: ask.from,
      session,
      seq: ask.seq,
      rooms,
      phase: 'offered',
      channels: [],
      marked: new Set(),
      deadline: this.deadline(ask.token),
    };
    this.byToken.set(giving.token, giving);
    this.bySession.set(session.id, giving);
    const own = session.presence;
    this.publish(giving.to, HANDOVER.offer, {
      token: giving.token,
      rooms,
      status: own?.status ?? 'online',
      ...(own?.data === undefined ? {} : { data: own.data }),
    });
    options.logger.debug({ session_id: session.id, to: giving.to }, 'handing a session over');
  }

  /** The taker is subscribed to every channel of the session: mark each, and take what follows no more. */
  cut(token: string): void {
    const giving = this.byToken.get(token);
    if (giving === undefined || giving.phase !== 'offered') return;
    const { session } = giving;
    if (session.ended || !this.sameRooms(session, giving)) {
      this.cancel(giving, 'The session changed while moving; identify afresh.');
      return;
    }
    if (this.fanout.status().state !== 'ok') {
      this.cancel(giving, 'The backplane is degraded.');
      return;
    }
    giving.phase = 'cutting';
    giving.channels = sessionChannels(session.user.id, giving.rooms);
    this.restartDeadline(giving);
    // Past its mark a channel is the taker's: what it brings now would reach the client twice.
    session.gateWith((_, channel) => channel === undefined || !giving.marked.has(channel));
    for (const channel of giving.channels) this.fanout.publish(channel, HANDOVER.mark, { token }, false);
  }

  /** A mark came back on `channel`. */
  marked(channel: Channel, token: string): void {
    const giving = this.byToken.get(token);
    if (giving === undefined || giving.phase !== 'cutting') return;
    giving.marked.add(channel);
    if (giving.channels.every((each) => giving.marked.has(each))) this.complete(giving);
  }

  /** The taker gave up (its client left, a step ran late there). */
  refused(token: string): void {
    const giving = this.byToken.get(token);
    if (giving !== undefined) this.cancel(giving, undefined);
  }

  /** The session was resumed here, or ended, while being handed over: it stays, or is gone. */
  interrupted(session: Session): void {
    const giving = this.bySession.get(session.id);
    if (giving !== undefined) this.cancel(giving, 'The session was resumed elsewhere or has ended.');
  }

  /** Every handover under way is off (the gateway stops). */
  stop(): void {
    for (const giving of [...this.byToken.values()]) this.cancel(giving, 'The server is stopping.');
  }

  private complete(giving: Giving): void {
    const { session, seq, token } = giving;
    const { presence, lifecycle } = this.parts;
    this.drop(giving);
    session.gateWith(undefined);
    // A room joined or left since the offer has no cut: the taker would miss it or keep it.
    if (!this.sameRooms(session, giving)) {
      this.refuseTo(giving.to, token, 'The session changed while moving; identify afresh.');
      return;
    }
    // It numbered no presence event while away: what it missed goes in the ring, each user as they are.
    if (session.away && !presence.catchUp(session)) {
      this.refuseTo(giving.to, token, 'The presence this session missed is no longer known; identify afresh.');
      lifecycle.endRefused(session);
      return;
    }
    const missed = session.missedSince(seq);
    if (missed === undefined) {
      this.refuseTo(giving.to, token, `The session cannot be resumed from seq ${seq}; identify afresh.`);
      lifecycle.endRefused(session);
      return;
    }
    const dispatches = missed.map(({ prepared }) => [prepared.type, prepared.body] as const);
    for (const part of ringParts(token, dispatches)) this.publish(giving.to, HANDOVER.ring, part);
    lifecycle.handOver(session);
    this.parts.counters.sessionMoved('out');
  }

  private sameRooms(session: Session, giving: Giving): boolean {
    return session.rooms.size === giving.rooms.length && giving.rooms.every((room) => session.rooms.has(room));
  }

  private cancel(giving: Giving, reason: string | undefined): void {
    this.drop(giving);
    giving.session.gateWith(undefined);
    if (reason !== undefined) this.refuseTo(giving.to, giving.token, reason);
  }

  private drop(giving: Giving): void {
    this.parts.options.clock.clearTimeout(giving.deadline);
    this.byToken.delete(giving.token);
    if (this.bySession.get(giving.session.id) === giving) this.bySession.delete(giving.session.id);
  }

  private deadline(token: string): TimerHandle {
    return this.parts.options.clock.setTimeout(() => {
      const giving = this.byToken.get(token);
      if (giving !== undefined) this.cancel(giving, 'The handover ran out of time.');
    }, HANDOVER_STEP_MS);
  }

  private restartDeadline(giving: Giving): void {
    this.parts.options.clock.clearTimeout(giving.deadline);
    giving.deadline = this.deadline(giving.token);
  }

  private refuseTo(to: string, token: string, reason: string): void {
    this.publish(to, HANDOVER.refuse, { token, reason });
  }

  private publish(to: string, type: string, payload: unknown): void {
    this.fanout.publish(nodeChannel(to), type, payload, false);
  }
}
