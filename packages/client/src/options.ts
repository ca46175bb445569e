import type { DeviceType, EventDefinition, PresenceStatus } from '@gateway/protocol';
import type { Lifecycle } from './lifecycle';
import type { Clock } from './timer';
import type { WebSocketConstructor } from './transport';

/** `maxIncomingFrameBytes` by default: 1 MiB. */
export const DEFAULT_MAX_FRAME = 1_048_576;

export interface ReconnectOptions {
  /**
   * Shortest wait before a reconnect, and the base of the exponential ceiling.
   * @default 500
   */
  minDelayMs?: number;
  /**
   * Longest wait before a reconnect.
   * @default 30000
   */
  maxDelayMs?: number;
  /**
   * A connection that stayed ready this long resets the attempt count, so the next drop starts again at
   * the shortest delay; a flapping server does not.
   * @default 10000
   */
  stableAfterMs?: number;
  /**
   * Attempts in a row that may fail (end before `ready`: the socket never opened, the server answered HTTP,
   * the handshake did not end) before the client stops: it moves to `closed`, rejects what waits with `closed`,
   * and emits a last `error` with code `gave_up` that names how many attempts failed and why the last one did.
   * Reaching `ready` (or `connect()`) starts the count again. Each failed attempt emits its own `error` first.
   * @default Infinity (retry forever)
   */
  maxAttempts?: number;
}

export interface PresenceOptions {
  status: PresenceStatus;
  data?: Record<string, unknown>;
}

export interface ClientOptions<Defs extends readonly EventDefinition[] = []> {
  /** The gateway's WebSocket URL, e.g. `ws://127.0.0.1:8081/ws`. */
  url: string;
  /**
   * A fixed token for `identify`. Prefer `getToken` when tokens expire. Undefined is the same as absent,
   * so `token: process.env.BOT_TOKEN` compiles under `exactOptionalPropertyTypes`.
   */
  token?: string | undefined;
  /**
   * Called before each `identify`/`resume`, and when the server warns that the token expires soon
   * (`auth.expiring`: the fresh token goes out in `reauth`); concurrent calls share one call in flight.
   * Wins over `token`.
   */
  getToken?: () => string | undefined | Promise<string | undefined>;
  /** Dev-mode servers only: the user to be. Ignored by servers that verify tokens. */
  userId?: string;
  displayName?: string;
  deviceType?: DeviceType;
  /** Stable id of this device. When absent the server makes one up, which the client then keeps across reconnects. */
  deviceId?: string;
  /** Rooms to subscribe to in `identify`; with the rooms `subscribe()` adds, restored after every reconnect. */
  rooms?: readonly string[];
  /** Presence announced in `identify` and restored after every reconnect. */
  presence?: PresenceOptions;
  /** The application's own event types (`defineEvent`): validated when received, typed in `on` and `send`. */
  events?: Defs;
  /**
   * WebSocket constructor. Default: `globalThis.WebSocket`. Under Node (the package's `node` export condition)
   * the default is the `ws` package when installed (an optional peer dependency), with its `maxPayload` set
   * from `maxIncomingFrameBytes`, else Node 22's global WebSocket. With none, `createClient` throws a TypeError.
   */
  WebSocket?: WebSocketConstructor;
  /**
   * Network and app-state changes (React Native: adapt `AppState` and NetInfo; send `terminate` when the app
   * is being killed). Browsers are watched without it through `online`, `visibilitychange` and `pagehide`.
   */
  lifecycle?: Lifecycle;
  /** Time source. @default Date.now and the global timers */
  clock?: Clock;
  /** Random source in [0, 1), for jitter. @default Math.random */
  random?: () => number;
  /**
   * How long a request waits for its reply once sent, in ms; also the limit for opening a socket and hearing
   * `hello`, then for the handshake to end in `ready`, and for a server that said `shutting_down` to close.
   * @default 10000
   */
  requestTimeoutMs?: number;
  /**
   * Longest frame accepted from the server, in characters of text (bytes of a binary frame); longer ones are
   * dropped unread with an `error` event, and a server that keeps sending bad frames is reconnected to.
   * @default 1048576
   */
  maxIncomingFrameBytes?: number;
  /**
   * Silence tolerated beyond a heartbeat interval before the connection counts as dead, in ms.
   * @default 5000
   */
  heartbeatGraceMs?: number;
  /** Reconnect policy; `false` never reconnects (the client closes on the first drop). */
  reconnect?: ReconnectOptions | false;
  /**
   * Sends made while not ready, kept until the next `ready` (typing and presence are never queued).
   * @default 100
   */
  maxQueuedSends?: number;
  /**
   * Connect on creation.
   * @default true
   */
  autoConnect?: boolean;
}
