import type { CustomClientPayloads } from '@gateway/protocol';
import { type EventDefinition, PROTOCOL_VERSION, type PresenceEntry } from '@gateway/protocol';
import * as z from 'zod/mini';
import type { Connection, ConnectionHandle, ConnectionInfo } from './connection';
import { createFrameRouter } from './dispatcher';
import type { StoredHandler } from './handlers/custom';
import { roomSnapshot } from './handlers/rooms';
import { type GatewayStream, type StartStreamOptions, startStream } from './handlers/streams';
import { randomChars } from './ids';
import { type GatewayOptions, resolveOptions } from './options';
import { Runtime } from './runtime';
import { Session } from './session';
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

export interface StopOptions {
  /** @default 4002 (going away, resumable) */
  code?: number;
  /** @default 'The server is stopping.' */
  reason?: string;
}

/** The gateway core: no sockets, no HTTP; a transport feeds it connections through `open`. */
export interface Gateway<Events extends readonly EventDefinition[] = readonly EventDefinition[]> {
  /** `jwt` when tokens are verified, `dev` when identify may name its user. */
  readonly mode: 'dev' | 'jwt';
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
  /** To one session or every connection of one user. False when no such session or user is connected here. */
  send<T extends ServerEventType<Events>>(target: SendTarget, type: T, payload: ServerEventMap<Events>[T]): boolean;
  /** Everyone online (visible), or the members of one room. */
  presence(roomId?: string): PresenceEntry[];
  /** A session's dispatches after `seq`; undefined for an unknown session or when the buffer no longer reaches back. */
  eventsSince(sessionId: string, seq: number): ReplayedEvent[] | undefined;
  /** Starts a server-initiated chat stream in a room. */
  startStream(options: StartStreamOptions): GatewayStream;
  stats(): GatewayStats;
  room(roomId: string): RoomStatus;
  /** Sends goodbye and closes every connection (4002 by default); the gateway accepts no more. */
  stop(options?: StopOptions): void;
}

let localeConfigured = false;

/** Error frames should name the problem; zod/mini says only "Invalid input" until a locale is loaded. */
function configureZodLocale(): void {
  if (localeConfigured) return;
  localeConfigured = true;
  z.config(z.locales.en());
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
  const mode = resolved.verifyToken === undefined ? 'dev' : 'jwt';
  let stopped = false;

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
    },
    server_id: resolved.serverId,
  };

  function closeSlowConsumer(session: Session): void {
    logger.warn({ session_id: session.id }, 'slow consumer closed');
    rt.close(session, 'slow_consumer', 'The connection read too slowly.', true);
  }

  return {
    mode,
    serverId: resolved.serverId,

    open(connection, info = {}) {
      const session = new Session(
        randomChars(resolved.random, 20),
        connection,
        resolved,
        rt.counters,
        closeSlowConsumer,
      );
      if (stopped) {
        session.send('goodbye', { code: 4002, reason: 'The server is stopping.', resumable: true });
        session.closeSocket(4002, 'The server is stopping.');
        return { message() {}, closed() {} };
      }
      rt.sessions.set(session.id, session);
      rt.heartbeat.start();
      session.identifyTimer = clock.setTimeout(() => {
        session.identifyTimer = undefined;
        if (session.state === 'pre_identify' || session.state === 'identifying') {
          rt.close(session, 'identify_timeout', 'No identify arrived in time.', false);
        }
      }, resolved.identifyTimeoutMs);
      logger.debug({ session_id: session.id, ...info }, 'connection opened');
      session.send('hello', hello);
      return {
        message: (data, isBinary) => receive(session, data, isBinary),
        closed: (code, reason) => {
          if (session.state === 'closed') return;
          logger.debug({ session_id: session.id, code, reason }, 'connection closed');
          rt.forget(session);
        },
      };
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
        if (session === undefined || !session.isReady) return false;
        rt.toSession(session, type, payload);
        return true;
      }
      rt.toUser(target.userId, type, payload);
      return rt.users.has(target.userId);
    },

    presence(roomId) {
      return roomId === undefined ? rt.presence.list() : roomSnapshot(rt, roomId).members;
    },

    eventsSince(sessionId, seq) {
      const entries = rt.sessions.get(sessionId)?.replay.since(seq);
      return entries?.map((entry) => ({
        type: entry.type,
        seq: entry.seq,
        payload: (JSON.parse(entry.text) as { payload?: unknown }).payload,
      }));
    },

    startStream: (streamOptions) => startStream(rt, streamOptions),

    stats() {
      let ready = 0;
      for (const session of rt.sessions.values()) if (session.isReady) ready++;
      return {
        server_id: resolved.serverId,
        mode,
        connections: rt.sessions.size,
        sessions: ready,
        users: rt.users.size,
        rooms: rt.rooms.size,
        frames_in: rt.counters.framesIn,
        frames_out: rt.counters.framesOut,
        uptime_ms: clock.now() - rt.startedAt,
      };
    },

    room(roomId) {
      const snapshot = roomSnapshot(rt, roomId);
      const onlineUsers = rt.rooms.userIds(roomId);
      return {
        room_id: roomId,
        online_users: onlineUsers,
        online_count: onlineUsers.length,
        connection_count: rt.rooms.connectionCount(roomId),
        members: snapshot.members,
        recent_messages: snapshot.recent_messages,
      };
    },

    stop({ code = 4002, reason = 'The server is stopping.' } = {}) {
      stopped = true;
      for (const session of [...rt.sessions.values()]) rt.closeWithCode(session, code, reason, true);
      rt.heartbeat.stop();
      rt.typing.clear();
      rt.fanout.close();
    },
  };
}
