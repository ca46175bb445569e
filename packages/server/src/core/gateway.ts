import type { EventDefinition } from '@gateway/protocol';
import { CloseCode, MAX_CONTENT_LENGTH, PROTOCOL_VERSION, parsePreparedPayload } from '@gateway/protocol';
import type { DrainOptions, Gateway } from './api';
import { assemble } from './assembly';
import { ClientConnection } from './client-connection';
import type { Fanout } from './delivery/fanout';
import { createFrameRouter } from './dispatcher';
import type { StoredHandler } from './handlers/custom';
import { roomSnapshot } from './handlers/rooms';
import { startStream } from './handlers/streams';
import type { HookList } from './hooks';
import { randomChars } from './ids';
import { budgetStats } from './limits/budget-stats';
import type { RateLimit } from './limits/rate-limit';
import { authModeOf, type ResolvedOptions } from './options';
import { createOriginCheck } from './origin';
import type { Parts } from './parts';
import type { ConnectionHandle } from './ports/connection';
import type { RoomStatus } from './types';

/** The seams cluster features plug into: session hooks, the fan-out's interceptor, the extension points. */
export interface CoreSeams {
  readonly parts: Parts;
  readonly fanout: Fanout;
  readonly hooks: HookList;
  /** Runs once the gateway has stopped everything of its own (timers, fan-out). */
  onStop(close: () => void): void;
}

/** The core as the composition root sees it: the public API and its seams. */
export interface Core<Events extends readonly EventDefinition[]> extends CoreSeams {
  readonly gateway: Gateway<Events>;
}

function announce(limit: RateLimit): { burst: number; per_second: number } {
  return { burst: limit.burst, per_second: limit.perSecond };
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

  get identified(): boolean {
    return this.connection.state === 'ready';
  }
}

const IGNORED: ConnectionHandle = { message() {}, closed() {}, identified: false };

/** Assembles the core's components from resolved options; builds no cluster feature (the caller plugs them in). */
export function createCore<const Events extends readonly EventDefinition[] = []>(
  options: ResolvedOptions,
): Core<Events> {
  const { clock, logger, serverId } = options;
  const startedAt = clock.now();
  const { parts, fanout, hooks, heartbeat, identifyDeadlines, moderation } = assemble(options);
  const { registry, delivery, presence, membership, lifecycle, counters, typing, authExpiry, extensions, shutdown } =
    parts;

  const handlers = new Map<string, StoredHandler>();
  const receive = createFrameRouter(parts, handlers);
  const mode = authModeOf(options.verifyToken);
  const originAllowed = createOriginCheck(options.allowedOrigins);
  const closers: Array<() => void> = [() => moderation.close()];
  let stopped = false;
  let stopping: Promise<void> | undefined;

  const hello = {
    protocol_version: PROTOCOL_VERSION,
    heartbeat_interval: options.heartbeatIntervalMs,
    resume_window_ms: options.resumeWindowMs,
    limits: {
      max_frame_bytes: options.maxFrameBytes,
      max_content_length: MAX_CONTENT_LENGTH,
      max_rooms_per_connection: options.maxRoomsPerConnection,
      typing_ttl_ms: options.typingTtlMs,
      identify_timeout_ms: options.identifyTimeoutMs,
      max_connections_per_user: options.maxConnectionsPerUser,
      max_json_depth: options.maxJsonDepth,
      rate_limits: {
        general: announce(options.rateLimits.general),
        typing: announce(options.rateLimits.typing),
        recording: announce(options.rateLimits.recording),
        heartbeat: announce(options.rateLimits.heartbeat),
        presence: announce(options.rateLimits.presence),
      },
      max_presence_data_bytes: options.maxPresenceDataBytes,
      max_presence_snapshot: options.maxPresenceSnapshot,
      max_room_snapshot: options.maxRoomSnapshot,
      presence_batch_ms: options.presenceBatchMs,
      // Only a backplane that keeps room logs can replay a room: without one, `since` is answered unavailable.
      ...(options.backplane.logs === undefined ? {} : { max_recover: options.maxRecover }),
    },
    server_id: serverId,
  };

  /** What every connection's handle calls: one per gateway, so a handle holds two references and no closures. */
  const feed: HandleFeed = {
    receive,
    closed(connection, code, reason) {
      if (connection.state === 'closed') return;
      logger.debug(
        { connection_id: connection.id, session_id: connection.sessionId, code, reason },
        'connection closed',
      );
      // A clean close (1000) means the client is done: the session ends. Anything else may be a blip.
      lifecycle.lost(connection, code !== 1000);
    },
  };

  const observer = {
    frameOut: () => counters.frameOut(),
    overflowed(connection: ClientConnection) {
      counters.slowConsumerClosed();
      logger.warn({ connection_id: connection.id, session_id: connection.sessionId }, 'slow consumer closed');
      lifecycle.close(connection, 'slow_consumer', 'The connection read too slowly.');
    },
  };

  /** Tells every client to reconnect and closes it; returns the pacing they were told. */
  function drain(
    { afterMs = 0, jitterMs = 1000, reason = 'The server is draining; reconnect and resume.' }: DrainOptions,
    code: number,
  ): { afterMs: number; jitterMs: number } {
    for (const connection of registry.connectionList()) {
      connection.send('reconnect', { after_ms: afterMs, jitter_ms: jitterMs, reason });
      lifecycle.closeWithCode(connection, code, reason);
    }
    return { afterMs, jitterMs };
  }

  function roomStatus(roomId: string, recentMessages: RoomStatus['recent_messages']): RoomStatus {
    const onlineUsers = presence.roomUserIds(roomId);
    return {
      room_id: roomId,
      online_users: onlineUsers,
      online_count: onlineUsers.length,
      connection_count: presence.roomConnectionCount(roomId),
      members: presence.roomMembers(roomId),
      recent_messages: recentMessages,
    };
  }

  /**
   * Stops what the core runs itself, then the features; returns what the sessions' release is still doing,
   * after which the rest closes.
   */
  function finish(pacing: DrainOptions, code: number): Promise<void> | undefined {
    const told = drain(pacing, code);
    // Resume anywhere lets the sessions go for other instances to resume (a handover needs the backplane open
    // until then); what it does not let go ends below.
    const released = extensions.releaseSessions?.(told);
    heartbeat.stop();
    identifyDeadlines.stop();
    authExpiry.stop();
    typing.clear();
    lifecycle.stop();
    if (released === undefined) {
      closeAll();
      return undefined;
    }
    return released.then(closeAll);
  }

  function closeAll(): void {
    lifecycle.endAll();
    // The sessions ended above left their rooms: their diffs go out while the backplane is still open.
    presence.flushDiffs();
    fanout.close();
    for (const close of closers) close();
  }

  const gateway: Gateway<Events> = {
    mode,
    serverId,

    open(socket, info = {}) {
      const connection = new ClientConnection(randomChars(options.random, 12), socket, options, observer, clock.now());
      if (stopped) {
        const reason = 'The server is stopping.';
        connection.send('goodbye', { code: CloseCode.going_away, reason, resumable: true });
        connection.closeSocket(CloseCode.going_away, reason);
        return IGNORED;
      }
      if (!originAllowed(info.origin)) {
        // Accepted at the WebSocket level so the client reads a fatal code instead of retrying a failed upgrade.
        logger.info({ connection_id: connection.id, origin: info.origin }, 'origin refused');
        const reason = 'This origin may not connect.';
        connection.send('goodbye', { code: CloseCode.forbidden, reason, resumable: false });
        connection.closeSocket(CloseCode.forbidden, reason);
        return IGNORED;
      }
      registry.addConnection(connection);
      heartbeat.start();
      identifyDeadlines.add(connection);
      logger.debug({ connection_id: connection.id, ...info }, 'connection opened');
      connection.send('hello', hello);
      return new OpenHandle(connection, feed);
    },

    handle(type, handler) {
      const known = options.events.some((event) => event.name === type && event.direction !== 'server');
      if (!known) throw new TypeError(`"${type}" is not a client event passed in options.events.`);
      handlers.set(type, handler as StoredHandler);
      return () => {
        if (handlers.get(type) === (handler as StoredHandler)) handlers.delete(type);
      };
    },

    broadcast(type, payload, broadcastOptions = {}) {
      const exclude = broadcastOptions.exclude;
      if (broadcastOptions.room === undefined) delivery.toAll(type, payload, exclude);
      else delivery.toRoom(broadcastOptions.room, type, payload, exclude);
    },

    send(target, type, payload) {
      if ('sessionId' in target) {
        const session = registry.session(target.sessionId);
        if (session === undefined) return false;
        delivery.toSession(session, type, payload);
        return true;
      }
      delivery.toUser(target.userId, type, payload);
      return registry.hasUser(target.userId);
    },

    presence(roomId) {
      return roomId === undefined ? presence.list() : presence.roomMembers(roomId);
    },

    eventsSince(sessionId, seq) {
      const entries = registry.session(sessionId)?.replay.since(seq);
      return entries?.map((entry) => ({
        type: entry.prepared.type,
        seq: entry.seq,
        payload: parsePreparedPayload(entry.prepared),
      }));
    },

    startStream: (streamOptions) => startStream(parts, streamOptions),

    presenceLoaded: (timeoutMs) => presence.loaded(timeoutMs),

    stats() {
      let attached = 0;
      for (const session of registry.sessionsNow()) if (session.connection !== undefined) attached++;
      const sessions = registry.sessionCount;
      const counted = counters.snapshot();
      return {
        server_id: serverId,
        mode,
        connections: registry.connectionCount,
        sessions,
        sessions_attached: attached,
        sessions_detached: sessions - attached,
        resumes_ok: counted.resumes_ok,
        resumes_refused: counted.resumes_refused,
        sessions_moved_in: counted.sessions_moved_in,
        sessions_moved_out: counted.sessions_moved_out,
        replayed_events: counted.replayed_events,
        users: registry.userCount,
        rooms: registry.roomCount,
        frames_in: counted.frames_in,
        frames_out: counted.frames_out,
        deliveries: counted.deliveries,
        slow_consumer_closes: counted.slow_consumer_closes,
        rate_limited_frames: counted.rate_limited_frames,
        uptime_ms: clock.now() - startedAt,
        backplane: fanout.status(),
        budgets: budgetStats(parts, options),
      };
    },

    room(roomId) {
      const snapshot = roomSnapshot(parts, roomId);
      return roomStatus(roomId, snapshot instanceof Promise ? [] : snapshot.recent_messages);
    },

    async roomStatus(roomId) {
      return roomStatus(roomId, (await roomSnapshot(parts, roomId)).recent_messages);
    },

    drain(drainOptions = {}) {
      drain(drainOptions, CloseCode.going_away);
    },

    stop({ code = CloseCode.going_away, reason = 'The server is stopping.', ...pacing } = {}) {
      if (stopping !== undefined) return stopping;
      stopped = true;
      shutdown.begin();
      // Nothing to wait for: everyone is told at once, as before stop waited for anything.
      if (parts.inFlight.size === 0) {
        stopping = finish({ ...pacing, reason }, code) ?? Promise.resolve();
      } else {
        stopping = parts.inFlight.settle(clock, options.stopTimeoutMs).then((settled) => {
          if (!settled) logger.warn({ in_flight: parts.inFlight.size }, 'stop gave up waiting for persistMessage');
          return finish({ ...pacing, reason }, code);
        });
      }
      return stopping;
    },

    unsubscribe(target, roomId, reason) {
      const sessions =
        'sessionId' in target
          ? [registry.session(target.sessionId)].filter((session) => session !== undefined)
          : registry.sessionsOf(target.userId);
      let removed = 0;
      for (const session of sessions) {
        if (!session.rooms.has(roomId)) continue;
        membership.leaveRoom(session, roomId);
        session.send('unsubscribed', { room_ids: [roomId] });
        removed++;
      }
      if (removed > 0) logger.info({ room_id: roomId, sessions: removed, reason }, 'room membership revoked');
      return removed;
    },

    disconnect: (target, disconnectOptions) => moderation.disconnect(target, disconnectOptions),
  };

  return { gateway, parts, fanout, hooks, onStop: (close) => closers.push(close) };
}
