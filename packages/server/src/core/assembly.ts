import type { AcceptedSend } from './chat-types';
import { Counters } from './counters';
import { Delivery } from './delivery/delivery';
import { Fanout } from './delivery/fanout';
import { Extensions } from './extensions';
import { endRecordings } from './handlers/recording';
import { HistoryLoads } from './history/loads';
import { HookList } from './hooks';
import { InFlight } from './in-flight';
import { Lifecycle } from './lifecycle';
import { AuthExpirySweep } from './liveness/auth-expiry';
import { HeartbeatSweep } from './liveness/heartbeat';
import { IdentifyDeadlines } from './liveness/identify-deadlines';
import type { MaybePromise } from './maybe-promise';
import { Membership } from './membership';
import { Moderation } from './moderation';
import type { ResolvedOptions } from './options';
import type { Parts } from './parts';
import { ALL_CHANNEL } from './ports/backplane';
import { pageBytesFor } from './presence/pages';
import { Presence } from './presence/presence';
import { RecordingStore } from './recordings';
import { Registry } from './registry';
import { Replies } from './replies';
import { Session } from './session';
import { Shutdown } from './shutdown';
import { Stamps } from './stamps';
import { StreamStore } from './streams';
import { TypingTracker } from './typing';

/** The core's components wired together, with the two sweeps the gateway itself starts and stops. */
export interface Assembly {
  readonly parts: Parts;
  readonly fanout: Fanout;
  readonly hooks: HookList;
  readonly heartbeat: HeartbeatSweep;
  readonly identifyDeadlines: IdentifyDeadlines;
  readonly moderation: Moderation;
}

/** Makes each component once and hands each the others it needs; builds no cluster feature. */
export function assemble(options: ResolvedOptions): Assembly {
  const { clock, serverId } = options;
  const registry = new Registry();
  const hooks = new HookList();
  const extensions = new Extensions();
  const shutdown = new Shutdown();
  const counters = new Counters();
  const stamps = new Stamps(clock, options.random);
  const fanout = new Fanout(options.backplane, (channel) => registry.recipients(channel), serverId, {
    now: () => clock.now(),
    delivered(ms, deliveries) {
      counters.delivered(deliveries);
      options.metrics.observeFanout(ms, deliveries);
    },
  });
  const ephemeral = new Set(options.events.filter((event) => event.ephemeral).map((event) => event.name));
  const delivery = new Delivery(fanout, ephemeral);
  const presence = new Presence({
    serverId,
    globalPresence: options.globalPresence,
    timestamp: () => stamps.timestamp(),
    localSessions: () => registry.sessionsNow(),
    outlet: delivery,
    // A window is time (the injected clock); 0 is the end of the turn, once the frames read with it are handled.
    defer:
      options.presenceBatchMs > 0
        ? (flush) => void clock.setTimeout(flush, options.presenceBatchMs)
        : (flush) => void setImmediate(flush),
    onRequest: options.presenceOnRequest,
    diffBytes: pageBytesFor(options.maxBufferedBytes),
    // Sessions away whose missed presence the log let go: ended now, so their resume says so at once.
    lost: (sessions) => {
      for (const session of sessions) lifecycle.end(session);
      counters.budgetEvicted('detached_sessions', sessions.length);
    },
  });
  fanout.peek((channel, message) => presence.delivered(channel, message));
  const typing = new TypingTracker(clock, options.typingTtlMs, options.typingThrottleMs, (roomId, userId) =>
    delivery.toRoom(roomId, 'typing.stop', { room_id: roomId, user_id: userId }, { users: [userId] }),
  );
  const membership = new Membership(registry, fanout, presence, typing, hooks);
  // The sweeps close connections through the lifecycle, and the lifecycle tells them of closed ones: each
  // side reaches the other through a callback called only once both exist.
  const heartbeat = new HeartbeatSweep(
    clock,
    options.heartbeatIntervalMs,
    options.heartbeatGraceMs,
    () => registry.connectionsNow(),
    {
      ping: (connection) => connection.send('heartbeat', {}),
      // Resumable: the session waits for the client to come back (a phone waking up, a network switch).
      expire: (connection) => lifecycle.close(connection, 'heartbeat_timeout', 'No heartbeat heard in time.'),
    },
  );
  const authExpiry = new AuthExpirySweep(clock, options.authExpiringNoticeMs, {
    warn: (connection, expiresAt) =>
      connection.send('auth.expiring', {
        expires_at: new Date(expiresAt).toISOString(),
        expires_in_ms: Math.max(0, expiresAt - clock.now()),
      }),
    // refresh_token verdict: the session is kept, the client resumes with a fresh token.
    expire: (connection) =>
      lifecycle.close(connection, 'token_expired', 'The token has expired; resume with a fresh one.'),
  });
  const lifecycle = new Lifecycle(
    registry,
    membership,
    hooks,
    { idle: () => heartbeat.stop(), forget: (connection) => authExpiry.forget(connection) },
    options,
    (count) => counters.budgetEvicted('detached_sessions', count),
    (userId): MaybePromise<string | undefined> => moderation.refusal(userId),
  );
  const moderation = new Moderation({
    registry,
    lifecycle,
    bans: options.sharedState.bans?.({ now: () => clock.now() }),
    backplane: options.backplane,
    serverId,
    clock,
    logger: options.logger,
  });
  const identifyDeadlines = new IdentifyDeadlines(clock, options.identifyTimeoutMs, (connection) => {
    if (connection.state === 'pre_identify' || connection.state === 'identifying') {
      lifecycle.close(connection, 'identify_timeout', 'No identify arrived in time.');
    }
  });
  const parts: Parts = {
    options,
    registry,
    delivery,
    presence,
    membership,
    lifecycle,
    replies: new Replies(clock, lifecycle),
    stamps,
    counters,
    typing,
    history: options.sharedState.history({
      size: options.historySize,
      retentionFor: options.historyRetention,
      now: () => clock.now(),
      maxRooms: options.historyMaxRooms,
      maxBytes: options.historyMaxBytes,
      ttlMs: options.historyTtlMs,
      evicted: (rooms) => counters.budgetEvicted('history_rooms', rooms),
    }),
    historyLoads: new HistoryLoads(),
    dedup: options.sharedState.dedup<AcceptedSend>({
      windowMs: options.dedupWindowMs,
      now: () => clock.now(),
      maxEntries: options.dedupMaxEntries,
      evicted: (claims) => counters.budgetEvicted('dedup_claims', claims),
    }),
    unpublished: options.sharedState.unpublished?.(),
    streams: new StreamStore(options.maxStreams),
    recordings: new RecordingStore(options.maxRecordingsPerSession),
    inFlight: new InFlight(),
    authExpiry,
    shutdown,
    extensions,
    newSession: (id, user, deviceId, deviceType) => new Session(id, user, deviceId, deviceType, options),
  };
  hooks.add(presence.hooks);
  hooks.add({
    ended: (session) => endRecordings(parts, session.id),
    movedAway: (session) => parts.recordings.endAll(session.id),
  });
  fanout.watch(ALL_CHANNEL);
  return { parts, fanout, hooks, heartbeat, identifyDeadlines, moderation };
}
