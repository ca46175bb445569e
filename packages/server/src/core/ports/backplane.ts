/**
 * Where a message goes: every connection in a room, every connection of a user, or everyone; `presence`
 * and `moderation` are internal (the instances' presence deltas, operators' disconnects; never delivered
 * to clients).
 */
export type Channel = `room:${string}` | `user:${string}` | 'all' | 'presence' | 'moderation' | `node:${string}`;

export const roomChannel = (roomId: string): Channel => `room:${roomId}`;
/** The room a channel carries; undefined for a user, broadcast or internal channel. */
export const roomOfChannel = (channel: string): string | undefined =>
  channel.startsWith('room:') ? channel.slice('room:'.length) : undefined;
export const userChannel = (userId: string): Channel => `user:${userId}`;
export const ALL_CHANNEL: Channel = 'all';
export const PRESENCE_CHANNEL: Channel = 'presence';
/** Operators' disconnects and bans (moderation), heard by every instance. */
export const MODERATION_CHANNEL: Channel = 'moderation';
/** Every channel a session of `userId` in these rooms hears: broadcasts, its user's, each room's. */
export const sessionChannels = (userId: string, rooms: Iterable<string>): Channel[] => [
  ALL_CHANNEL,
  userChannel(userId),
  ...[...rooms].map(roomChannel),
];
/** One instance's own channel (resume anywhere: its stream markers, and word that another instance took a session). */
export const nodeChannel = (serverId: string): Channel => `node:${serverId}`;

import type { BackplaneMessage } from './backplane-message';
import type { RoomLogs } from './room-logs';

export type { BackplaneMessage } from './backplane-message';

/**
 * `degraded`: the backplane cannot reach its peers, so publishes reach this instance's own sessions only
 * until it recovers by itself.
 */
export type BackplaneState = 'ok' | 'degraded';

export interface BackplaneStatus {
  /** `memory`, `redis`, or a custom backplane's name. */
  readonly kind: string;
  readonly state: BackplaneState;
  /** Epoch ms of the last change of `state`. */
  readonly since: number;
  /** Why it is degraded (the last connection error), when it is. */
  readonly detail?: string;
  /** Channels this instance receives. */
  readonly channels: number;
}

export type BackplaneListener = (channel: Channel, message: BackplaneMessage) => void;

/** One gateway instance's attachment to the backplane. */
export interface BackplaneNode {
  /** Start receiving a channel's messages (a local connection needs them). */
  subscribe(channel: Channel): void;
  unsubscribe(channel: Channel): void;
  /** Deliver to every node subscribed to the channel, this one included. */
  publish(channel: Channel, message: BackplaneMessage): void;
  /** Health and counters of the backplane as this instance sees it (for `/health` and `/stats`). */
  status(): BackplaneStatus;
  /**
   * How many receivers (instances' connections) the channel has now, over the whole backplane; absent when
   * the backplane cannot tell. Resume on any instance asks it of a holder's own channel: none means the
   * holder is gone, so the client need not wait for an answer that cannot come.
   */
  listeners?(channel: Channel): Promise<number>;
  close(): void;
}

export interface BackplaneNodeOptions {
  /** The gateway's server id, carried as the `origin` of what it publishes. */
  serverId?: string;
  /**
   * Called when the backplane's state changes (a networked one losing or regaining its peers), so the node
   * can put right what it could not share meanwhile. A backplane that never degrades never calls it.
   */
  onState?: (state: BackplaneState) => void;
}

/**
 * Carries room, user and broadcast fan-out between gateway instances, and nothing else: storage has ports of
 * its own. The in-memory one serves a single process (or several gateways in one test); a Redis one replaces
 * it behind the same interface.
 */
export interface Backplane {
  connect(listener: BackplaneListener, options?: BackplaneNodeOptions): BackplaneNode;
  /** The read side of the room logs this backplane keeps as it publishes; absent: rooms cannot be recovered. */
  readonly logs?: RoomLogs | undefined;
}
