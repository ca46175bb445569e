import {
  type AckResults,
  type ClientPayloads,
  type CustomClientPayloads,
  createServerFrameDecoder,
  type Decoder,
  type EventDefinition,
  type PresenceStatus,
  type ServerFrame,
  type ServerFrameOf,
  type ServerPayloads,
  type User,
} from '@gateway/protocol';
import EventEmitter from 'eventemitter3';
import IsomorphicWebSocket from 'isomorphic-ws';
import { afterClose } from './after-close';
import { Connection, type InboundFrame } from './connection';
import { GatewayClientError } from './errors';
import type { ClientEventArgs, ClientState, MetaEvents } from './events';
import { GapRepair } from './gap-repair';
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
import { ReconnectSchedule } from './reconnect-schedule';
import type { Delivery, RequestPayloads, RequestResult, SendMessageOptions } from './request-types';
import { type Outgoing, type Reply, Requests } from './requests';
import { SendPause } from './send-pause';
import type { Gap } from './sequencer';
import { type Loose, SessionMemory } from './session-memory';
import { type Clock, systemClock } from './timer';
import { singleFlight } from './token';
import type { WebSocketConstructor } from './transport';
import { TypingView } from './typing-view';

type Definitions = readonly EventDefinition[];
type ReadyPayload = ServerPayloads['ready'];
type SubscribedPayload = ServerPayloads['subscribed'];
type UnsubscribedPayload = ServerPayloads['unsubscribed'];

const TYPING_THROTTLE_MS = 2000;
const GIVING_UP = 4000;
/** How long sends wait after a `rate_limited` that does not say. */
const RATE_LIMIT_PAUSE_MS = 1000;

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
  readonly #requests: Requests;
  readonly #outbox: Outbox;
  readonly #inbox = new GapRepair<InboundFrame>({
    deliver: (frame) => this.#handleDispatch(frame),
    gap: (gap) => this.#onGap(gap),
    reset: (reason) => this.#deliver('reset', { reason }),
  });
  readonly #schedule: ReconnectSchedule;
  readonly #typingSentAt = new Map<string, number>();
  readonly #memory: SessionMemory;
  readonly #pause: SendPause;
  readonly #timeoutMs: number;
  #readyWaiters: { resolve: (ready: ReadyPayload) => void; reject: (error: GatewayClientError) => void }[] = [];

  #currentState: ClientState = 'idle';
  /** Stamps each connection attempt; callbacks from an older attempt are ignored. */
  #attemptId = 0;
  #connection: Connection | undefined;
  #goodbye: ServerPayloads['goodbye'] | undefined;
  #handshakeToken: string | undefined;
  #presenceState: PresenceState = emptyPresence;
  #stopWatching: (() => void) | undefined;
  #reauthing = false;
  /** A client without `getToken` says once per `connect()` that it cannot replace an expiring token. */
  #cannotReauthSaid = false;

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
    this.#schedule = new ReconnectSchedule(this.#clock, this.#random, options.reconnect || {}, () => this.#open());
    this.#timeoutMs = options.requestTimeoutMs ?? 10_000;
    this.#requests = new Requests(this.#clock, this.#timeoutMs);
    // A stopping server that never closes is left; after a rate limit the held sends go out.
    this.#pause = new SendPause(this.#clock, (draining) => {
      if (draining) this.#lose(GIVING_UP, 'the server is shutting down');
      else if (this.#currentState === 'ready') this.#flush();
    });
    this.#outbox = new Outbox(options.maxQueuedSends ?? 100);
    this.#memory = new SessionMemory(options);
    this.presence = new PresenceView(() => this.#presenceState);
    this.typing = new TypingView(this.#clock, (change) => this.#deliver('typing', change));
    if (options.autoConnect !== false) this.connect();
  }

  get state(): ClientState {
    return this.#currentState;
  }

  /** The user of the current session, once ready. */
  get user(): User | undefined {
    return this.#memory.ready?.user;
  }

  get sessionId(): string | undefined {
    return this.#memory.sessionId;
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
    this.#schedule.restart();
    this.#cannotReauthSaid = false;
    this.#open();
  }

  /** Closes cleanly (1000): the session ends on the server, open requests reject with `closed`, no reconnect follows. */
  close(): void {
    if (this.#currentState !== 'closed') this.#shutDown();
  }

  /** Resolves with the session's `ready` payload: at once when ready, else at the next `ready`/`resumed`. */
  ready(): Promise<ReadyPayload> {
    const ready = this.#memory.ready;
    if (this.#currentState === 'ready' && ready !== undefined) return Promise.resolve(ready);
    if (this.#currentState === 'closed')
      return Promise.reject(new GatewayClientError('closed', 'The client is closed.'));
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  subscribe(roomIds: string | readonly string[]): Promise<SubscribedPayload> {
    return this.#call('subscribe', { room_ids: list(roomIds) }, 'retry');
  }

  unsubscribe(roomIds: string | readonly string[]): Promise<UnsubscribedPayload> {
    const ids = list(roomIds);
    this.#memory.roomsLeft(ids);
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

  /**
   * Sets this device's status. While not connected it is remembered: a fresh `identify` carries it, and
   * after a resume it is sent as soon as the session is back.
   */
  async setPresence(status: PresenceStatus, data?: Record<string, unknown>): Promise<void> {
    const presence = data === undefined ? { status } : { status, data };
    this.#memory.setPresence(presence);
    if (this.#currentState === 'ready') await this.#sendPresence(presence);
  }

  async #sendPresence(presence: PresenceOptions): Promise<void> {
    await this.#call('presence.update', { status: presence.status, data: presence.data }, 'live');
    this.#memory.presenceSent(presence);
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

  /**
   * Sends now when ready (and the server is not holding sends back), else queues what may be queued;
   * returns why it did neither.
   */
  #transmit(frame: Outgoing, delivery: Delivery): GatewayClientError | undefined {
    if (this.#currentState === 'closed') return new GatewayClientError('closed', 'The client is closed.');
    if (this.#currentState === 'ready' && (delivery === 'live' || !this.#pause.active)) return this.#write(frame);
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
    this.#schedule.cancel();
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
          connectTimeoutMs: this.#timeoutMs,
          maxFrameBytes: this.#options.maxIncomingFrameBytes ?? 1_048_576,
          lastSeq: () => this.#inbox.last,
        },
        {
          frame: (frame) => current() && this.#onFrame(frame),
          invalid: (error) => {
            if (!current()) return;
            const code = error.code === 'frame_too_large' ? error.code : 'invalid_frame';
            const invalid = new GatewayClientError(code, error.message, { details: { ...error } });
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
        // The missed events came before this frame; what is still held can no longer be filled.
        this.#inbox.resumed();
        this.#becomeReady();
        this.#restorePresence();
        this.#settleWaiters();
        break;
      case 'invalid_session':
        this.#memory.lose('invalid_session');
        this.#connection?.send(this.#identifyFrame());
        break;
      case 'reconnect': {
        this.#emitFrame(frame);
        this.#schedule.pace(frame.payload.after_ms, frame.payload.jitter_ms);
        this.#lose(GIVING_UP, 'reconnect requested by the server');
        return;
      }
      case 'goodbye':
        this.#goodbye = frame.payload;
        break;
      case 'auth.expiring':
        this.#emitFrame(frame);
        void this.#reauth();
        return;
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
    const resume = this.#memory.resumePayload(this.#inbox.last, this.#handshakeToken);
    this.#connection?.send(resume === undefined ? this.#identifyFrame() : { type: 'resume', payload: resume });
  }

  /**
   * The server warned that the token expires soon: a fresh one from getToken goes out in `reauth`. When
   * that fails the app hears of it, and the server's close 4200 at expiry makes the client resume with a
   * fresh token (the handshake always asks getToken).
   */
  async #reauth(): Promise<void> {
    if (this.#reauthing) return;
    if (this.#options.getToken === undefined) {
      if (this.#cannotReauthSaid) return;
      this.#cannotReauthSaid = true;
      this.#report(
        new GatewayClientError('reauth_failed', 'The token expires soon and there is no getToken to replace it.'),
      );
      return;
    }
    const connection = this.#connection;
    this.#reauthing = true;
    try {
      const token = await this.#getToken();
      if (connection !== this.#connection) return;
      if (!token) throw new Error('getToken() returned no token.');
      await this.#call('reauth', { token }, 'live');
      this.#handshakeToken = token;
    } catch (cause) {
      // A connection that dropped meanwhile needs no reauth: the next handshake fetches a token anyway.
      if (connection === this.#connection) {
        this.#report(new GatewayClientError('reauth_failed', 'The expiring token could not be replaced.', { cause }));
      }
    } finally {
      this.#reauthing = false;
    }
  }

  #identifyFrame(): Outgoing {
    return { type: 'identify', payload: this.#memory.identifyPayload(this.#handshakeToken) };
  }

  #onReady(payload: ReadyPayload): void {
    const lostBecause = this.#memory.readied(payload);
    this.#inbox.newSession();
    this.#applyPresence({ type: 'ready', payload });
    this.#becomeReady();
    if (lostBecause !== undefined) this.#deliver('reset', { reason: lostBecause });
    this.#deliver('ready', payload);
    this.#settleWaiters();
    if (lostBecause !== undefined) this.#resubscribe();
    // A status set while the identify was on its way.
    this.#restorePresence();
  }

  /** The session came back: a status the app set while it was away is sent now. */
  #restorePresence(): void {
    const presence = this.#memory.presenceToRestore();
    if (presence === undefined || this.#currentState !== 'ready') return;
    this.#sendPresence(presence).catch((error: GatewayClientError) => {
      if (error.code !== 'disconnected' && error.code !== 'closed') this.#report(error);
    });
  }

  /**
   * After a reset the app must rebuild its state: the rooms came back through `identify`, but their
   * members and recent messages only come in a `subscribe` reply, so the rooms are asked for again
   * (the server grants rooms a session holds without asking its hook twice).
   */
  #resubscribe(): void {
    const rooms = this.#memory.rooms;
    if (rooms.length === 0 || this.#currentState !== 'ready') return;
    this.subscribe(rooms).catch((error: GatewayClientError) => {
      if (error.code !== 'disconnected' && error.code !== 'closed') this.#report(error);
    });
  }

  /** Flushes the offline queue before announcing `ready`, so sends made from a `ready` listener come after it. */
  #becomeReady(): void {
    this.#flush();
    this.#schedule.connected();
    this.#setState('ready');
  }

  /** Sends what was held back (refused for now, then queued meanwhile), oldest first; nothing while paused. */
  #flush(): void {
    if (this.#pause.active) return;
    for (const frame of [...this.#requests.takeHeld(), ...this.#outbox.take()]) {
      const failed = this.#write(frame);
      if (failed !== undefined && frame.ref !== undefined) this.#requests.fail(frame.ref, failed);
    }
  }

  #settleWaiters(): void {
    const ready = this.#memory.ready;
    if (ready === undefined || this.#currentState !== 'ready') return;
    for (const waiter of this.#readyWaiters.splice(0)) waiter.resolve(ready);
  }

  #onReply(frame: Reply): void {
    if (frame.type === 'subscribed') {
      this.#memory.roomsJoined(frame.payload.rooms.map((room) => room.room_id));
      this.#applyPresence(frame);
    } else if (frame.type === 'unsubscribed') {
      // A subscribe answered just before this reply may have put a room back that the app has left since.
      this.#memory.roomsLeft(frame.payload.room_ids);
      this.#applyPresence(frame);
    }
    if (frame.type === 'error' && this.#refusedForNow(frame)) return;
    const settled = this.#requests.settle(frame);
    if (frame.type !== 'error') this.#emitFrame(frame);
    else if (!settled) {
      const { code, message, details, retry_after_ms: retryAfterMs } = frame.payload;
      this.#report(new GatewayClientError(code, message, { details, retryAfterMs }));
    }
  }

  /**
   * `rate_limited` and `shutting_down` refuse work for now, not for good: queued sends wait (for
   * `retry_after_ms`, or for the close a stopping server sends next) and a retryable request is sent again
   * then, under the same ref and `client_msg_id`. True when the reply was taken care of that way.
   */
  #refusedForNow({ ref, payload }: ServerFrameOf<'error'>): boolean {
    const draining = payload.code === 'shutting_down';
    if (!draining && payload.code !== 'rate_limited') return false;
    this.#pause.hold(draining ? this.#timeoutMs : (payload.retry_after_ms ?? RATE_LIMIT_PAUSE_MS), draining);
    return ref !== undefined && this.#requests.hold(ref);
  }

  /** Gives the current socket up (without ending the session) and reconnects. */
  #lose(code: number, reason: string): void {
    this.#attemptId++;
    this.#connection?.close(code, reason);
    this.#onClosed(code, reason);
  }

  #onClosed(code: number, reason: string): void {
    this.#connection = undefined;
    // The server's limits are per connection: the next one starts afresh.
    this.#pause.clear();
    this.#schedule.disconnected();
    this.typing.clear();
    this.#inbox.connectionLost();
    this.#outbox.requeue(this.#requests.disconnected((ref) => this.#outbox.has(ref)));
    const next = afterClose(code, this.#goodbye?.code, this.#options.getToken !== undefined);
    const { closeCode } = next;
    if (next.action === 'stop') {
      const why = reason || this.#goodbye?.reason || 'no reason given';
      const message = `The server closed the connection for good (${closeCode}: ${why}).`;
      this.#shutDown(new GatewayClientError('fatal_close', message, { closeCode }));
      return;
    }
    if (next.reidentify) this.#memory.lose(`closed with ${closeCode}`);
    if (this.#options.reconnect === false) {
      this.#shutDown(new GatewayClientError('disconnected', 'The connection closed; reconnect is off.', { closeCode }));
      return;
    }
    const scheduled = this.#schedule.next();
    this.#setState('reconnecting');
    if (this.#currentState !== 'reconnecting') return;
    this.#deliver('reconnecting', scheduled);
    if (this.#currentState === 'reconnecting') this.#schedule.start(scheduled.delay_ms);
  }

  /** Ends everything: clean close 1000 when asked by the app, or after a fatal close (`error` is then reported). */
  #shutDown(error?: GatewayClientError): void {
    this.#attemptId++;
    this.#connection?.close(1000, 'client closed');
    this.#connection = undefined;
    this.#schedule.stop();
    this.#pause.clear();
    this.#stopWatching?.();
    this.#stopWatching = undefined;
    this.typing.clear();
    this.#typingSentAt.clear();
    this.#memory.forget();
    this.#inbox.newSession();
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
    // The page or app is going away for good: a clean close ends the session (and its presence) now,
    // instead of leaving it to linger for the resume window.
    if (event === 'terminate') {
      this.close();
      return;
    }
    if (event === 'offline' || event === 'background') return;
    // Back online or in front: a scheduled reconnect goes now, a live connection proves itself on the clock.
    if (this.#currentState === 'reconnecting') this.#open();
    else this.#connection?.checkAlive();
  }

  // ── receiving ─────────────────────────────────────────────────────────────

  #dispatch(frame: InboundFrame): void {
    if (frame.seq === undefined) this.#handleDispatch(frame);
    else this.#inbox.accept(frame, frame.seq);
  }

  /** Asks for the missing events; a refusal or a timeout (not a dropped connection: resume covers that) is a reset. */
  #onGap(gap: Gap): void {
    this.#deliver('gap', gap);
    // While a resume is under way the server is replaying already; whatever stays missing shows at `resumed`.
    if (this.#currentState !== 'ready') return;
    this.#call('replay', { since: gap.since }, 'live').then(
      () => this.#inbox.replayAnswered(),
      (error: GatewayClientError) => {
        if (error.code !== 'disconnected' && error.code !== 'closed') this.#inbox.replayFailed(error.code);
      },
    );
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
    // A type this client does not know only held its place in the seq order; it has no payload to hand out.
    if (this.#decoder.knows(inbound.type)) this.#emitFrame(inbound);
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
