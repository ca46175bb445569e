import type { CustomClientPayloads, EventDefinition, PresenceEntry } from '@gateway/protocol';
import type { GatewayStream, StartStreamOptions } from './handlers/streams';
import type { AuthMode } from './options';
import type { Connection, ConnectionHandle, ConnectionInfo } from './ports/connection';
import type {
  BroadcastOptions,
  ClientEventType,
  EventHandler,
  GatewayStats,
  ReplayedEvent,
  RoomStatus,
  SendTarget,
  ServerEventMap,
  ServerEventType,
} from './types';

export interface DrainOptions {
  /** Clients wait this long before reconnecting. @default 0 */
  afterMs?: number;
  /** Plus a random share of this, so a fleet does not come back in lockstep. @default 1000 */
  jitterMs?: number;
  /** Sent in `reconnect` and `goodbye`. */
  reason?: string;
}

export interface StopOptions extends DrainOptions {
  /** @default 4002 (going away, resumable) */
  code?: number;
}

/** What `disconnect` does besides ending the sessions. */
export interface DisconnectOptions {
  /**
   * Why, told to each client in `goodbye` (and the close reason, cut to 123 bytes), kept with a ban and told
   * again with each refusal while it lasts, and logged. At most 256 characters.
   * @default 'An operator ended this session.'
   */
  reason?: string;
  /**
   * Also ban the user for `ms` milliseconds (a positive integer, on the gateway's clock): their `identify` and
   * `resume` are refused with `goodbye` and close 4409 until it ends, on every instance. A ban on a
   * `sessionId` bans that session's user. A ban already in force that ends later is kept.
   */
  ban?: { ms: number };
}

/** What `disconnect` did here. */
export interface DisconnectResult {
  /**
   * Sessions this instance ended, attached and detached. Sessions on other instances end when the command
   * reaches them over the backplane, a moment later, and are not counted here.
   */
  readonly disconnected: number;
}

/** The gateway core: no sockets, no HTTP; a transport feeds it connections through `open`. */
export interface Gateway<Events extends readonly EventDefinition[] = readonly EventDefinition[]> {
  /**
   * `jwt` when tokens are verified with the JWT secret, `custom` with the app's own `verifyToken`, `dev`
   * when identify may name its user.
   */
  readonly mode: AuthMode;
  readonly serverId: string;
  /** Transport seam: call on every new socket; feed its messages and its close to the handle. */
  open(connection: Connection, info?: ConnectionInfo): ConnectionHandle;
  /** Handles a custom client event type; a returned event is sent back to the sender. Returns an unregister function. */
  handle<T extends ClientEventType<Events>>(
    type: T,
    handler: EventHandler<Events, CustomClientPayloads<Events>[T]>,
  ): () => void;
  /** To everyone identified, or to one room; `exclude` skips sessions or users (seed 000). */
  broadcast<T extends ServerEventType<Events>>(
    type: T,
    payload: ServerEventMap<Events>[T],
    options?: BroadcastOptions,
  ): void;
  /**
   * To one session or every session of one user; a detached session buffers it for its resume. False when
   * no such session or user is here.
   */
  send<T extends ServerEventType<Events>>(target: SendTarget, type: T, payload: ServerEventMap<Events>[T]): boolean;
  /** Everyone online (visible), or the members of one room. */
  presence(roomId?: string): PresenceEntry[];
  /** A session's dispatches after `seq`; undefined for an unknown session or when the buffer no longer reaches back. */
  eventsSince(sessionId: string, seq: number): ReplayedEvent[] | undefined;
  /** Starts a server-initiated chat stream in a room. */
  startStream(options: StartStreamOptions): GatewayStream;
  stats(): GatewayStats;
  /**
   * Resolves once presence from the other instances is loaded (at once on a single instance), or false after
   * `timeoutMs`. A server accepting clients before it would show them rooms without the other instances' users.
   */
  presenceLoaded(timeoutMs: number): Promise<boolean>;
  /**
   * A room's status at once. With shared state (Redis) its `recent_messages` are empty, since the history
   * lives elsewhere: `roomStatus` fetches it.
   */
  room(roomId: string): RoomStatus;
  /** A room's status with its recent messages from wherever the history lives. */
  roomStatus(roomId: string): Promise<RoomStatus>;
  /**
   * Server-paced reconnect (deploys, rebalancing): every connection gets `reconnect`, then goodbye and
   * close 4002. Sessions are kept for the resume window, so clients resume here or elsewhere.
   */
  drain(options?: DrainOptions): void;
  /**
   * Graceful stop: accepts no more connections and answers new work with `error shutting_down`, waits
   * (up to `stopTimeoutMs`) for messages being persisted so each reaches its room, then `drain`s and ends
   * every session (the process is going away; presence leaves). Settles once everyone is told.
   */
  stop(options?: StopOptions): Promise<void>;
  /**
   * Revokes room membership (kick, lost permission) of one session or every session of a user, attached
   * or detached: nothing more of the room is delivered or buffered for replay. Attached connections get
   * `unsubscribed {room_ids}` without a ref. Returns how many sessions left the room.
   */
  unsubscribe(target: SendTarget, roomId: string, reason?: string): number;
  /**
   * Moderation: ends every session of one user, or one session, on every instance, for good. An attached
   * session's client gets `goodbye` and close 4103 (`disconnected`: identify afresh), or 4409 (`banned`) with
   * a ban; a detached one ends at once, so its resume gets `invalid_session` (or 4409 while banned). Presence
   * leaves. With `ban`, the ban is stored (shared state) before anyone is disconnected, and the promise
   * rejects, disconnecting nobody, when it cannot be; a `sessionId` held by another instance is banned by
   * that instance when the command reaches it. Rejects with a `TypeError` for a malformed target or option.
   * See docs/moderation.md.
   */
  disconnect(target: SendTarget, options?: DisconnectOptions): Promise<DisconnectResult>;
}
