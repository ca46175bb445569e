import type { ChatMessage, EventDefinition, User } from '@gateway/protocol';
import { randomChars } from './ids';
import type { RateLimit } from './limits/rate-limit';
import type { RateLimits } from './limits/rate-limiter';
import { type LogRetentionRule, retentionResolver } from './log-retention';
import type { Backplane } from './ports/backplane';
import { type Clock, systemClock } from './ports/clock';
import { type Logger, silentLogger } from './ports/logger';
import { type MetricsObserver, noopMetrics } from './ports/metrics';
import type { PresenceStore } from './ports/presence-store';
import { DEFAULT_MAX_RECOVER, type LogRetention, type RoomLogBudget } from './ports/room-logs';
import type { SessionRecords, SessionStore } from './ports/session-store';
import {
  DEFAULT_DEDUP_MAX_ENTRIES,
  DEFAULT_HISTORY_MAX_BYTES,
  DEFAULT_HISTORY_MAX_ROOMS,
  DEFAULT_HISTORY_TTL_MS,
  type SharedState,
  sizeOnly,
} from './ports/shared-state';
import { type RoomPattern, roomMatcher } from './room-pattern';

/**
 * A verified identity: everything the server knows of the user comes from the token. An `id` that is not a
 * protocol `Id` (1–128 UTF-16 units, no lone surrogate) is refused like a forged token (close 4401, and a
 * warning in the log).
 */
export interface AuthenticatedUser {
  id: string;
  /**
   * The name others see (`sender_name`, presence, typing; the JWT's `name` claim). Absent: the user has none;
   * `identify.display_name` is used in dev mode only, never once a token is verified, so a client cannot
   * name itself "admin".
   */
  display_name?: string;
  /**
   * When the token stops being valid (epoch ms; the JWT's `exp`). The server warns with `auth.expiring`
   * before it and closes 4200 at it unless a `reauth` brings a fresh token. Never later than
   * `maxTokenLifetimeMs` after the check; absent: `issued_at` + `maxTokenLifetimeMs`, else check + that.
   */
  expires_at?: number;
  /** When the token was issued (epoch ms; the JWT's `iat`): dates the expiry of a token without one. */
  issued_at?: number;
}

/**
 * Turns an identify token into a user. Return null for a token that names nobody (close 4401);
 * throw `TokenExpiredError` for an expired one (close 4200); any other throw counts as forged (4401).
 */
export type VerifyToken = (token: string) => Promise<AuthenticatedUser | null>;

export interface AuthorizeRequest {
  user: User;
  session_id: string;
  room_id: string;
}

export type AuthorizeResult = boolean | { allowed: true } | { allowed: false; reason?: string };

/** Decides whether a connection may subscribe to a room (seed 001's membership check). */
export type Authorize = (request: AuthorizeRequest) => AuthorizeResult | Promise<AuthorizeResult>;

/** How identify is authenticated: a JWT secret, a verifier of the app's own, or nobody (dev mode). */
export type AuthMode = 'dev' | 'jwt' | 'custom';

/** Carried by the verifiers the server builds from a JWT secret; any other `verifyToken` is the app's own. */
const MADE_FROM_JWT_SECRET = Symbol('gateway.jwt-secret-verifier');

/** Marks a verifier as the one made from a JWT secret, so the gateway reports mode `jwt` rather than `custom`. */
export function markJwtVerifier(verify: VerifyToken): VerifyToken {
  Object.defineProperty(verify, MADE_FROM_JWT_SECRET, { value: true });
  return verify;
}

export function authModeOf(verify: VerifyToken | undefined): AuthMode {
  if (verify === undefined) return 'dev';
  return MADE_FROM_JWT_SECRET in verify ? 'jwt' : 'custom';
}

/** How long a crashed instance's devices outlive it in the presence snapshot, unless `presenceTtlMs` says. */
export const DEFAULT_PRESENCE_TTL_MS = 30_000;

/** The longest a verified token holds a connection open, unless `maxTokenLifetimeMs` says: 24 hours. */
export const DEFAULT_MAX_TOKEN_LIFETIME_MS = 86_400_000;

/** Stores a message before it is dispatched; the sender is acked before this runs (seed 001). */
export type PersistMessage = (message: ChatMessage) => Promise<void> | void;

/**
 * What `loadHistory` is asked: a room's messages strictly between two message ids (either may be absent),
 * at most `limit`. With `after`: the oldest `limit` after it; without: the newest `limit` (before `before`).
 */
export interface LoadHistoryRequest {
  readonly room_id: string;
  readonly before?: string;
  readonly after?: string;
  readonly limit: number;
}

/**
 * Reads a room's messages from the application's database, by message id (ids sort by creation). Any order;
 * checked against `ChatMessage` and the room.
 */
export type LoadHistory = (request: LoadHistoryRequest) => readonly ChatMessage[] | Promise<readonly ChatMessage[]>;

export interface GatewayOptions<Events extends readonly EventDefinition[] = readonly EventDefinition[]> {
  /** Application event types, validated like built-in ones; client-sendable ones get `gateway.handle`. */
  events?: Events;
  /** Token verification; without it the gateway runs in dev mode and trusts `identify.user_id`. */
  verifyToken?: VerifyToken;
  /** Subscription hook. @default allow every room */
  authorize?: Authorize;
  /**
   * Stores an accepted chat message; the room gets it once this resolves (the sender was acked before).
   * Must be idempotent by `message_id`: on Redis, when an instance dies while it runs, another instance runs
   * it again for that message and publishes it.
   */
  persistMessage?: PersistMessage;
  /**
   * Answers `chat.history` from the application's database where the gateway's own history does not reach:
   * a page that goes back past the oldest message the gateway keeps for the room, or starts after a message
   * older than that (the gateway cannot vouch for what lay between). Asked only for that part, with message id
   * bounds (the gateway's oldest kept message as `before`) and a `limit` of at most 100; asked nothing when
   * the kept history answers the page. Its messages are checked (`ChatMessage`, this room; a throw or anything
   * else is answered `error handler_failed`) and merged with the kept ones by `message_id`; leave deleted
   * messages out (the gateway drops them from its own). `before`/`after` may be ids a client sent (any protocol `Id`): compare them, never build query
   * text from them. One session's calls run one at a time, apart from its other frames; 16 waiting and the next
   * is answered `error limit_reached`. Absent: pages end where the kept history does.
   * @default none
   */
  loadHistory?: LoadHistory;
  /** @default a random id like `gw-x1y2z3` */
  serverId?: string;
  /** @default 30000 */
  heartbeatIntervalMs?: number;
  /** Extra silence tolerated on top of 1.5 heartbeat intervals before a connection is dead. @default 5000 */
  heartbeatGraceMs?: number;
  /** @default 10000 */
  identifyTimeoutMs?: number;
  /** How long a session outlives a lost connection, waiting for a resume (announced in hello). @default 120000 */
  resumeWindowMs?: number;
  /** Frames above this are answered `frame_too_large` unparsed. @default 16384 */
  maxFrameBytes?: number;
  /** @default 100 */
  maxRoomsPerConnection?: number;
  /** @default 10000 */
  typingTtlMs?: number;
  /** At most one typing.start fan-out per user and room in this time. @default 2000 */
  typingThrottleMs?: number;
  /**
   * Messages kept per room, for rooms no `historyRetention` rule names. On Redis each `chat.history` page
   * reads the room's whole list, so keep it to hundreds. @default 50
   */
  historySize?: number;
  /**
   * What each room's history keeps, by room pattern (the first matching rule wins): `maxEntries` messages,
   * none older than `maxAgeMs` (by `created_at`), and `maxBytes` of their JSON (UTF-16 units), the oldest going
   * first; bounds a rule leaves out are `historySize` messages, any age, any size. Within
   * `historyMaxRooms`/`historyMaxBytes` in process. `[{ rooms: 'live:*', maxEntries: 20, maxAgeMs: 600_000 }]`
   * @default none
   */
  historyRetention?: readonly LogRetentionRule[];
  /** In process: rooms whose history is kept; the least recently used room's goes first. @default 10000 */
  historyMaxRooms?: number;
  /**
   * In process: history bytes (the messages' JSON) over every room; the least recently used rooms go first.
   * @default 67108864 (64 MiB)
   */
  historyMaxBytes?: number;
  /** With Redis: a room's history list expires this long after its last message. @default 604800000 (7 days) */
  historyTtlMs?: number;
  /** How long a (user, client_msg_id) is remembered, so a retried send is answered as a duplicate. @default 300000 */
  dedupWindowMs?: number;
  /**
   * In process: claims remembered at most (each is its ids and ack, about 300 bytes); past it the oldest is
   * forgotten before its window ends. @default 100000
   */
  dedupMaxEntries?: number;
  /**
   * Recordings one session may run at once (`error limit_reached` beyond); they end with the session.
   * @default 4
   */
  maxRecordingsPerSession?: number;
  /**
   * Per session. Sized, with `replayBufferBytes`, so a slow consumer closed at `maxBufferedBytes` can
   * resume losing nothing: frames of ~100 bytes and up filling `maxBufferedBytes` still fit. @default 10000
   */
  replayBufferEvents?: number;
  /**
   * Per session. Keep it well above `maxBufferedBytes`: what a slow consumer had not read yet when it was
   * closed comes back from here (the server warns at start otherwise). @default 4194304
   */
  replayBufferBytes?: number;
  /** Finished and running streams kept for `chat.stream_fetch`. @default 100 */
  maxStreams?: number;
  /** Bad frames within `badFrameWindowMs` that earn close 4400. @default 10 */
  badFrameLimit?: number;
  /** @default 60000 */
  badFrameWindowMs?: number;
  /** A connection whose unsent bytes exceed this is closed 4003 (its session is kept). @default 1048576 */
  maxBufferedBytes?: number;
  /** Identified connections one user may hold; an identify beyond it is closed 4429. @default 10 */
  maxConnectionsPerUser?: number;
  /**
   * Sessions waiting for a resume on this instance; beyond it the longest waiting one ends (its client then
   * resumes to `invalid_session`). @default 10000
   */
  maxDetachedSessions?: number;
  /**
   * Replay bytes those sessions may hold together (bodies shared between sessions count once per session, an
   * upper bound); checked every second, the longest waiting sessions end first. @default 134217728 (128 MiB)
   */
  maxDetachedBytes?: number;
  /** Deepest nesting of objects and arrays a frame may have (`error frame_too_deep`). @default 32 */
  maxJsonDepth?: number;
  /**
   * Token buckets per connection. @default general {burst 200, perSecond 100}, typing {burst 5,
   * perSecond 0.5}, recording {burst 100, perSecond 60}, heartbeat {burst 20, perSecond 2}, presence
   * {burst 10, perSecond 1}
   */
  rateLimits?: Partial<RateLimits>;
  /**
   * Frames a connection may send before `ready` (identify or resume, heartbeats, mistakes); one more is
   * answered goodbye + close 4400. @default 10
   */
  maxFramesBeforeReady?: number;
  /** Rate-limited frames within `floodWindowMs` above which the connection is closed 4004. @default 50 */
  floodLimit?: number;
  /** @default 10000 */
  floodWindowMs?: number;
  /** How long before a token's expiry `auth.expiring` is sent. @default 60000 */
  authExpiringNoticeMs?: number;
  /**
   * The longest a verified token holds a connection open from its check (identify, resume, reauth): a later
   * expiry (JWT `exp`, `AuthenticatedUser.expires_at`) is brought forward to it; a token without one expires
   * at its `iat` + this, else at the check + this. At that deadline, as at `exp`, `auth.expiring` comes first
   * and close 4200 follows unless a `reauth` moves it. Dev mode has no deadlines. A positive number.
   * @default 86400000 (24 h)
   */
  maxTokenLifetimeMs?: number;
  /**
   * Browser origins allowed to connect (exact `scheme://host[:port]`); a connection whose `Origin` is not
   * listed is closed 4403. Connections without an `Origin` (bots, servers) are always allowed.
   * @default every origin
   */
  allowedOrigins?: readonly string[];
  /** How long `stop()` waits for in-flight `persistMessage` calls before closing everyone. @default 5000 */
  stopTimeoutMs?: number;
  /**
   * Everyone connected sees everyone (seed 000): each identify then carries the snapshot (up to
   * `maxPresenceSnapshot`) and each join, update and leave reaches every user, O(N) per change. Off, users see
   * the members of their rooms. Off by default (docs/presence.md has the measurements): at 5,000 users an
   * identify cost 1.27 MB and 30–50 ms with it, 327 B and 0.5 ms without. @default false
   */
  globalPresence?: boolean;
  /**
   * Largest presence `data` of a user, in bytes of its JSON (UTF-8), announced in `hello.limits`: a
   * `presence.update` above it is answered `error payload_too_large` and changes nothing; an `identify` above
   * it is let in without the data (and told so). Each update is sent to every watcher of the user.
   * @default 2048
   */
  maxPresenceDataBytes?: number;
  /**
   * Most presence entries `ready` carries (first by user id; fewer when they pass 256 KiB of JSON), announced
   * in `hello.limits`; `ready.presence_total` then says how many there are and `presence.list` pages the rest.
   * @default 1000
   */
  maxPresenceSnapshot?: number;
  /**
   * Most members a room's presence carries when a session enters it (`subscribed`, `ready.rooms`), first by
   * user id and no more than a page's bytes; `members_next` then says more follow and `presence.list` pages
   * through them. Each entry goes to each joiner, so this bounds what filling a large room costs. @default 100
   */
  maxRoomSnapshot?: number;
  /**
   * How long presence changes are gathered into one `presence.diff` per scope (everyone, or a room), in ms.
   * 0: until the end of the event-loop turn that made them, which batches more the busier the server is. A
   * window trades that much delay for fewer frames in rooms where thousands come and go. @default 0
   */
  presenceBatchMs?: number;
  /**
   * Rooms whose members are never pushed (livestream chats, large guilds, as Discord's large guilds and
   * Centrifugo's presence calls): entering one shows its member count and no members, its diffs carry only
   * the count, and `presence.list` answers who is there on request. @default none
   */
  presenceOnRequest?: readonly RoomPattern[];
  /**
   * What each room's log keeps, by room pattern (the first matching rule wins): the dispatches a client whose
   * session is gone recovers with `since`. Rooms no rule names keep `roomLogDefault`. @default none
   */
  roomLogRetention?: readonly LogRetentionRule[];
  /** Retention of rooms no rule names; bounds left out are the defaults. @default 1000 dispatches, 24 h, 1 MiB */
  roomLogDefault?: Partial<LogRetention>;
  /** In process (the in-memory backplane): every room log together. @default 10000 rooms, 64 MiB */
  roomLogBudget?: RoomLogBudget;
  /**
   * Most missed dispatches of one room a `since` replays (`hello.limits.max_recover`); past it the newest are
   * replayed and the room is told `too_many`. @default 1000
   */
  maxRecover?: number;
  /**
   * With Redis: how long an instance's liveness key and its devices' snapshot fields live without a refresh
   * (refreshed every third of it); a crashed instance's users go offline about this long after the crash.
   * @default 30000
   */
  presenceTtlMs?: number;
  backplane?: Backplane;
  /**
   * The shared presence snapshot (Redis): instances that start later load it, and a crashed instance's devices
   * expire from it. Absent: presence lives in memory only (one process, or gateways sharing a backplane there).
   * `startServer` makes one beside a Redis backplane.
   */
  presenceStore?: PresenceStore;
  /**
   * Session records (Redis): with them a client may resume on any instance. With the events stream
   * (`SessionStore`, a single Redis) any instance rebuilds the session from it; records alone (a Redis
   * Cluster) have the live holder hand it over. Absent (one process, the in-memory backplane), a session
   * resumes only where it lives.
   */
  sessionStore?: SessionStore | SessionRecords;
  /**
   * Where dedup and room history live: in this process, or shared by every instance
   * (`createRedisSharedState`; `startServer` makes one when given a Redis URL). @default in process
   */
  sharedState?: SharedState;
  clock?: Clock;
  /** @default Math.random */
  random?: () => number;
  /** @default silent */
  logger?: Logger;
  /**
   * Told the core's timings (ack latency, fan-out, `persistMessage`), in ms of `clock`. `startServer` passes
   * its Prometheus histograms (`GET /metrics`). @default records nothing
   */
  metrics?: MetricsObserver;
}

export interface ResolvedOptions {
  readonly events: readonly EventDefinition[];
  readonly verifyToken: VerifyToken | undefined;
  readonly authorize: Authorize;
  readonly persistMessage: PersistMessage | undefined;
  readonly loadHistory: LoadHistory | undefined;
  readonly serverId: string;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatGraceMs: number;
  readonly identifyTimeoutMs: number;
  readonly resumeWindowMs: number;
  readonly maxFrameBytes: number;
  readonly maxRoomsPerConnection: number;
  readonly typingTtlMs: number;
  readonly typingThrottleMs: number;
  readonly historySize: number;
  /** Each room's history retention, from `historyRetention` and `historySize`. */
  readonly historyRetention: (roomId: string) => LogRetention;
  readonly historyMaxRooms: number;
  readonly historyMaxBytes: number;
  readonly historyTtlMs: number;
  readonly dedupWindowMs: number;
  readonly dedupMaxEntries: number;
  readonly maxRecordingsPerSession: number;
  readonly replayBufferEvents: number;
  readonly replayBufferBytes: number;
  readonly maxStreams: number;
  readonly badFrameLimit: number;
  readonly badFrameWindowMs: number;
  readonly maxBufferedBytes: number;
  readonly maxConnectionsPerUser: number;
  readonly maxDetachedSessions: number;
  readonly maxDetachedBytes: number;
  readonly maxJsonDepth: number;
  readonly rateLimits: RateLimits;
  readonly maxFramesBeforeReady: number;
  readonly floodLimit: number;
  readonly floodWindowMs: number;
  readonly authExpiringNoticeMs: number;
  readonly maxTokenLifetimeMs: number;
  readonly allowedOrigins: readonly string[] | undefined;
  readonly stopTimeoutMs: number;
  readonly globalPresence: boolean;
  readonly maxPresenceDataBytes: number;
  readonly maxPresenceSnapshot: number;
  readonly maxRoomSnapshot: number;
  readonly presenceBatchMs: number;
  readonly presenceOnRequest: (roomId: string) => boolean;
  readonly maxRecover: number;
  readonly presenceTtlMs: number;
  readonly backplane: Backplane;
  readonly presenceStore: PresenceStore | undefined;
  readonly sessionStore: SessionStore | SessionRecords | undefined;
  readonly sharedState: SharedState;
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger: Logger;
  readonly metrics: MetricsObserver;
}

const DEFAULT_RATE_LIMITS: Readonly<Record<keyof RateLimits, RateLimit>> = {
  general: { burst: 200, perSecond: 100 },
  typing: { burst: 5, perSecond: 0.5 },
  recording: { burst: 100, perSecond: 60 },
  // A client heartbeats once per interval and answers each of the server's: 20 at once and 2 a second is
  // far beyond that, and far below what costs the server anything.
  heartbeat: { burst: 20, perSecond: 2 },
  presence: { burst: 10, perSecond: 1 },
};

/** What the core needs that the gateway's options leave to defaults outside the core (in memory ones). */
export type CoreOptions = GatewayOptions & { readonly backplane: Backplane; readonly sharedState: SharedState };

export function resolveOptions(options: CoreOptions): ResolvedOptions {
  const random = options.random ?? Math.random;
  const resolved: ResolvedOptions = {
    events: options.events ?? [],
    verifyToken: options.verifyToken,
    authorize: options.authorize ?? (() => true),
    persistMessage: options.persistMessage,
    loadHistory: options.loadHistory,
    serverId: options.serverId ?? `gw-${randomChars(random, 6)}`,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 30_000,
    heartbeatGraceMs: options.heartbeatGraceMs ?? 5_000,
    identifyTimeoutMs: options.identifyTimeoutMs ?? 10_000,
    resumeWindowMs: options.resumeWindowMs ?? 120_000,
    maxFrameBytes: options.maxFrameBytes ?? 16_384,
    maxRoomsPerConnection: options.maxRoomsPerConnection ?? 100,
    typingTtlMs: options.typingTtlMs ?? 10_000,
    typingThrottleMs: options.typingThrottleMs ?? 2_000,
    historySize: positiveCount('historySize', options.historySize ?? 50),
    historyRetention: historyRetentionOf(options),
    historyMaxRooms: options.historyMaxRooms ?? DEFAULT_HISTORY_MAX_ROOMS,
    historyMaxBytes: options.historyMaxBytes ?? DEFAULT_HISTORY_MAX_BYTES,
    historyTtlMs: options.historyTtlMs ?? DEFAULT_HISTORY_TTL_MS,
    dedupWindowMs: options.dedupWindowMs ?? 300_000,
    dedupMaxEntries: options.dedupMaxEntries ?? DEFAULT_DEDUP_MAX_ENTRIES,
    maxRecordingsPerSession: options.maxRecordingsPerSession ?? 4,
    replayBufferEvents: options.replayBufferEvents ?? 10_000,
    replayBufferBytes: options.replayBufferBytes ?? 4_194_304,
    maxStreams: options.maxStreams ?? 100,
    badFrameLimit: options.badFrameLimit ?? 10,
    badFrameWindowMs: options.badFrameWindowMs ?? 60_000,
    maxBufferedBytes: options.maxBufferedBytes ?? 1_048_576,
    maxConnectionsPerUser: options.maxConnectionsPerUser ?? 10,
    maxDetachedSessions: options.maxDetachedSessions ?? 10_000,
    maxDetachedBytes: options.maxDetachedBytes ?? 128 * 1024 * 1024,
    maxJsonDepth: options.maxJsonDepth ?? 32,
    rateLimits: {
      general: options.rateLimits?.general ?? DEFAULT_RATE_LIMITS.general,
      typing: options.rateLimits?.typing ?? DEFAULT_RATE_LIMITS.typing,
      recording: options.rateLimits?.recording ?? DEFAULT_RATE_LIMITS.recording,
      heartbeat: options.rateLimits?.heartbeat ?? DEFAULT_RATE_LIMITS.heartbeat,
      presence: options.rateLimits?.presence ?? DEFAULT_RATE_LIMITS.presence,
    },
    maxFramesBeforeReady: options.maxFramesBeforeReady ?? 10,
    floodLimit: options.floodLimit ?? 50,
    floodWindowMs: options.floodWindowMs ?? 10_000,
    authExpiringNoticeMs: options.authExpiringNoticeMs ?? 60_000,
    maxTokenLifetimeMs: positiveMs('maxTokenLifetimeMs', options.maxTokenLifetimeMs ?? DEFAULT_MAX_TOKEN_LIFETIME_MS),
    allowedOrigins: options.allowedOrigins,
    stopTimeoutMs: options.stopTimeoutMs ?? 5_000,
    globalPresence: options.globalPresence ?? false,
    maxPresenceDataBytes: positiveCount('maxPresenceDataBytes', options.maxPresenceDataBytes ?? 2048),
    maxPresenceSnapshot: positiveCount('maxPresenceSnapshot', options.maxPresenceSnapshot ?? 1000),
    maxRoomSnapshot: positiveCount('maxRoomSnapshot', options.maxRoomSnapshot ?? 100),
    presenceBatchMs: wholeMs('presenceBatchMs', options.presenceBatchMs ?? 0),
    presenceOnRequest: roomMatcher(options.presenceOnRequest ?? []),
    maxRecover: positiveCount('maxRecover', options.maxRecover ?? DEFAULT_MAX_RECOVER),
    presenceTtlMs: options.presenceTtlMs ?? DEFAULT_PRESENCE_TTL_MS,
    backplane: options.backplane,
    presenceStore: options.presenceStore,
    sessionStore: options.sessionStore,
    sharedState: options.sharedState,
    clock: options.clock ?? systemClock,
    random,
    logger: options.logger ?? silentLogger,
    metrics: options.metrics ?? noopMetrics,
  };
  warnOnShortReplay(resolved);
  return resolved;
}

/**
 * A slow consumer is closed with up to `maxBufferedBytes` (plus the frame that crossed it) unread: with a
 * replay buffer no larger, its resume would find the start of that backlog gone. A warning rather than an
 * error, since a deployment may accept the loss (clients that refetch on `reset`).
 */
function warnOnShortReplay(options: ResolvedOptions): void {
  if (options.replayBufferBytes > options.maxBufferedBytes) return;
  options.logger.warn(
    { replay_buffer_bytes: options.replayBufferBytes, max_buffered_bytes: options.maxBufferedBytes },
    'replayBufferBytes is not above maxBufferedBytes: a slow consumer closed 4003 may not resume without a gap',
  );
}

/** Rules as the room logs' (`retentionResolver`), over `historySize` messages of any age and size. */
function historyRetentionOf(options: GatewayOptions): (roomId: string) => LogRetention {
  const size = positiveCount('historySize', options.historySize ?? 50);
  try {
    return retentionResolver(options.historyRetention, sizeOnly(size));
  } catch (error) {
    throw error instanceof RangeError ? new RangeError(`historyRetention: ${error.message}`) : error;
  }
}

/** A token lifetime of zero, a negative one or NaN would close every connection at once; Infinity, never. */
function positiveMs(name: string, value: number): number {
  if (Number.isFinite(value) && value > 0) return value;
  throw new RangeError(`${name} must be a positive, finite number of milliseconds, got ${value}.`);
}

/** A delay announced in `hello.limits` as a whole number of ms, 0 allowed. */
function wholeMs(name: string, value: number): number {
  if (Number.isSafeInteger(value) && value >= 0) return value;
  throw new RangeError(`${name} must be a whole number of milliseconds, 0 or more, got ${value}.`);
}

/** Announced in `hello.limits`, where the schema wants a positive integer (the client would refuse the hello). */
function positiveCount(name: string, value: number): number {
  if (Number.isSafeInteger(value) && value > 0) return value;
  throw new RangeError(`${name} must be a positive whole number, got ${value}.`);
}
