import {
  type AckResults,
  type ClientPayloads,
  type CustomClientPayloads,
  createServerFrameDecoder,
  type Decoder,
  type EventDefinition,
  PROTOCOL_VERSION,
  type PresenceStatus,
  type ServerFrame,
  type ServerPayloads,
  type User,
} from '@gateway/protocol';
import EventEmitter from 'eventemitter3';
import IsomorphicWebSocket from 'isomorphic-ws';
import { afterClose } from './after-close';
import { type BackoffPolicy, backoffDelay } from './backoff';
import { Connection, type InboundFrame } from './connection';
import { GatewayClientError } from './errors';
import type { ClientEventArgs, ClientState, MetaEvents } from './events';
import { browserLifecycle, type LifecycleEvent } from './lifecycle';
import type { ClientOptions, PresenceOptions } from './options';
import { Outbox } from './outbox';
import {
  describeChange,
  emptyPresence,
  type PresenceFrame,
  type PresenceState,
  PresenceView,
  reducePresence,
} from './presence-view';
import { type Outgoing, type Reply, Requests } from './requests';
import { Sequencer } from './sequencer';
import { type Clock, systemClock, Timer } from './timer';
import { singleFlight } from './token';
import type { WebSocketConstructor } from './transport';
import { TypingView } from './typing-view';

type Definitions = readonly EventDefinition[];
type ReadyPayload = ServerPayloads['ready'];
type SubscribedPayload = ServerPayloads['subscribed'];
type UnsubscribedPayload = ServerPayloads['unsubscribed'];

/** Frames only the client's own handshake and heartbeat send. */
type HandshakeType = 'identify' | 'resume' | 'heartbeat' | 'heartbeat_ack';

/** Payloads `request()` accepts: the built-in requests and the application's client events. */
export type RequestPayloads<Defs extends Definitions = []> = Omit<ClientPayloads, HandshakeType> &
  CustomClientPayloads<Defs>;

type ReplyResults = AckResults & {
  subscribe: SubscribedPayload;
  'guild.subscribe': SubscribedPayload;
  unsubscribe: UnsubscribedPayload;
  'guild.unsubscribe': UnsubscribedPayload;
};

/** What a request resolves with: its typed ack result, or the ack's free-form payload for other types. */
export type RequestResult<T> = T extends keyof ReplyResults ? ReplyResults[T] : Record<string, unknown> | undefined;

export interface SendMessageOptions {
  kind?: ClientPayloads['chat.send']['kind'];
  metadata?: Record<string, unknown>;
  /** Reuse the id of an earlier attempt so the server drops the duplicate. Default: a fresh random id. */
  clientMsgId?: string;
}

/**
 * How a send behaves when the connection is not ready:
 * `retry` is queued and sent again after a reconnect (the server deduplicates or it is idempotent);
 * `once` is queued but rejected with `disconnected` if the connection drops while it is on the wire;
 * `live` is never queued (typing, presence: stale by the time it could go out).
 */
type Delivery = 'retry' | 'once' | 'live';

/** Optional fields may be left undefined: JSON drops them on the wire. */
type Loose<T> = { [K in keyof T]: T[K] | undefined };

const TYPING_THROTTLE_MS = 2000;
const GIVING_UP = 4000;

const newMessageId = (): string =>
  globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

const list = (ids: string | readonly string[]): string[] => (typeof ids === 'string' ? [ids] : [...ids]);

/**
 * The gateway client: one state machine over one connection at a time, reconnecting on its own,
 * with typed events (`client.on('chat.message', (m) => m.content)`) and typed requests.
 */
export class GatewayClient<Defs extends Definitions = []> extends EventEmitter<ClientEventArgs<Defs>> {
  /** Who is online, kept current from the server's presence events. */
  readonly presence: PresenceView;
  /** Who is typing where; entries expire on the clock. */
  readonly typing: TypingView;

  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #WebSocket: WebSocketConstructor;
  readonly #decoder: Decoder<InboundFrame>;
  readonly #customEvents: ReadonlyMap<string, EventDefinition>;
  readonly #getToken: () => Promise<string | undefined>;
  readonly #policy: Required<BackoffPolicy> & { stableAfterMs: number };
  readonly #requests: Requests;
  readonly #outbox: Outbox;
  readonly #sequencer = new Sequencer<InboundFrame>();
  readonly #reconnectTimer: Timer;
  readonly #stableTimer: Timer;
  readonly #typingSentAt = new Map<string, number>();
  #readyWaiters: { resolve: (ready: ReadyPayload) => void; reject: (error: GatewayClientError) => void }[] = [];

  #currentState: ClientState = 'idle';
  /** Stamps each connection attempt; callbacks from an older attempt are ignored. */
  #attemptId = 0;
  #connection: Connection | undefined;
  #goodbye: ServerPayloads['goodbye'] | undefined;
  #handshakeToken: string | undefined;
  #sessionIdValue: string | undefined;
  #readyPayload: ReadyPayload | undefined;
  #deviceId: string | undefined;
  #resetReason: string | undefined;
  #attempts = 0;
  #serverPacedDelay: number | undefined;
  #rooms: Set<string>;
  #desiredPresence: PresenceOptions | undefined;
  #presenceDirty = false;
  #presenceState: PresenceState = emptyPresence;
  #stopWatching: (() => void) | undefined;

  readonly #options: ClientOptions<Defs>;

  constructor(options: ClientOptions<Defs>) {
    super();
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#WebSocket =
      options.WebSocket ??
      (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ??
      (IsomorphicWebSocket as unknown as WebSocketConstructor);
    const events = options.events ?? [];
    this.#decoder = createServerFrameDecoder(events) as Decoder<InboundFrame>;
    this.#customEvents = new Map(events.map((event) => [event.name, event]));
    this.#getToken = singleFlight(options.getToken ?? (() => options.token));
    const reconnect = options.reconnect || {};
    this.#policy = { minDelayMs: 500, maxDelayMs: 30_000, stableAfterMs: 10_000, ...reconnect };
    this.#requests = new Requests(this.#clock, options.requestTimeoutMs ?? 10_000);
    this.#outbox = new Outbox(options.maxQueuedSends ?? 100);
    this.#rooms = new Set(options.rooms);
    this.#deviceId = options.deviceId;
    this.#desiredPresence = options.presence;
    this.presence = new PresenceView(() => this.#presenceState);
    this.typing = new TypingView(this.#clock, (change) => this.#deliver('typing', change));
    this.#reconnectTimer = new Timer(this.#clock, () => this.#open());
    this.#stableTimer = new Timer(this.#clock, () => {
      this.#attempts = 0;
    });
    if (options.autoConnect !== false) this.connect();
  }

  get state(): ClientState {
    return this.#currentState;
  }

  /** The user of the current session, once ready. */
  get user(): User | undefined {
    return this.#readyPayload?.user;
  }

  get sessionId(): string | undefined {
    return this.#sessionIdValue;
  }

  /** Starts connecting (when idle or closed), or skips the wait of a scheduled reconnect. */
  connect(): void {
    if (this.#currentState === 'reconnecting') {
      this.#open();
      return;
    }
    if (this.#currentState !== 'idle' && this.#currentState !== 'closed') return;
    const watchers = [browserLifecycle, this.#options.lifecycle].map((source) =>
      source?.subscribe((event) => this.#onLifecycle(event)),
    );
    this.#stopWatching = () => {
      for (const stop of watchers) stop?.();
    };
    this.#attempts = 0;
    this.#open();
  }

  /** Closes cleanly (1000): the session ends on the server, open requests reject with `closed`, no reconnect follows. */
  close(): void {
    if (this.#currentState !== 'closed') this.#shutDown();
  }

  /** Resolves with the session's `ready` payload: at once when ready, else at the next `ready`/`resumed`. */
  ready(): Promise<ReadyPayload> {
    if (this.#currentState === 'ready' && this.#readyPayload !== undefined) return Promise.resolve(this.#readyPayload);
    if (this.#currentState === 'closed')
      return Promise.reject(new GatewayClientError('closed', 'The client is closed.'));
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  subscribe(roomIds: string | readonly string[]): Promise<SubscribedPayload> {
    return this.#call('subscribe', { room_ids: list(roomIds) }, 'retry');
  }

  unsubscribe(roomIds: string | readonly string[]): Promise<UnsubscribedPayload> {
    const ids = list(roomIds);
    for (const id of ids) this.#rooms.delete(id);
    return this.#call('unsubscribe', { room_ids: ids }, 'retry');
  }

  /** Sends a chat message; queued while offline and retried after a reconnect under the same `client_msg_id`. */
  sendMessage(roomId: string, content: string, options: SendMessageOptions = {}): Promise<AckResults['chat.send']> {
    this.#typingSentAt.delete(roomId);
    const payload: Loose<ClientPayloads['chat.send']> = {
      room_id: roomId,
      client_msg_id: options.clientMsgId ?? newMessageId(),
      content,
      kind: options.kind,
      metadata: options.metadata,
    };
    return this.#call('chat.send', payload, 'retry');
  }

  editMessage(roomId: string, messageId: string, content: string): Promise<AckResults['chat.edit']> {
    return this.#call('chat.edit', { room_id: roomId, message_id: messageId, content }, 'retry');
  }

  deleteMessage(roomId: string, messageId: string): Promise<AckResults['chat.delete']> {
    return this.#call('chat.delete', { room_id: roomId, message_id: messageId }, 'once');
  }

  history(roomId: string, limit?: number): Promise<AckResults['chat.history']> {
    return this.#call('chat.history', { room_id: roomId, limit }, 'retry');
  }

  /** The chunks of a stream from `fromIndex` on, for a client that missed some. */
  fetchStream(streamId: string, fromIndex?: number): Promise<AckResults['chat.stream_fetch']> {
    return this.#call('chat.stream_fetch', { stream_id: streamId, from_index: fromIndex }, 'retry');
  }

  /** Tells the room this user is typing; at most once per 2 s per room, dropped while not connected. */
  startTyping(roomId: string): void {
    const now = this.#clock.now();
    const last = this.#typingSentAt.get(roomId);
    if (last !== undefined && now - last < TYPING_THROTTLE_MS) return;
    if (this.#transmit({ type: 'typing.start', payload: { room_id: roomId } }, 'live') === undefined) {
      this.#typingSentAt.set(roomId, now);
    }
  }

  stopTyping(roomId: string): void {
    if (this.#typingSentAt.delete(roomId))
      this.#transmit({ type: 'typing.stop', payload: { room_id: roomId } }, 'live');
  }

  /** Sets this device's status; while not connected it is remembered and sent with the next `identify`. */
  async setPresence(status: PresenceStatus, data?: Record<string, unknown>): Promise<void> {
    this.#desiredPresence = data === undefined ? { status } : { status, data };
    if (this.#currentState !== 'ready') {
      this.#presenceDirty = true;
      return;
    }
    await this.#call('presence.update', { status, data }, 'live');
  }

  startRecording(roomId: string, metadata?: Record<string, unknown>): Promise<AckResults['recording.start']> {
    return this.#call('recording.start', { room_id: roomId, metadata }, 'once');
  }

  /** Adds an event to a recording; fire-and-forget (queued while offline). False when it could not be sent or queued. */
  recordEvent(recordingId: string, event: string, data?: Record<string, unknown>): boolean {
    return (
      this.#transmit({ type: 'recording.event', payload: { recording_id: recordingId, event, data } }, 'once') ===
      undefined
    );
  }

  stopRecording(recordingId: string): Promise<AckResults['recording.stop']> {
    return this.#call('recording.stop', { recording_id: recordingId }, 'once');
  }

  /**
   * Sends one of the application's client events without waiting for a reply (queued while offline
   * unless the event is ephemeral). Throws `invalid_payload` when the payload breaks the event's schema.
   */
  send<T extends keyof CustomClientPayloads<Defs> & string>(type: T, payload: CustomClientPayloads<Defs>[T]): boolean {
    const invalid = this.#validate(type, payload);
    if (invalid !== undefined) throw invalid;
    const ephemeral = this.#customEvents.get(type)?.ephemeral === true;
    return this.#transmit({ type, payload }, ephemeral ? 'live' : 'once') === undefined;
  }

  /** Sends any request and resolves with its reply; `retryable` requests are sent again after a reconnect. */
  request<T extends keyof RequestPayloads<Defs> & string>(
    type: T,
    payload: RequestPayloads<Defs>[T],
    options: { retryable?: boolean } = {},
  ): Promise<RequestResult<T>> {
    return this.#call(type, payload, options.retryable === true ? 'retry' : 'once');
  }

  // ── sending ───────────────────────────────────────────────────────────────

  #call<R>(type: string, payload: unknown, delivery: Delivery): Promise<R> {
    const invalid = this.#validate(type, payload);
    if (invalid !== undefined) return Promise.reject(invalid);
    const { frame, result } = this.#requests.create<R>({ type, payload }, delivery === 'retry');
    const refused = this.#transmit(frame, delivery);
    if (refused !== undefined) this.#requests.fail(frame.ref, refused);
    return result;
  }

  /** Sends now when ready, else queues what may be queued; returns why it did neither. */
  #transmit(frame: Outgoing, delivery: Delivery): GatewayClientError | undefined {
    if (this.#currentState === 'ready') return this.#write(frame);
    if (this.#currentState === 'closed') return new GatewayClientError('closed', 'The client is closed.');
    if (delivery === 'live') return new GatewayClientError('not_ready', `"${frame.type}" is not queued while offline.`);
    if (!this.#outbox.push(frame)) return new GatewayClientError('queue_full', 'The offline queue is full.');
    return undefined;
  }

  #write(frame: Outgoing): GatewayClientError | undefined {
    if (this.#connection?.send(frame) !== true) {
      return new GatewayClientError('invalid_payload', `The "${frame.type}" frame could not be sent.`);
    }
    if (frame.ref !== undefined) this.#requests.sent(frame.ref);
    return undefined;
  }

  #validate(type: string, payload: unknown): GatewayClientError | undefined {
    const event = this.#customEvents.get(type);
    if (event === undefined) return undefined;
    if (event.direction === 'server') {
      return new GatewayClientError('invalid_payload', `"${type}" is a server event.`);
    }
    const parsed = event.payload.safeParse(payload);
    return parsed.success
      ? undefined
      : new GatewayClientError('invalid_payload', `Invalid "${type}" payload.`, { cause: parsed.error });
  }

  // ── connection life ───────────────────────────────────────────────────────

  #open(): void {
    this.#reconnectTimer.stop();
    const attempt = ++this.#attemptId;
    const current = () => attempt === this.#attemptId;
    this.#goodbye = undefined;
    this.#setState('connecting');
    if (!current()) return;
    try {
      this.#connection = new Connection(
        {
          url: this.#options.url,
          WebSocket: this.#WebSocket,
          clock: this.#clock,
          random: this.#random,
          decoder: this.#decoder,
          graceMs: this.#options.heartbeatGraceMs ?? 5000,
          connectTimeoutMs: this.#options.requestTimeoutMs ?? 10_000,
          lastSeq: () => this.#sequencer.last,
        },
        {
          frame: (frame) => current() && this.#onFrame(frame),
          invalid: (error) => {
            if (!current()) return;
            const invalid = new GatewayClientError('invalid_frame', error.message, { details: { ...error } });
            if (error.ref !== undefined) this.#requests.fail(error.ref, invalid);
            this.#report(invalid);
          },
          closed: (code, reason) => current() && this.#onClosed(code, reason),
        },
      );
    } catch (cause) {
      this.#shutDown(
        new GatewayClientError(
          'transport_error',
          `Could not open a WebSocket to "${this.#options.url}": check the URL, or pass options.WebSocket.`,
          { cause },
        ),
      );
    }
  }

  #onFrame(inbound: InboundFrame): void {
    if (this.#customEvents.has(inbound.type)) {
      this.#dispatch(inbound);
      return;
    }
    const frame = inbound as ServerFrame;
    switch (frame.type) {
      case 'hello':
        this.#setState('handshaking');
        void this.#handshake();
        break;
      case 'ready':
        this.#onReady(frame.payload);
        return;
      case 'resumed':
        this.#becomeReady();
        if (this.#sequencer.holding > 0) this.#giveUpGap('replay_incomplete');
        if (this.#presenceDirty && this.#desiredPresence !== undefined) {
          const { status, data } = this.#desiredPresence;
          this.setPresence(status, data).catch((error: unknown) => this.#report(error as GatewayClientError));
        }
        this.#settleWaiters();
        break;
      case 'invalid_session':
        this.#dropSession('invalid_session');
        this.#connection?.send(this.#identifyFrame());
        break;
      case 'reconnect': {
        const { after_ms: afterMs = 0, jitter_ms: jitterMs = this.#policy.minDelayMs } = frame.payload;
        this.#emitFrame(frame);
        this.#serverPacedDelay = afterMs + Math.floor(this.#random() * jitterMs);
        this.#lose(GIVING_UP, 'reconnect requested by the server');
        return;
      }
      case 'goodbye':
        this.#goodbye = frame.payload;
        break;
      case 'ack':
      case 'error':
      case 'subscribed':
      case 'unsubscribed':
        this.#onReply(frame);
        return;
      default:
        this.#dispatch(frame);
        return;
    }
    this.#emitFrame(frame);
  }

  async #handshake(): Promise<void> {
    const attempt = this.#attemptId;
    try {
      this.#handshakeToken = await this.#getToken();
    } catch (cause) {
      if (attempt !== this.#attemptId) return;
      this.#report(new GatewayClientError('token_failed', 'getToken() failed; retrying.', { cause }));
      return this.#lose(GIVING_UP, 'no token');
    }
    if (attempt !== this.#attemptId) return;
    const sessionId = this.#sessionIdValue;
    if (sessionId === undefined) {
      this.#connection?.send(this.#identifyFrame());
      return;
    }
    const resume: Loose<ClientPayloads['resume']> = {
      session_id: sessionId,
      seq: this.#sequencer.last,
      token: this.#handshakeToken,
    };
    this.#connection?.send({ type: 'resume', payload: resume });
  }

  #identifyFrame(): Outgoing {
    const options = this.#options;
    const payload: Loose<ClientPayloads['identify']> = {
      token: this.#handshakeToken,
      user_id: options.userId,
      display_name: options.displayName,
      device_type: options.deviceType,
      device_id: this.#deviceId,
      protocol_version: PROTOCOL_VERSION,
      subscriptions: this.#rooms.size > 0 ? [...this.#rooms] : undefined,
      presence: this.#desiredPresence,
    };
    return { type: 'identify', payload };
  }

  #onReady(payload: ReadyPayload): void {
    this.#sessionIdValue = payload.session_id;
    this.#deviceId = payload.device_id;
    this.#readyPayload = payload;
    this.#rooms = new Set(payload.subscriptions);
    this.#presenceDirty = false;
    this.#sequencer.reset();
    this.#applyPresence({ type: 'ready', payload });
    this.#becomeReady();
    const reason = this.#resetReason;
    this.#resetReason = undefined;
    if (reason !== undefined) this.#deliver('reset', { reason });
    this.#deliver('ready', payload);
    this.#settleWaiters();
  }

  /** Flushes the offline queue before announcing `ready`, so sends made from a `ready` listener come after it. */
  #becomeReady(): void {
    for (const frame of this.#outbox.take()) {
      const failed = this.#write(frame);
      if (failed !== undefined && frame.ref !== undefined) this.#requests.fail(frame.ref, failed);
    }
    this.#stableTimer.start(this.#policy.stableAfterMs);
    this.#setState('ready');
  }

  #settleWaiters(): void {
    const ready = this.#readyPayload;
    if (ready === undefined || this.#currentState !== 'ready') return;
    for (const waiter of this.#readyWaiters.splice(0)) waiter.resolve(ready);
  }

  #dropSession(reason: string): void {
    if (this.#sessionIdValue !== undefined) this.#resetReason = reason;
    this.#sessionIdValue = undefined;
  }

  #onReply(frame: Reply): void {
    if (frame.type === 'subscribed') {
      for (const room of frame.payload.rooms) this.#rooms.add(room.room_id);
      this.#applyPresence(frame);
    } else if (frame.type === 'unsubscribed') {
      // A subscribe answered just before this reply may have put a room back that the app has left since.
      for (const roomId of frame.payload.room_ids) this.#rooms.delete(roomId);
      this.#applyPresence(frame);
    }
    const settled = this.#requests.settle(frame);
    if (frame.type !== 'error') this.#emitFrame(frame);
    else if (!settled) {
      const { code, message, details } = frame.payload;
      this.#report(new GatewayClientError(code, message, details === undefined ? {} : { details }));
    }
  }

  /** Gives the current socket up (without ending the session) and reconnects. */
  #lose(code: number, reason: string): void {
    this.#attemptId++;
    this.#connection?.close(code, reason);
    this.#onClosed(code, reason);
  }

  #onClosed(code: number, reason: string): void {
    this.#connection = undefined;
    this.#stableTimer.stop();
    this.typing.clear();
    this.#outbox.requeue(this.#requests.disconnected((ref) => this.#outbox.has(ref)));
    const next = afterClose(code, this.#goodbye?.code, this.#options.getToken !== undefined);
    const { closeCode } = next;
    if (next.action === 'stop') {
      const why = reason || this.#goodbye?.reason || 'no reason given';
      const message = `The server closed the connection for good (${closeCode}: ${why}).`;
      this.#shutDown(new GatewayClientError('fatal_close', message, { closeCode }));
      return;
    }
    if (next.reidentify) this.#dropSession(`closed with ${closeCode}`);
    if (this.#options.reconnect === false) {
      this.#shutDown(new GatewayClientError('disconnected', 'The connection closed; reconnect is off.', { closeCode }));
      return;
    }
    const attempt = this.#attempts;
    let delay = this.#serverPacedDelay;
    this.#serverPacedDelay = undefined;
    if (delay === undefined) {
      delay = backoffDelay(attempt, this.#random(), this.#policy);
      this.#attempts++;
    }
    this.#setState('reconnecting');
    if (this.#currentState !== 'reconnecting') return;
    this.#deliver('reconnecting', { attempt, delay_ms: delay });
    if (this.#currentState === 'reconnecting') this.#reconnectTimer.start(delay);
  }

  /** Ends everything: clean close 1000 when asked by the app, or after a fatal close (`error` is then reported). */
  #shutDown(error?: GatewayClientError): void {
    this.#attemptId++;
    this.#connection?.close(1000, 'client closed');
    this.#connection = undefined;
    this.#reconnectTimer.stop();
    this.#stableTimer.stop();
    this.#stopWatching?.();
    this.#stopWatching = undefined;
    this.typing.clear();
    this.#typingSentAt.clear();
    this.#sessionIdValue = undefined;
    this.#resetReason = undefined;
    this.#sequencer.reset();
    const closed = new GatewayClientError('closed', error?.message ?? 'The client was closed.', {
      ...(error === undefined ? {} : { cause: error }),
      ...(error?.closeCode === undefined ? {} : { closeCode: error.closeCode }),
    });
    this.#requests.rejectAll(closed);
    for (const frame of this.#outbox.take()) if (frame.ref !== undefined) this.#requests.fail(frame.ref, closed);
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(closed);
    this.#setState('closed');
    if (error !== undefined) this.#report(error);
  }

  #onLifecycle(event: LifecycleEvent): void {
    if (event === 'offline' || event === 'background') return;
    // Back online or in front: a scheduled reconnect goes now, a live connection proves itself on the clock.
    if (this.#currentState === 'reconnecting') this.#open();
    else this.#connection?.checkAlive();
  }

  // ── receiving ─────────────────────────────────────────────────────────────

  #dispatch(frame: InboundFrame): void {
    if (frame.seq === undefined) {
      this.#handleDispatch(frame);
      return;
    }
    const step = this.#sequencer.accept(frame, frame.seq);
    if (step.gap !== undefined) {
      this.#deliver('gap', step.gap);
      this.#call('replay', { since: step.gap.since }, 'live').then(
        () => this.#sequencer.holding > 0 && this.#giveUpGap('replay_incomplete'),
        (error: GatewayClientError) =>
          error.code !== 'disconnected' && error.code !== 'closed' && this.#giveUpGap(error.code),
      );
    }
    for (const next of step.deliver) this.#handleDispatch(next);
  }

  /** The server cannot fill a gap: the held events go out in order, after a `reset` telling the app some were lost. */
  #giveUpGap(reason: string): void {
    const released = this.#sequencer.skip();
    this.#deliver('reset', { reason });
    for (const frame of released) this.#handleDispatch(frame);
  }

  #handleDispatch(inbound: InboundFrame): void {
    const frame = inbound as ServerFrame;
    switch (frame.type) {
      case 'presence.join':
      case 'presence.update':
      case 'presence.leave':
        this.#applyPresence(frame);
        break;
      case 'typing.start':
      case 'typing.stop':
        this.typing.apply(frame);
        break;
      case 'chat.message':
        this.typing.remove(frame.payload.room_id, frame.payload.sender_id);
        break;
    }
    this.#emitFrame(inbound);
  }

  #applyPresence(frame: PresenceFrame): void {
    const next = reducePresence(this.#presenceState, frame);
    if (next === this.#presenceState) return;
    this.#presenceState = next;
    this.#deliver('presence', describeChange(frame));
  }

  // ── events ────────────────────────────────────────────────────────────────

  #setState(to: ClientState): void {
    const from = this.#currentState;
    if (from === to) return;
    this.#currentState = to;
    this.#deliver('state', { from, to });
  }

  #report(error: GatewayClientError): void {
    this.#deliver('error', error);
  }

  #emitFrame(frame: InboundFrame): void {
    this.#deliver(frame.type as keyof MetaEvents, frame.payload as never);
  }

  /**
   * Emits to the application's listeners. eventemitter3 calls them synchronously, so a throwing listener
   * would otherwise unwind into the socket handler; it is reported as `listener_failed` instead.
   */
  #deliver<K extends keyof MetaEvents>(event: K, value: MetaEvents[K]): void {
    const emit = EventEmitter.prototype.emit as (this: unknown, event: string, value: unknown) => boolean;
    try {
      emit.call(this, event, value);
    } catch (cause) {
      if (event !== 'error') {
        this.#report(new GatewayClientError('listener_failed', `A "${String(event)}" listener threw.`, { cause }));
      }
    }
  }
}

/**
 * Creates a client, connecting at once unless `autoConnect: false`.
 * Custom events passed in `events` are validated on receipt and typed in `on` and `send`.
 */
export function createClient<const Defs extends Definitions = []>(options: ClientOptions<Defs>): GatewayClient<Defs> {
  return new GatewayClient<Defs>(options);
}
