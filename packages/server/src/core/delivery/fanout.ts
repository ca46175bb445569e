import { prepareDispatch } from '@gateway/protocol';
import {
  type Backplane,
  type BackplaneMessage,
  type BackplaneNode,
  type BackplaneStatus,
  type Channel,
  roomOfChannel,
} from '../ports/backplane';
import type { LoggedAt } from '../ports/room-logs';
import { isPresenceEvent } from '../presence/away';
import type { Session } from '../session';
import { SharedBody } from './shared-body';

/**
 * The body a logged room dispatch reaches sessions with: its position in the envelope (`pos`), before the
 * rest, built once per message for every recipient.
 */
export function withPosition(message: BackplaneMessage, logged: LoggedAt): BackplaneMessage {
  return { ...message, body: positionPrefix(logged) + message.body };
}

function positionPrefix({ roomId, epoch, offset }: LoggedAt): string {
  return `"pos":${JSON.stringify({ room_id: roomId, epoch, offset })},`;
}

/** Sees a message before this instance's sessions do; true keeps it from them. */
export type Interceptor = (channel: Channel, message: BackplaneMessage) => boolean;

/** Told of every local delivery: when it began (`now` of the gateway's clock) and how many sessions it reached. */
export interface FanoutObserver {
  now(): number;
  delivered(ms: number, deliveries: number): void;
}

export interface Exclusions {
  sessions?: readonly string[];
  users?: readonly string[];
}

/**
 * Routes room, user and broadcast traffic through the backplane and delivers what arrives to the local
 * sessions on that channel. Each frame is serialised once; recipients differ only by seq.
 */
export class Fanout {
  private readonly node: BackplaneNode;
  /** Sees every message before the sessions; true keeps it from them (resume anywhere's own messages). */
  private interceptor: Interceptor | undefined;
  /** Sees every message the sessions are about to get (presence's away log). */
  private peeker: ((channel: Channel, message: BackplaneMessage) => void) | undefined;

  constructor(
    backplane: Backplane,
    /** Local sessions a channel reaches, attached or detached. */
    private readonly recipients: (channel: Channel) => readonly Session[],
    /** Carried as the origin of what this gateway publishes. */
    serverId?: string,
    /** Counts and times each delivery to this instance's sessions (stats, metrics). */
    private readonly observer?: FanoutObserver,
  ) {
    this.node = backplane.connect(
      (channel, message) => this.deliver(channel, message),
      serverId === undefined ? {} : { serverId },
    );
  }

  status(): BackplaneStatus {
    return this.node.status();
  }

  /** How many receivers the channel has over the whole backplane; undefined when the backplane cannot tell. */
  listeners(channel: Channel): Promise<number> | undefined {
    return this.node.listeners?.(channel);
  }

  watch(channel: Channel): void {
    this.node.subscribe(channel);
  }

  unwatch(channel: Channel): void {
    this.node.unsubscribe(channel);
  }

  publish(
    channel: Channel,
    type: string,
    payload: unknown,
    sequenced: boolean,
    exclude?: Exclusions,
    once?: BackplaneMessage['once'],
  ): void {
    const { body } = prepareDispatch(type, payload);
    const message: { -readonly [K in keyof BackplaneMessage]: BackplaneMessage[K] } = { type, body, sequenced };
    // A room's log holds what a client recovers after its session is gone; presence is told as it is instead.
    if (sequenced && roomOfChannel(channel) !== undefined && !isPresenceEvent(type)) message.log = true;
    if (exclude !== undefined) message.exclude = exclude;
    if (once !== undefined) message.once = once;
    this.node.publish(channel, message);
  }

  /** To this instance's sessions on the channel only: what only this instance's clients need to hear. */
  deliverHere(channel: Channel, type: string, payload: unknown, sequenced: boolean, exclude?: Exclusions): void {
    const { body } = prepareDispatch(type, payload);
    this.deliver(channel, exclude === undefined ? { type, body, sequenced } : { type, body, sequenced, exclude });
  }

  close(): void {
    this.node.close();
  }

  /** Puts `interceptor` before every delivery (one at a time; a second replaces the first). */
  intercept(interceptor: Interceptor): void {
    this.interceptor = interceptor;
  }

  /** Shows `peeker` each message before the sessions get it (one at a time; a second replaces the first). */
  peek(peeker: (channel: Channel, message: BackplaneMessage) => void): void {
    this.peeker = peeker;
  }

  private deliver(channel: Channel, received: BackplaneMessage): void {
    if (this.interceptor?.(channel, received) === true) return;
    const message = received.logged === undefined ? received : withPosition(received, received.logged);
    this.peeker?.(channel, message);
    // A session waiting for a resume buffers no presence event: it is told presence as it is when it is back.
    const skipAway = isPresenceEvent(message.type);
    const skipSessions = message.exclude?.sessions;
    const skipUsers = message.exclude?.users;
    // Encoded at most once, by the first recipient whose transport takes bytes, and shared by all of them.
    const shared = new SharedBody(message.body);
    const startedAt = this.observer?.now();
    let deliveries = 0;
    for (const session of this.recipients(channel)) {
      if (session.ended) continue;
      if (skipSessions?.includes(session.id)) continue;
      if (skipUsers?.includes(session.user.id)) continue;
      if (skipAway && session.away) continue;
      // A detached session still numbers and buffers the dispatch (by reference); ephemeral frames are dropped.
      if (message.sequenced) session.dispatch(message, shared, channel);
      else session.writeShared('{', shared);
      deliveries++;
    }
    if (startedAt !== undefined) this.observer?.delivered(this.observer.now() - startedAt, deliveries);
  }
}
