import {
  type AckResults,
  type ClientPayloads,
  type CustomClientPayloads,
  createServerFrameDecoder,
  type Decoder,
  type EventDefinition,
  type PresenceStatus,
  type RoomRecovery,
  recoveryReplays,
  type ServerFrame,
  type ServerPayloads,
  type User,
} from '@gateway/protocol';
import { afterClose } from './after-close';
import { Connection, GIVING_UP, type InboundFrame } from './connection';
import { Emitter } from './emitter';
import { GatewayClientError } from './errors';
import type { ClientEventArgs, ClientState, MetaEvents } from './events';
import { GapRepair } from './gap-repair';
import { browserLifecycle, type LifecycleEvent } from './lifecycle';
import { type ClientOptions, DEFAULT_MAX_FRAME, type PresenceOptions } from './options';
import type { Outgoing, Reply } from './outgoing/frame';
import { OutgoingRequests } from './outgoing/outgoing-requests';
import { serverError } from './outgoing/read-reply';
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
import { RoomPositions } from './room-positions';
import type { Gap } from './sequencer';
import { type Loose, SessionMemory } from './session-memory';
import { type Clock, systemClock } from './timer';
import { singleFlight } from './token';
import type { WebSocketConstructor } from './transport';
import { TypingView } from './typing-view';
import { checkUrl } from './url';

type Definitions = readonly EventDefinition[];
type ReadyPayload = ServerPayloads['ready'];
type SubscribedPayload = ServerPayloads['subscribed'];
type UnsubscribedPayload = ServerPayloads['unsubscribed'];

const TYPING_THROTTLE_MS = 2000;

const newMessageId = (): string =>
  globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

const list = (ids: string | readonly string[]): string[] => (typeof ids === 'string' ? [ids] : [...ids]);

/**
 * The gateway client: one state machine over one connection at a time, reconnecting on its own,
 * with typed events (`client.on('chat.message', (m) => m.content)`) and typed requests.
 */
export class GatewayClient<Defs extends Definitions = []> extends Emitter<ClientEventArgs<Defs>> {
  /** Who is online, kept current from the server's presence events. */
  readonly presence: PresenceView;
  /** Who is typing where; entries expire on the clock. */
  readonly typing: TypingView;

  private readonly _clock: Clock;
  private readonly _random: () => number;
  private readonly _WebSocket: WebSocketConstructor;
  private readonly _decoder: Decoder<InboundFrame>;
  private readonly _customEvents: ReadonlyMap<string, EventDefinition>;
  private readonly _getToken: () => Promise<string | undefined>;
  private readonly _outgoing: OutgoingRequests;
  private readonly _inbox = new GapRepair<InboundFrame>({
    deliver: (frame) => this._handleDispatch(frame),
    gap: (gap) => this._onGap(gap),
    reset: (reason) => this._deliver('reset', { reason, rooms: this._memory.rooms }),
  });
  private readonly _positions = new RoomPositions();
  private readonly _schedule: ReconnectSchedule;
  private readonly _typingSentAt = new Map<string, number>();
  private readonly _memory: SessionMemory;
  private readonly _timeoutMs: number;
  private _readyWaiters: { resolve: (ready: ReadyPayload) => void; reject: (error: GatewayClientError) => void }[] = [];

  private _currentState: ClientState = 'idle';
  /** Stamps each connection attempt; callbacks from an older attempt are ignored. */
  private _attemptId = 0;
  private _connection: Connection | undefined;
  private _goodbye: ServerPayloads['goodbye'] | undefined;
  private _handshakeToken: string | undefined;
  private _presenceState: PresenceState = emptyPresence;
  private _stopWatching: (() => void) | undefined;
  private _reauthing?: boolean;
  /** A client without `getToken` says once per `connect()` that it cannot replace an expiring token. */
  private _cannotReauthSaid?: boolean;
  /** Attempts in a row that ended before `ready`, for `reconnect.maxAttempts`. */
  private _failures = 0;

  private readonly _options: ClientOptions<Defs>;

  constructor(options: ClientOptions<Defs>) {
    super();
    this._options = options;
    this._clock = options.clock ?? systemClock;
    this._random = options.random ?? Math.random;
    checkUrl(options.url);
    const WebSocket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (WebSocket === undefined) {
      throw new TypeError('No WebSocket in this runtime: pass options.WebSocket (Node 20: npm install ws).');
    }
    this._WebSocket = WebSocket;
    const events = options.events ?? [];
    this._decoder = createServerFrameDecoder(events) as Decoder<InboundFrame>;
    this._customEvents = new Map(events.map((event) => [event.name, event]));
    this._getToken = singleFlight(options.getToken ?? (() => options.token));
    this._schedule = new ReconnectSchedule(this._clock, this._random, options.reconnect || {}, () => this._open());
    this._timeoutMs = options.requestTimeoutMs ?? 10_000;
    this._outgoing = new OutgoingRequests({
      clock: this._clock,
      timeoutMs: this._timeoutMs,
      maxQueued: options.maxQueuedSends ?? 100,
      link: {
        state: () => this._currentState,
        write: (frame) => this._connection?.send(frame) === true,
        silentSince: (time) => this._connection?.silentSince(time) ?? false,
        giveUp: () => this._connection?.giveUp('no reply to a request and no frame since it was sent'),
        leave: () => this._lose(GIVING_UP, 'the server is shutting down'),
      },
    });
    this._memory = new SessionMemory(options);
    this.presence = new PresenceView(() => this._presenceState);
    this.typing = new TypingView(this._clock, (change) => this._deliver('typing', change));
    if (options.autoConnect !== false) this.connect();
  }

  get state(): ClientState {
    return this._currentState;
  }

  /** The user of the current session, once ready. */
  get user(): User | undefined {
    return this._memory.ready?.user;
  }

  get sessionId(): string | undefined {
    return this._memory.sessionId;
  }

  /** Starts connecting (when idle or closed), or skips the wait of a scheduled reconnect. */
  connect(): void {
    if (this._currentState === 'reconnecting') {
      this._open();
      return;
    }
    if (this._currentState !== 'idle' && this._currentState !== 'closed') return;
    const watchers = [browserLifecycle, this._options.lifecycle].map((source) =>
      source?.subscribe((event) => this._onLifecycle(event)),
    );
    this._stopWatching = () => {
      for (const stop of watchers) stop?.();
    };
    this._schedule.restart();
    this._cannotReauthSaid = false;
    this._failures = 0;
    this._open();
  }

  /** Closes cleanly (1000): the session ends on the server, open requests reject with `closed`, no reconnect follows. */
  close(): void {
    if (this._currentState !== 'closed') this._shutDown();
  }

  /**
   * Resolves with the session's `ready` payload: at once when ready, else at the next `ready`/`resumed`.
   * Its `refused` names the rooms the server did not grant at identify (as a `subscribe` reply does); the
   * client forgets them, so a reconnect does not ask for them again.
   */
  ready(): Promise<ReadyPayload> {
    const ready = this._memory.ready;
    if (this._currentState === 'ready' && ready !== undefined) return Promise.resolve(ready);
    if (this._currentState === 'closed')
      return Promise.reject(new GatewayClientError('closed', 'The client is closed.'));
    return new Promise((resolve, reject) => this._readyWaiters.push({ resolve, reject }));
  }

  /**
   * Subscribes to rooms (kept across reconnects) and resolves with the `subscribed` payload: each room's members
   * and recent messages. When the server refuses any of them, it rejects with a GatewayClientError of code
   * `subscribe_refused` instead: `details.refused` lists the refused rooms (`{ room_id, code, message }`) and
   * `details.rooms` the snapshots of those granted, which stay subscribed (they also arrive in the `subscribed`
   * event). The same holds for `request('subscribe', …)`.
   *
   * Rooms the client has a position for (it was in them before) are recovered from it: what was said since is
   * replayed after the reply (`recovery` events say how each went) and their snapshots carry no recent messages.
   * `{ recover: false }` asks for the snapshot instead: a view that starts empty wants the recent messages.
   */
  subscribe(roomIds: string | readonly string[], options: { recover?: boolean } = {}): Promise<SubscribedPayload> {
    const ids = list(roomIds);
    const since = options.recover === false ? undefined : this._positions.sinceFor(ids);
    return this._call('subscribe', { room_ids: ids, since }, 'retry');
  }

  unsubscribe(roomIds: string | readonly string[]): Promise<UnsubscribedPayload> {
    const ids = list(roomIds);
    this._memory.roomsLeft(ids);
    return this._call('unsubscribe', { room_ids: ids }, 'retry');
  }

  /** Sends a chat message; queued while offline and retried after a reconnect under the same `client_msg_id`. */
  sendMessage(roomId: string, content: string, options: SendMessageOptions = {}): Promise<AckResults['chat.send']> {
    this._typingSentAt.delete(roomId);
    const payload: Loose<ClientPayloads['chat.send']> = {
      room_id: roomId,
      client_msg_id: options.clientMsgId ?? newMessageId(),
      content,
      kind: options.kind,
      metadata: options.metadata,
    };
    return this._call('chat.send', payload, 'retry');
  }

  editMessage(roomId: string, messageId: string, content: string): Promise<AckResults['chat.edit']> {
    return this._call('chat.edit', { room_id: roomId, message_id: messageId, content }, 'retry');
  }

  deleteMessage(roomId: string, messageId: string): Promise<AckResults['chat.delete']> {
    return this._call('chat.delete', { room_id: roomId, message_id: messageId }, 'once');
  }

  /**
   * A page of a room's messages, oldest first. `before` only: the newest `limit` older than it; `after` (with
   * or without `before`): the oldest `limit` newer than it; neither: the latest. A cursor is a message
   * (`{ message_id }`) or a position (`{ epoch, offset }`: a recovery's hole ends `before` `missed_to + 1`,
   * and pages back from there by message id); a position the server cannot place rejects with
   * `position_unavailable`. `more` says there may be more that way. A bare number is the `limit` (at most 100).
   */
  history(
    roomId: string,
    options: number | Omit<ClientPayloads['chat.history'], 'room_id'> = {},
  ): Promise<AckResults['chat.history']> {
    return this._call(
      'chat.history',
      { room_id: roomId, ...(typeof options === 'number' ? { limit: options } : options) },
      'retry',
    );
  }

  /** The chunks of a stream from `fromIndex` on, for a client that missed some. */
  fetchStream(streamId: string, fromIndex?: number): Promise<AckResults['chat.stream_fetch']> {
    return this._call('chat.stream_fetch', { stream_id: streamId, from_index: fromIndex }, 'retry');
  }

  /** Tells the room this user is typing; at most once per 2 s per room, dropped while not connected. */
  startTyping(roomId: string): void {
    const now = this._clock.now();
    const last = this._typingSentAt.get(roomId);
    if (last !== undefined && now - last < TYPING_THROTTLE_MS) return;
    if (this._outgoing.send({ type: 'typing.start', payload: { room_id: roomId } }, 'live')) {
      this._typingSentAt.set(roomId, now);
    }
  }

  stopTyping(roomId: string): void {
    if (this._typingSentAt.delete(roomId))
      this._outgoing.send({ type: 'typing.stop', payload: { room_id: roomId } }, 'live');
  }

  /**
   * Sets this device's status. While not connected it is remembered: a fresh `identify` carries it, and
   * after a resume it is sent as soon as the session is back.
   */
  async setPresence(status: PresenceStatus, data?: Record<string, unknown>): Promise<void> {
    const presence = data === undefined ? { status } : { status, data };
    this._memory.setPresence(presence);
    if (this._currentState === 'ready') await this._sendPresence(presence);
  }

  private async _sendPresence(presence: PresenceOptions): Promise<void> {
    await this._call('presence.update', { status: presence.status, data: presence.data }, 'live');
    this._memory.presenceSent(presence);
  }

  /**
   * One page of presence from the server, in user id order: everyone online (no `roomId`; global presence
   * only, else `forbidden`) or a subscribed room's members. Pass the page's `next` as `after` for the
   * following one; the last page has none. Each page also goes into the view (`client.presence`), so a room
   * larger than the server's first page (`members_next`) fills in as the app pages it.
   */
  async listPresence(
    options: { roomId?: string | undefined; after?: string | undefined; limit?: number } = {},
  ): Promise<AckResults['presence.list']> {
    const id = this.sessionId;
    const page = await this._call<AckResults['presence.list']>(
      'presence.list',
      { room_id: options.roomId, after: options.after, limit: options.limit },
      'retry',
    );
    // Asked before the first `ready`, the page is the first session's; after a reset, it is for nobody held.
    if (id === undefined || this.sessionId === id) this._applyPresence({ type: 'presence.list', payload: page });
    return page;
  }

  startRecording(roomId: string, metadata?: Record<string, unknown>): Promise<AckResults['recording.start']> {
    return this._call('recording.start', { room_id: roomId, metadata }, 'once');
  }

  /** Adds an event to a recording; fire-and-forget (queued while offline). False when it could not be sent or queued. */
  recordEvent(recordingId: string, event: string, data?: Record<string, unknown>): boolean {
    return this._outgoing.send(
      { type: 'recording.event', payload: { recording_id: recordingId, event, data } },
      'once',
    );
  }

  stopRecording(recordingId: string): Promise<AckResults['recording.stop']> {
    return this._call('recording.stop', { recording_id: recordingId }, 'once');
  }

  /**
   * Sends one of the application's client events without waiting for a reply (queued while offline
   * unless the event is ephemeral). Throws `invalid_payload` when the payload breaks the event's schema.
   */
  send<T extends keyof CustomClientPayloads<Defs> & string>(type: T, payload: CustomClientPayloads<Defs>[T]): boolean {
    const invalid = this._validate(type, payload);
    if (invalid !== undefined) throw invalid;
    const ephemeral = this._customEvents.get(type)?.ephemeral === true;
    return this._outgoing.send({ type, payload }, ephemeral ? 'live' : 'once');
  }

  /** Sends any request and resolves with its reply; `retryable` requests are sent again after a reconnect. */
  request<T extends keyof RequestPayloads<Defs> & string>(
    type: T,
    payload: RequestPayloads<Defs>[T],
    options: { retryable?: boolean } = {},
  ): Promise<RequestResult<T>> {
    return this._call(type, payload, options.retryable === true ? 'retry' : 'once');
  }

  // ── sending ───────────────────────────────────────────────────────────────

  private _call<R>(type: string, payload: unknown, delivery: Delivery): Promise<R> {
    const invalid = this._validate(type, payload);
    if (invalid !== undefined) return Promise.reject(invalid);
    return this._outgoing.request<R>({ type, payload }, delivery);
  }

  private _validate(type: string, payload: unknown): GatewayClientError | undefined {
    const event = this._customEvents.get(type);
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

  private _open(): void {
    this._schedule.cancel();
    const attempt = ++this._attemptId;
    const current = () => attempt === this._attemptId;
    this._goodbye = undefined;
    this._setState('connecting');
    if (!current()) return;
    try {
      this._connection = new Connection(
        {
          url: this._options.url,
          WebSocket: this._WebSocket,
          clock: this._clock,
          random: this._random,
          decoder: this._decoder,
          graceMs: this._options.heartbeatGraceMs ?? 5000,
          connectTimeoutMs: this._timeoutMs,
          maxFrameBytes: this._options.maxIncomingFrameBytes ?? DEFAULT_MAX_FRAME,
          lastSeq: () => this._inbox.last,
        },
        {
          frame: (frame) => current() && this._onFrame(frame),
          invalid: (error) => {
            if (!current()) return;
            const code = error.code === 'frame_too_large' ? error.code : 'invalid_frame';
            const invalid = new GatewayClientError(code, error.message, { details: { ...error } });
            if (error.ref !== undefined) this._outgoing.fail(error.ref, invalid);
            this._report(invalid);
          },
          closed: (code, reason, failure) => current() && this._onClosed(code, reason, failure),
        },
      );
    } catch (cause) {
      this._shutDown(
        new GatewayClientError(
          'transport_error',
          `Could not open a WebSocket to "${this._options.url}": check the URL, or pass options.WebSocket.`,
          { cause },
        ),
      );
    }
  }

  private _onFrame(inbound: InboundFrame): void {
    if (this._customEvents.has(inbound.type)) {
      this._dispatch(inbound);
      return;
    }
    const frame = inbound as ServerFrame;
    switch (frame.type) {
      case 'hello':
        this._setState('handshaking');
        void this._handshake();
        break;
      case 'ready':
        this._onReady(frame.payload);
        return;
      case 'resumed':
        // The missed events came before this frame; what is still held can no longer be filled.
        this._inbox.resumed();
        this._becomeReady();
        this._restorePresence();
        this._settleWaiters();
        break;
      case 'invalid_session':
        this._memory.lose('invalid_session');
        this._connection?.send(this._identifyFrame());
        break;
      case 'reconnect': {
        this._emitFrame(frame);
        this._schedule.pace(frame.payload.after_ms, frame.payload.jitter_ms);
        this._lose(GIVING_UP, 'reconnect requested by the server');
        return;
      }
      case 'goodbye':
        this._goodbye = frame.payload;
        break;
      case 'auth.expiring':
        this._emitFrame(frame);
        void this._reauth();
        return;
      case 'ack':
      case 'error':
      case 'subscribed':
      case 'unsubscribed':
        this._onReply(frame);
        return;
      default:
        this._dispatch(frame);
        return;
    }
    this._emitFrame(frame);
  }

  private async _handshake(): Promise<void> {
    const attempt = this._attemptId;
    try {
      this._handshakeToken = await this._getToken();
    } catch (cause) {
      if (attempt !== this._attemptId) return;
      return this._lose(GIVING_UP, 'no token', new GatewayClientError('token_failed', 'getToken() failed.', { cause }));
    }
    if (attempt !== this._attemptId) return;
    const resume = this._memory.resumePayload(this._inbox.last, this._handshakeToken);
    this._connection?.send(resume === undefined ? this._identifyFrame() : { type: 'resume', payload: resume });
  }

  /**
   * The server warned that the token expires soon: a fresh one from getToken goes out in `reauth`. When
   * that fails the app hears of it, and the server's close 4200 at expiry makes the client resume with a
   * fresh token (the handshake always asks getToken).
   */
  private async _reauth(): Promise<void> {
    if (this._reauthing) return;
    if (this._options.getToken === undefined) {
      if (this._cannotReauthSaid) return;
      this._cannotReauthSaid = true;
      this._report(
        new GatewayClientError('reauth_failed', 'The token expires soon: pass options.getToken to replace it.'),
      );
      return;
    }
    const connection = this._connection;
    this._reauthing = true;
    try {
      const token = await this._getToken();
      if (connection !== this._connection) return;
      if (!token) throw new Error('getToken() returned no token.');
      await this._call('reauth', { token }, 'live');
      this._handshakeToken = token;
    } catch (cause) {
      // A connection that dropped meanwhile needs no reauth: the next handshake fetches a token anyway.
      if (connection === this._connection) {
        this._report(new GatewayClientError('reauth_failed', 'The expiring token could not be replaced.', { cause }));
      }
    } finally {
      this._reauthing = false;
    }
  }

  private _identifyFrame(): Outgoing {
    const payload = this._memory.identifyPayload(this._handshakeToken);
    return { type: 'identify', payload: { ...payload, since: this._positions.sinceFor(payload.subscriptions ?? []) } };
  }

  private _onReady(payload: ReadyPayload): void {
    const lostBecause = this._memory.readied(payload);
    this._inbox.newSession();
    this._positions.entered(payload.rooms ?? [], payload.recovery);
    this._applyPresence({ type: 'ready', payload });
    this._becomeReady();
    // Rooms recovered whole carry on; the others are the app's to refetch, and those with nothing replayed
    // are subscribed again for their recent messages.
    const recovery = payload.recovery ?? [];
    const answered = (room: string, test: (answer: RoomRecovery) => boolean) =>
      recovery.some((answer) => answer.room_id === room && test(answer));
    const rooms = payload.subscriptions.filter((room) => !answered(room, (answer) => answer.recovered));
    if (lostBecause !== undefined) this._deliver('reset', { reason: lostBecause, rooms });
    // After the reset that announces the new session: how each room it named came back.
    for (const answer of recovery) this._deliver('recovery', answer);
    this._deliver('ready', payload);
    this._settleWaiters();
    if (lostBecause !== undefined) this._resubscribe(rooms.filter((room) => !answered(room, recoveryReplays)));
    // A status set while the identify was on its way.
    this._restorePresence();
  }

  /** The session came back: a status the app set while it was away is sent now. */
  private _restorePresence(): void {
    const presence = this._memory.presenceToRestore();
    if (presence === undefined || this._currentState !== 'ready') return;
    this._sendPresence(presence).catch(this._reportUnlessGone);
  }

  /**
   * After a reset the app must rebuild its state: the rooms came back through `identify`, but their
   * members and recent messages only come in a `subscribe` reply, so the rooms are asked for again
   * (the server grants rooms a session holds without asking its hook twice).
   */
  private _resubscribe(rooms: string[]): void {
    if (rooms.length === 0 || this._currentState !== 'ready') return;
    // Without `since`: these rooms start afresh from the snapshot.
    this._call('subscribe', { room_ids: rooms }, 'retry').catch(this._reportUnlessGone);
  }

  /** Rooms entered (`ready`, `subscribed`): their positions, then each room's recovery for the app. */
  private _entered(rooms: Parameters<RoomPositions['entered']>[0], recovery: SubscribedPayload['recovery']): void {
    this._positions.entered(rooms, recovery);
    for (const answer of recovery ?? []) this._deliver('recovery', answer);
  }

  /** Flushes the offline queue before announcing `ready`, so sends made from a `ready` listener come after it. */
  private _becomeReady(): void {
    this._failures = 0;
    this._outgoing.flush();
    this._schedule.connected();
    this._setState('ready');
  }

  private _settleWaiters(): void {
    const ready = this._memory.ready;
    if (ready === undefined || this._currentState !== 'ready') return;
    for (const waiter of this._readyWaiters.splice(0)) waiter.resolve(ready);
  }

  private _onReply(frame: Reply): void {
    if (frame.type === 'subscribed') {
      this._memory.roomsJoined(frame.payload.rooms.map((room) => room.room_id));
      this._entered(frame.payload.rooms, frame.payload.recovery);
      this._applyPresence(frame);
    } else if (frame.type === 'unsubscribed') {
      // A subscribe answered just before this reply may have put a room back that the app has left since.
      this._memory.roomsLeft(frame.payload.room_ids);
      this._applyPresence(frame);
    }
    if (frame.type === 'error' && this._outgoing.refusedForNow(frame)) return;
    const settled = this._outgoing.settle(frame);
    if (frame.type !== 'error') this._emitFrame(frame);
    else if (!settled) this._report(serverError(frame.payload));
  }

  /** Gives the current socket up (without ending the session) and reconnects. */
  private _lose(code: number, reason: string, failure?: GatewayClientError): void {
    this._attemptId++;
    this._connection?.close(code, reason);
    this._onClosed(code, reason, failure);
  }

  /** The connection is gone; `failure` says why when it never reached `ready` (it is reported unless fatal). */
  private _onClosed(code: number, reason: string, failure?: GatewayClientError): void {
    const failed = this._currentState !== 'ready';
    this._connection = undefined;
    this._outgoing.disconnected();
    this._schedule.disconnected();
    this.typing.clear();
    this._inbox.connectionLost();
    const next = afterClose(code, this._goodbye?.code, this._options.getToken !== undefined);
    const { closeCode } = next;
    if (next.action === 'stop') {
      const why = reason || this._goodbye?.reason || 'no reason given';
      const message = `The server closed the connection for good (${closeCode}: ${why}).`;
      this._shutDown(new GatewayClientError('fatal_close', message, { closeCode }));
      return;
    }
    if (next.reidentify) this._memory.lose(`closed with ${closeCode}`);
    if (failure !== undefined) {
      this._report(failure);
      if (this._currentState === 'closed') return;
    }
    const { reconnect } = this._options;
    if (reconnect === false) {
      this._shutDown(new GatewayClientError('disconnected', 'The connection closed; reconnect is off.', { closeCode }));
      return;
    }
    if (failed && ++this._failures >= (reconnect?.maxAttempts ?? Infinity)) {
      const attempts = this._failures;
      const message = `Gave up after ${attempts} failed connection attempts in a row; the last: ${failure?.message ?? reason}`;
      this._shutDown(new GatewayClientError('gave_up', message, { cause: failure, details: { attempts } }));
      return;
    }
    const scheduled = this._schedule.next();
    this._setState('reconnecting');
    if (this._currentState !== 'reconnecting') return;
    this._deliver('reconnecting', scheduled);
    if (this._currentState === 'reconnecting') this._schedule.start(scheduled.delay_ms);
  }

  /** Ends everything: clean close 1000 when asked by the app, or after a fatal close (`error` is then reported). */
  private _shutDown(error?: GatewayClientError): void {
    this._attemptId++;
    this._connection?.close(1000, 'client closed');
    this._connection = undefined;
    this._schedule.stop();
    this._stopWatching?.();
    this._stopWatching = undefined;
    this.typing.clear();
    this._typingSentAt.clear();
    this._memory.forget();
    this._inbox.newSession();
    const closed = new GatewayClientError('closed', error?.message ?? 'The client is closed.', {
      cause: error,
      closeCode: error?.closeCode,
    });
    this._outgoing.close(closed);
    for (const waiter of this._readyWaiters.splice(0)) waiter.reject(closed);
    this._setState('closed');
    if (error !== undefined) this._report(error);
  }

  private _onLifecycle(event: LifecycleEvent): void {
    // The page or app is going away for good: a clean close ends the session (and its presence) now,
    // instead of leaving it to linger for the resume window.
    if (event === 'terminate') {
      this.close();
      return;
    }
    if (event === 'offline' || event === 'background') return;
    // Back online or in front: a scheduled reconnect goes now, a live connection proves itself on the clock.
    if (this._currentState === 'reconnecting') this._open();
    else this._connection?.checkAlive();
  }

  // ── receiving ─────────────────────────────────────────────────────────────

  private _dispatch(frame: InboundFrame): void {
    if (frame.seq === undefined) this._handleDispatch(frame);
    else this._inbox.accept(frame, frame.seq);
  }

  /** Asks for the missing events; a refusal or a timeout (not a dropped connection: resume covers that) is a reset. */
  private _onGap(gap: Gap): void {
    this._deliver('gap', gap);
    // While a resume is under way the server is replaying already; whatever stays missing shows at `resumed`.
    if (this._currentState !== 'ready') return;
    this._call('replay', { since: gap.since }, 'live').then(
      () => this._inbox.replayAnswered(),
      (error: GatewayClientError) => {
        if (error.code !== 'disconnected' && error.code !== 'closed') this._inbox.replayFailed(error.code);
      },
    );
  }

  private _handleDispatch(inbound: InboundFrame): void {
    const frame = inbound as ServerFrame;
    // A room dispatch seen already: a recovery's replay meeting what came live.
    if (frame.pos !== undefined && !this._positions.take(frame.pos)) return;
    switch (frame.type) {
      case 'presence.diff':
        this._applyPresence(frame);
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
    if (this._decoder.knows(inbound.type)) this._emitFrame(inbound);
  }

  private _applyPresence(frame: PresenceFrame): void {
    const next = reducePresence(this._presenceState, frame);
    if (next === this._presenceState) return;
    this._presenceState = next;
    this._deliver('presence', describeChange(frame));
  }

  // ── events ────────────────────────────────────────────────────────────────

  private _setState(to: ClientState): void {
    const from = this._currentState;
    if (from === to) return;
    this._currentState = to;
    this._deliver('state', { from, to });
  }

  private _report(error: GatewayClientError): void {
    this._deliver('error', error);
  }

  /** Reports a failed background request, unless it failed only because the connection or the client went away. */
  private readonly _reportUnlessGone = (error: GatewayClientError): void => {
    if (error.code !== 'disconnected' && error.code !== 'closed') this._report(error);
  };

  private _emitFrame(frame: InboundFrame): void {
    this._deliver(frame.type as keyof MetaEvents, frame.payload as never);
  }

  /**
   * Emits to the application's listeners. They run synchronously, so a throwing listener would otherwise
   * unwind into the socket handler; it is reported as `listener_failed` instead.
   */
  private _deliver<K extends keyof MetaEvents>(event: K, value: MetaEvents[K]): void {
    try {
      (super.emit as (event: string, value: unknown) => boolean)(event, value);
    } catch (cause) {
      if (event !== 'error') {
        this._report(new GatewayClientError('listener_failed', `A "${String(event)}" listener threw.`, { cause }));
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
