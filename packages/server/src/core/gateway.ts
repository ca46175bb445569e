import type { CustomClientPayloads } from '@gateway/protocol';
import {
  type ChatMessage,
  CloseCode,
  type EventDefinition,
  PROTOCOL_VERSION,
  type PresenceEntry,
} from '@gateway/protocol';
import * as z from 'zod/mini';
import { ClientConnection } from './client-connection';
import { createFrameRouter } from './dispatcher';
import type { StoredHandler } from './handlers/custom';
import { roomMembers, roomSnapshot } from './handlers/rooms';
import { type GatewayStream, type StartStreamOptions, startStream } from './handlers/streams';
import { randomChars } from './ids';
import { type AuthMode, authModeOf, type GatewayOptions, resolveOptions } from './options';
import { createOriginCheck } from './origin';
import type { Connection, ConnectionHandle, ConnectionInfo } from './ports/connection';
import type { RateLimit } from './rate-limit';
import { Runtime } from './runtime';
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
}

function announce(limit: RateLimit): { burst: number; per_second: number } {
  return { burst: limit.burst, per_second: limit.perSecond };
}

let localeConfigured = false;

/** Error frames should name the problem; zod/mini says only "Invalid input" until a locale is loaded. */
function configureZodLocale(): void {
  if (localeConfigured) return;
  localeConfigured = true;
  z.config(z.locales.en());
}

/** The gateway's side of every open connection's handle. */
interface HandleFeed {
  receive(connection: ClientConnection, data: string | Uint8Array, isBinary: boolean): void;
  closed(connection: ClientConnection, code: number, reason: string): void;
}

/**
 * The handle `open` returns for an accepted socket. A class rather than an object of two closures: the
 * methods live on the prototype, so an idle connection's handle costs one small object.
 */
class OpenHandle implements ConnectionHandle {
  constructor(
    private readonly connection: ClientConnection,
    private readonly feed: HandleFeed,
  ) {}

  message(data: string | Uint8Array, isBinary: boolean): void {
    this.feed.receive(this.connection, data, isBinary);
  }

  closed(code: number, reason: string): void {
    this.feed.closed(this.connection, code, reason);
  }
}

export function createGateway<const Events extends readonly EventDefinition[] = []>(
  options: GatewayOptions<Events> = {},
): Gateway<Events> {
  configureZodLocale();
  const resolved = resolveOptions(options);
  const rt = new Runtime(resolved);
  const handlers = new Map<string, StoredHandler>();
  const receive = createFrameRouter(rt, handlers);
  const { clock, logger } = resolved;
  const mode = authModeOf(resolved.verifyToken);
  const originAllowed = createOriginCheck(resolved.allowedOrigins);
  let stopped = false;
  let stopping: Promise<void> | undefined;

  const hello = {
    protocol_version: PROTOCOL_VERSION,
    heartbeat_interval: resolved.heartbeatIntervalMs,
    resume_window_ms: resolved.resumeWindowMs,
    limits: {
      max_frame_bytes: resolved.maxFrameBytes,
      max_content_length: 8192,
      max_rooms_per_connection: resolved.maxRoomsPerConnection,
      typing_ttl_ms: resolved.typingTtlMs,
      identify_timeout_ms: resolved.identifyTimeoutMs,
      max_connections_per_user: resolved.maxConnectionsPerUser,
      max_json_depth: resolved.maxJsonDepth,
      rate_limits: {
        general: announce(resolved.rateLimits.general),
        typing: announce(resolved.rateLimits.typing),
        recording: announce(resolved.rateLimits.recording),
      },
    },
    server_id: resolved.serverId,
  };

  /** What every connection's handle calls: one per gateway, so a handle holds two references and no closures. */
  const feed: HandleFeed = {
    receive,
    closed(connection, code, reason) {
      if (connection.state === 'closed') return;
      logger.debug(
        { connection_id: connection.id, session_id: connection.session?.id, code, reason },
        'connection closed',
      );
      // A clean close (1000) means the client is done: the session ends. Anything else may be a blip.
      rt.lifecycle.lost(connection, code !== 1000);
    },
  };

  function closeSlowConsumer(connection: ClientConnection): void {
    logger.warn({ connection_id: connection.id, session_id: connection.session?.id }, 'slow consumer closed');
    rt.lifecycle.close(connection, 'slow_consumer', 'The connection read too slowly.');
  }

  /** Waits for accepted messages still being persisted, but no longer than `stopTimeoutMs`. */
  async function settleInFlight(): Promise<void> {
    let timer: unknown;
    let timedOut = false;
    const deadline = new Promise<void>((resolve) => {
      timer = clock.setTimeout(() => {
        timedOut = true;
        resolve();
      }, resolved.stopTimeoutMs);
    });
    // A persist may finish by starting another (a stream's end): wait until none is left.
    while (rt.inFlight.size > 0 && !timedOut) await Promise.race([Promise.allSettled([...rt.inFlight]), deadline]);
    clock.clearTimeout(timer);
    if (timedOut) logger.warn({ in_flight: rt.inFlight.size }, 'stop gave up waiting for persistMessage');
  }

  function drain(
    { afterMs = 0, jitterMs = 1000, reason = 'The server is draining; reconnect and resume.' }: DrainOptions,
    code: number,
  ): void {
    for (const connection of [...rt.connections]) {
      connection.send('reconnect', { after_ms: afterMs, jitter_ms: jitterMs, reason });
      rt.lifecycle.closeWithCode(connection, code, reason);
    }
  }

  function roomStatus(roomId: string, recentMessages: ChatMessage[]): RoomStatus {
    const onlineUsers = rt.cluster.roomUserIds(roomId);
    return {
      room_id: roomId,
      online_users: onlineUsers,
      online_count: onlineUsers.length,
      connection_count: rt.cluster.roomConnectionCount(roomId),
      members: roomMembers(rt, roomId),
      recent_messages: recentMessages,
    };
  }

  return {
    mode,
    serverId: resolved.serverId,

    open(socket, info = {}) {
      const connection = new ClientConnection(
        randomChars(resolved.random, 12),
        socket,
        resolved,
        rt.counters,
        closeSlowConsumer,
      );
      if (stopped) {
        connection.send('goodbye', { code: 4002, reason: 'The server is stopping.', resumable: true });
        connection.closeSocket(4002, 'The server is stopping.');
        return { message() {}, closed() {} };
      }
      if (!originAllowed(info.origin)) {
        // Accepted at the WebSocket level so the client reads a fatal code instead of retrying a failed upgrade.
        logger.info({ connection_id: connection.id, origin: info.origin }, 'origin refused');
        const reason = 'This origin may not connect.';
        connection.send('goodbye', { code: CloseCode.forbidden, reason, resumable: false });
        connection.closeSocket(CloseCode.forbidden, reason);
        return { message() {}, closed() {} };
      }
      rt.connections.add(connection);
      rt.heartbeat.start();
      rt.identifyDeadlines.add(connection);
      logger.debug({ connection_id: connection.id, ...info }, 'connection opened');
      connection.send('hello', hello);
      return new OpenHandle(connection, feed);
    },

    handle(type, handler) {
      const known = resolved.events.some((event) => event.name === type && event.direction !== 'server');
      if (!known) throw new TypeError(`"${type}" is not a client event passed in options.events.`);
      handlers.set(type, handler as StoredHandler);
      return () => {
        if (handlers.get(type) === (handler as StoredHandler)) handlers.delete(type);
      };
    },

    broadcast(type, payload, options = {}) {
      const exclude = options.exclude;
      if (options.room === undefined) rt.toAll(type, payload, exclude);
      else rt.toRoom(options.room, type, payload, exclude);
    },

    send(target, type, payload) {
      if ('sessionId' in target) {
        const session = rt.sessions.get(target.sessionId);
        if (session === undefined) return false;
        rt.toSession(session, type, payload);
        return true;
      }
      rt.toUser(target.userId, type, payload);
      return rt.users.has(target.userId);
    },

    presence(roomId) {
      return roomId === undefined ? rt.cluster.list() : roomMembers(rt, roomId);
    },

    eventsSince(sessionId, seq) {
      const entries = rt.sessions.get(sessionId)?.replay.since(seq);
      return entries?.map((entry) => ({
        type: entry.prepared.type,
        seq: entry.seq,
        payload: (JSON.parse(`{${entry.prepared.body}`) as { payload?: unknown }).payload,
      }));
    },

    startStream: (streamOptions) => startStream(rt, streamOptions),

    presenceLoaded: (timeoutMs) => rt.cluster.whenBootstrapped(timeoutMs),

    stats() {
      let attached = 0;
      for (const session of rt.sessions.values()) if (session.connection !== undefined) attached++;
      const { counters } = rt;
      return {
        server_id: resolved.serverId,
        mode,
        connections: rt.connections.size,
        sessions: rt.sessions.size,
        sessions_attached: attached,
        sessions_detached: rt.sessions.size - attached,
        resumes_ok: counters.resumesOk,
        resumes_refused: counters.resumesRefused,
        replayed_events: counters.replayedEvents,
        users: rt.users.size,
        rooms: rt.rooms.size,
        frames_in: counters.framesIn,
        frames_out: counters.framesOut,
        uptime_ms: clock.now() - rt.startedAt,
        backplane: rt.fanout.status(),
      };
    },

    room(roomId) {
      const snapshot = roomSnapshot(rt, roomId);
      return roomStatus(roomId, snapshot instanceof Promise ? [] : snapshot.recent_messages);
    },

    async roomStatus(roomId) {
      return roomStatus(roomId, (await roomSnapshot(rt, roomId)).recent_messages);
    },

    drain(options = {}) {
      drain(options, 4002);
    },

    stop({ code = 4002, reason = 'The server is stopping.', ...pacing } = {}) {
      if (stopping !== undefined) return stopping;
      stopped = true;
      rt.stopping = true;
      const finish = (): Promise<void> | undefined => {
        drain({ ...pacing, reason }, code);
        // Resume anywhere: exact anchors are written first, and the sessions stay for other instances to resume.
        const released = rt.resumeAnywhere?.releaseAll();
        if (released === undefined) rt.lifecycle.endAll();
        rt.heartbeat.stop();
        rt.identifyDeadlines.stop();
        rt.authExpiry.stop();
        rt.typing.clear();
        rt.fanout.close();
        rt.cluster.close();
        return released;
      };
      // Nothing to wait for: everyone is told at once, as before stop waited for anything.
      if (rt.inFlight.size === 0) {
        stopping = finish() ?? Promise.resolve();
      } else {
        stopping = settleInFlight().then(finish);
      }
      return stopping;
    },

    unsubscribe(target, roomId, reason) {
      const sessions =
        'sessionId' in target
          ? [rt.sessions.get(target.sessionId)].filter((session) => session !== undefined)
          : [...(rt.users.get(target.userId) ?? [])];
      let removed = 0;
      for (const session of sessions) {
        if (!session.rooms.has(roomId)) continue;
        rt.leaveRoom(session, roomId);
        session.send('unsubscribed', { room_ids: [roomId] });
        removed++;
      }
      if (removed > 0) logger.info({ room_id: roomId, sessions: removed, reason }, 'room membership revoked');
      return removed;
    },
  };
}
