/** Where a message goes: every connection in a room, every connection of a user, or everyone. */
export type Channel = `room:${string}` | `user:${string}` | 'all';

export const roomChannel = (roomId: string): Channel => `room:${roomId}`;
export const userChannel = (userId: string): Channel => `user:${userId}`;
export const ALL_CHANNEL: Channel = 'all';

/** Plain strings and arrays only, so a networked backplane can carry it as JSON unchanged. */
export interface BackplaneMessage {
  readonly type: string;
  /** The frame serialised once, without its opening brace (`PreparedDispatch.body`). */
  readonly body: string;
  /** Dispatches get each recipient's next seq; ephemeral frames (typing, ephemeral custom events) do not. */
  readonly sequenced: boolean;
  readonly exclude?: {
    readonly sessions?: readonly string[];
    readonly users?: readonly string[];
  };
}

export type BackplaneListener = (channel: Channel, message: BackplaneMessage) => void;

/** One gateway instance's attachment to the backplane. */
export interface BackplaneNode {
  /** Start receiving a channel's messages (a local connection needs them). */
  subscribe(channel: Channel): void;
  unsubscribe(channel: Channel): void;
  /** Deliver to every node subscribed to the channel, this one included. */
  publish(channel: Channel, message: BackplaneMessage): void;
  close(): void;
}

/**
 * Carries room, user and broadcast fan-out between gateway instances. The in-memory one serves a
 * single process (or several gateways in one test); a Redis one replaces it behind the same interface.
 */
export interface Backplane {
  connect(listener: BackplaneListener): BackplaneNode;
}
