import type {
  ChatMessage,
  CustomClientPayloads,
  CustomServerPayloads,
  EventDefinition,
  PresenceEntry,
  ServerPayloads,
  User,
} from '@gateway/protocol';
import type { AuthMode } from './options';
import type { BackplaneStatus } from './ports/backplane';

/** Payloads of everything the server may send: built-in frames plus the application's server events. */
export type ServerEventMap<Events extends readonly EventDefinition[]> = ServerPayloads & CustomServerPayloads<Events>;
export type ServerEventType<Events extends readonly EventDefinition[]> = keyof ServerEventMap<Events> & string;

/** A frame a handler may return to the sender, typed by its `type`. */
export type OutgoingEvent<Events extends readonly EventDefinition[]> = {
  [K in ServerEventType<Events>]: { type: K; payload: ServerEventMap<Events>[K] };
}[ServerEventType<Events>];

/** The connection a custom event came from (seed 000's handler `client`). */
export interface HandlerContext<Events extends readonly EventDefinition[]> {
  readonly session_id: string;
  readonly user: User;
  readonly device_id: string;
  /** Sends a frame to this connection only (sequenced when it is a dispatch). */
  send<T extends ServerEventType<Events>>(type: T, payload: ServerEventMap<Events>[T]): void;
}

/** Handles one client event type; a returned event goes back to the sender, as in seed 000. */
export type EventHandler<Events extends readonly EventDefinition[], Payload> = (
  context: HandlerContext<Events>,
  payload: Payload,
) => OutgoingEvent<Events> | undefined | Promise<OutgoingEvent<Events> | undefined>;

export type ClientEventType<Events extends readonly EventDefinition[]> = keyof CustomClientPayloads<Events> & string;

export interface BroadcastOptions {
  /** Only connections subscribed to this room; everyone identified when absent. */
  room?: string;
  exclude?: { sessions?: readonly string[]; users?: readonly string[] };
}

export type SendTarget = { sessionId: string } | { userId: string };

/** One dispatch as `eventsSince` returns it. */
export interface ReplayedEvent {
  type: string;
  seq: number;
  payload: unknown;
}

export interface GatewayStats {
  server_id: string;
  mode: AuthMode;
  /** Open sockets, identified or not. */
  connections: number;
  /** Live sessions: attached to a connection, or detached and waiting (resume window) for one. */
  sessions: number;
  sessions_attached: number;
  sessions_detached: number;
  /** Resumes answered `resumed`. */
  resumes_ok: number;
  /** Resumes answered `invalid_session`. */
  resumes_refused: number;
  /** Sessions resumed here that another instance held (rebuilt from the events stream, or handed over). */
  sessions_moved_in: number;
  /** Sessions this instance held that another one took over on a resume. */
  sessions_moved_out: number;
  /** Dispatches re-sent by resumes and `replay` requests. */
  replayed_events: number;
  users: number;
  rooms: number;
  frames_in: number;
  frames_out: number;
  /** Dispatches fan-out handed to this instance's sessions, one per recipient (detached ones buffer them). */
  deliveries: number;
  /** Connections closed 4003 because their unsent bytes passed `maxBufferedBytes`. */
  slow_consumer_closes: number;
  /** Frames answered `error rate_limited` (and dropped). */
  rate_limited_frames: number;
  uptime_ms: number;
  /** `degraded` while a networked backplane cannot reach its peers (fan-out is local only meanwhile). */
  backplane: BackplaneStatus;
  /** What the stores clients can fill hold now, against their budgets, and what the budgets let go. */
  budgets: BudgetStats;
}

/** A store's use against its budget. */
export interface BudgetUse {
  used: number;
  max: number;
}

export interface BudgetStats {
  /** Sessions waiting for a resume, and the replay bytes they hold (an upper bound). */
  detached_sessions: BudgetUse;
  detached_bytes: BudgetUse;
  /** In-process room history (absent with shared state: it lives in Redis, under its TTL). */
  history_rooms?: BudgetUse;
  history_bytes?: BudgetUse;
  /** In-process room logs, for recovery (absent where they live elsewhere: Redis). */
  room_log_rooms?: BudgetUse;
  room_log_bytes?: BudgetUse;
  /** In-process dedup claims (absent with shared state: Redis expires them). */
  dedup_claims?: BudgetUse;
  recordings: { running: number; max_per_session: number };
  /**
   * Entries each budget let go since start, by store (`detached_sessions`, `history_rooms`, `dedup_claims`,
   * `room_logs`).
   */
  evicted: Record<string, number>;
}

/** Seed 003's session status: who is online in a room, counts and recent messages. */
export interface RoomStatus {
  room_id: string;
  online_users: string[];
  online_count: number;
  connection_count: number;
  members: PresenceEntry[];
  recent_messages: ChatMessage[];
}
