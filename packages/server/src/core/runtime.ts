import { type ChatMessage, type ErrorCode, isDispatchType, prepareDispatch } from '@gateway/protocol';
import { PresenceCluster } from '../presence/cluster';
import { ResumeAnywhere } from '../sessions/anywhere';
import { AuthExpirySweep } from './auth-expiry';
import type { ClientConnection } from './client-connection';
import { type Exclusions, Fanout } from './fanout';
import { publishMessage } from './handlers/chat';
import { HeartbeatSweep } from './heartbeat';
import { IdentifyDeadlines } from './identify-deadlines';
import { sortableId } from './ids';
import { Lifecycle } from './lifecycle';
import type { ResolvedOptions } from './options';
import { ALL_CHANNEL, type BackplaneMessage, type Channel, roomChannel, userChannel } from './ports/backplane';
import type { DedupStore, HistoryStore } from './ports/shared-state';
import type { UnpublishedStore } from './ports/unpublished-store';
import { type PresenceChange, PresenceTable } from './presence';
import { RecordingStore } from './recordings';
import { RoomRegistry } from './rooms';
import type { Session } from './session';
import { StreamStore } from './streams';
import { TypingTracker } from './typing';

/** WebSocket's own "message too big" code (RFC 6455). */
const MESSAGE_TOO_BIG = 1009;

/** The ack a chat send earned, kept for the dedup window so a retry gets the same one. */
export interface ChatSendAck {
  status: 'accepted';
  message_id: string;
  client_msg_id: string;
  room_id: string;
}

/**
 * What a chat send's dedup claim keeps: the ack for retries, and the message itself, so a retry can still
 * publish it when the instance that accepted it died before publishing (the publish is once-only).
 */
export interface AcceptedSend {
  ack: ChatSendAck;
  message: ChatMessage;
}

/** Anything a reply can go to: a connection, or a session (whichever connection it has now). */
export interface Replier {
  send(type: string, payload: unknown, ref?: string): void;
}

/** Counters behind `gateway.stats()`. */
export interface RuntimeCounters {
  framesIn: number;
  framesOut: number;
  resumesOk: number;
  resumesRefused: number;
  replayedEvents: number;
}

/**
 * The gateway's shared state and the operations every frame handler builds on: replies, closes,
 * room membership with its presence events, and fan-out by room, user or everyone.
 */
export class Runtime {
  /** Open sockets, identified or not. */
  readonly connections = new Set<ClientConnection>();
  /** Live sessions, attached or detached (waiting for a resume). */
  readonly sessions = new Map<string, Session>();
  /**
   * Each user's sessions. Arrays replaced on every change, never changed in place (a user has a handful of
   * sessions): a one-session array costs ~50 bytes where a Set costs ~150, per connected user.
   */
  readonly users = new Map<string, readonly Session[]>();
  readonly rooms = new RoomRegistry();
  /** This instance's own sessions' presence; `cluster` replicates every instance's and announces changes. */
  readonly presence: PresenceTable;
  readonly cluster: PresenceCluster;
  /** Resume on any instance; only with a session store (Redis), absent in one process. */
  readonly resumeAnywhere: ResumeAnywhere | undefined;
  /** In process, or shared by every instance (Redis) when options.sharedState says so. */
  readonly history: HistoryStore;
  readonly dedup: DedupStore<AcceptedSend>;
  /** Accepted messages not yet published, for another instance to finish if this one dies (Redis only). */
  readonly unpublished: UnpublishedStore | undefined;
  readonly typing: TypingTracker;
  readonly streams: StreamStore;
  readonly recordings = new RecordingStore();
  readonly fanout: Fanout;
  readonly heartbeat: HeartbeatSweep;
  readonly identifyDeadlines: IdentifyDeadlines;
  readonly lifecycle: Lifecycle;
  readonly authExpiry: AuthExpirySweep;
  /** Set once `stop()` begins: new work is refused with `shutting_down`. */
  stopping = false;
  /** Accepted messages still being persisted; `stop()` waits for them so none is lost. */
  readonly inFlight = new Set<Promise<unknown>>();
  readonly counters: RuntimeCounters = {
    framesIn: 0,
    framesOut: 0,
    resumesOk: 0,
    resumesRefused: 0,
    replayedEvents: 0,
  };
  readonly startedAt: number;
  private readonly ephemeralCustomTypes: ReadonlySet<string>;
  /**
   * The last timestamp made, and its clock ms: everything stamped within one ms (an identify stamps the
   * presence table, the snapshot device and the delta) shares one string instead of a copy each.
   */
  private stamp = '';
  private stampedAt = Number.NaN;

  constructor(readonly options: ResolvedOptions) {
    const { clock } = options;
    this.startedAt = clock.now();
    this.presence = new PresenceTable(() => this.timestamp());
    this.history = options.sharedState.history({ size: options.historySize });
    this.dedup = options.sharedState.dedup({ windowMs: options.dedupWindowMs, now: () => clock.now() });
    this.unpublished = options.sharedState.unpublished?.();
    this.typing = new TypingTracker(clock, options.typingTtlMs, options.typingThrottleMs, (roomId, userId) =>
      this.sendTypingStop(roomId, userId),
    );
    this.streams = new StreamStore(options.maxStreams);
    this.fanout = new Fanout(options.backplane, (channel) => this.recipients(channel), options.serverId);
    this.fanout.watch(ALL_CHANNEL);
    this.heartbeat = new HeartbeatSweep(
      clock,
      options.heartbeatIntervalMs,
      options.heartbeatGraceMs,
      () => this.connections.values(),
      {
        ping: (connection) => connection.send('heartbeat', {}),
        // Resumable: the session waits for the client to come back (a phone waking up, a network switch).
        expire: (connection) => this.lifecycle.close(connection, 'heartbeat_timeout', 'No heartbeat heard in time.'),
      },
    );
    this.lifecycle = new Lifecycle(this);
    this.identifyDeadlines = new IdentifyDeadlines(clock, options.identifyTimeoutMs, (connection) => {
      if (connection.state === 'pre_identify' || connection.state === 'identifying') {
        this.lifecycle.close(connection, 'identify_timeout', 'No identify arrived in time.');
      }
    });
    this.authExpiry = new AuthExpirySweep(clock, options.authExpiringNoticeMs, {
      warn: (connection, expiresAt) =>
        connection.send('auth.expiring', {
          expires_at: new Date(expiresAt).toISOString(),
          expires_in_ms: Math.max(0, expiresAt - clock.now()),
        }),
      // refresh_token verdict: the session is kept, the client resumes with a fresh token.
      expire: (connection) =>
        this.lifecycle.close(connection, 'token_expired', 'The token has expired; resume with a fresh one.'),
    });
    this.ephemeralCustomTypes = new Set(options.events.filter((event) => event.ephemeral).map((event) => event.name));
    this.cluster = new PresenceCluster(this);
    const { sessionStore } = options;
    this.resumeAnywhere =
      sessionStore === undefined || options.resumeWindowMs <= 0 ? undefined : new ResumeAnywhere(this, sessionStore);
  }

  timestamp(): string {
    const now = this.options.clock.now();
    if (now !== this.stampedAt) {
      this.stampedAt = now;
      this.stamp = new Date(now).toISOString();
    }
    return this.stamp;
  }

  newId(): string {
    return sortableId(this.options.clock.now(), this.options.random);
  }

  /** True for types that carry a seq: built-in dispatches and non-ephemeral custom events. */
  isSequenced(type: string): boolean {
    return isDispatchType(type) && !this.ephemeralCustomTypes.has(type);
  }

  ack(to: Replier, payload: object, ref?: string): void {
    to.send('ack', payload, ref);
  }

  fail(to: Replier, code: ErrorCode, message: string, ref?: string, details?: Record<string, unknown>): void {
    to.send('error', details === undefined ? { code, message } : { code, message, details }, ref);
  }

  /**
   * Answers a frame that broke the protocol with an error, and closes the connection (4400) once
   * it has sent too many of them; 1009 (message too big) when the one reaching the limit was oversize.
   */
  reject(connection: ClientConnection, code: ErrorCode, message: string, ref?: string): void {
    this.fail(connection, code, message, ref);
    if (!connection.badInput.record(this.options.clock.now())) return;
    if (code === 'frame_too_large') {
      this.lifecycle.closeWithCode(connection, MESSAGE_TOO_BIG, 'Too many oversize frames.', false);
    } else {
      this.lifecycle.close(connection, 'protocol_violation', 'Too many invalid frames.');
    }
  }

  /** Keeps a persist in flight visible to `stop()` until it settles. */
  trackInFlight<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const settled = () => this.inFlight.delete(work);
    work.then(settled, settled);
    return work;
  }

  /** Undoes `register` and every room join of an ending session, telling others what changed. */
  unregister(session: Session): void {
    const user = session.user;
    for (const roomId of [...session.rooms]) this.leaveRoom(session, roomId);
    this.removeFromUser(session);
    this.presence.disconnect(session.id, user.id);
    // Announced when the delta comes back (at once in memory), by this instance only.
    this.cluster.down(session);
  }

  /**
   * Drops a session another instance has taken over from this instance's tables, publishing nothing: for
   * everyone else it is still there, on the other instance.
   */
  forget(session: Session): void {
    const userId = session.user.id;
    for (const roomId of [...session.rooms]) {
      session.deleteRoom(roomId);
      const { lastOfUser, lastLocal } = this.rooms.leave(roomId, session, userId);
      if (lastOfUser) this.typing.stop(roomId, userId);
      if (lastLocal) this.fanout.unwatch(roomChannel(roomId));
    }
    this.removeFromUser(session);
    this.presence.disconnect(session.id, userId);
    this.cluster.forget(session);
  }

  private removeFromUser(session: Session): void {
    const userId = session.user.id;
    const sessions = this.users.get(userId);
    if (sessions === undefined || !sessions.includes(session)) return;
    const rest = sessions.filter((other) => other !== session);
    if (rest.length > 0) {
      this.users.set(userId, rest);
      return;
    }
    this.users.delete(userId);
    this.fanout.unwatch(userChannel(userId));
  }

  /** Makes an identified session reachable by user and announces its presence. */
  register(session: Session, status: Parameters<PresenceTable['update']>[2], data?: Record<string, unknown>): void {
    const user = session.user;
    const sessions = this.users.get(user.id);
    // `concat` makes an array of exactly the right size; `push` would reserve 16 spare slots.
    if (sessions === undefined) {
      this.users.set(user.id, [session]);
      this.fanout.watch(userChannel(user.id));
    } else if (!sessions.includes(session)) this.users.set(user.id, sessions.concat(session));
    const device = { device_id: session.deviceId, device_type: session.deviceType, status };
    this.presence.connect(session.id, user, device, data);
    this.cluster.up(session, device, data);
  }

  joinRoom(session: Session, roomId: string): void {
    const user = session.user;
    if (!session.addRoom(roomId)) return;
    const { firstLocal } = this.rooms.join(roomId, session, user.id);
    if (firstLocal) this.fanout.watch(roomChannel(roomId));
    // presence.join goes to the room when the replicated table says this is the user's first session there.
    this.cluster.join(session, roomId);
    this.resumeAnywhere?.joined(session);
  }

  leaveRoom(session: Session, roomId: string): void {
    const user = session.user;
    if (!session.deleteRoom(roomId)) return;
    const { lastOfUser, lastLocal } = this.rooms.leave(roomId, session, user.id);
    if (lastOfUser && this.typing.stop(roomId, user.id)) this.sendTypingStop(roomId, user.id);
    // presence.leave goes to the room when the table says it was the user's last session there.
    this.cluster.leave(session, roomId);
    this.resumeAnywhere?.left(session, roomId);
    if (lastLocal) this.fanout.unwatch(roomChannel(roomId));
  }

  /**
   * Publishes the messages that instances found gone (`gone` decides which) had accepted and acked but not
   * published yet. Each batch is taken atomically, so one instance publishes it; publishing is once-only, so
   * a message its instance did publish just before dying is not delivered twice.
   */
  async rescueUnpublished(gone: (nodes: string[]) => Promise<string[]>): Promise<void> {
    const store = this.unpublished;
    if (store === undefined) return;
    const candidates = (await store.nodes()).filter((node) => node !== this.options.serverId);
    if (candidates.length === 0) return;
    for (const node of await gone(candidates)) {
      const messages = await store.take(node);
      if (messages.length === 0) continue;
      this.options.logger.warn(
        { node, messages: messages.length },
        'publishing the messages a gone instance accepted but had not published',
      );
      // One after another, in the order they were accepted.
      for (const message of messages) {
        try {
          await publishMessage(this, message);
        } catch (error) {
          this.options.logger.error(
            { err: error, message_id: message.message_id },
            'could not publish a rescued message',
          );
        }
      }
    }
  }

  /**
   * Tells others how a user's presence changed: everyone in global scope, else the rooms the user is in.
   * `here`: this instance's own sessions only.
   */
  publishPresence(change: PresenceChange, userId: string, here = false): void {
    if (change.kind === 'none') return;
    const exclude = { users: [userId] };
    const send = (channel: Channel, type: string, payload: unknown) => this.emit(channel, type, payload, exclude, here);
    if (this.options.globalPresence) {
      if (change.kind === 'leave') send(ALL_CHANNEL, 'presence.leave', { user_id: userId });
      else send(ALL_CHANNEL, change.kind === 'join' ? 'presence.join' : 'presence.update', { presence: change.entry });
      return;
    }
    if (change.kind !== 'update') return;
    for (const roomId of this.cluster.userRooms(userId))
      send(roomChannel(roomId), 'presence.update', { room_id: roomId, presence: change.entry });
  }

  sendTypingStop(roomId: string, userId: string): void {
    this.toRoom(roomId, 'typing.stop', { room_id: roomId, user_id: userId }, { users: [userId] });
  }

  /** `here`: to this instance's sessions in the room only, not through the backplane. */
  toRoom(
    roomId: string,
    type: string,
    payload: unknown,
    exclude?: Exclusions,
    once?: BackplaneMessage['once'],
    here = false,
  ): void {
    if (here) this.emit(roomChannel(roomId), type, payload, exclude, true);
    else this.fanout.publish(roomChannel(roomId), type, payload, this.isSequenced(type), exclude, once);
  }

  private emit(channel: Channel, type: string, payload: unknown, exclude: Exclusions | undefined, here: boolean): void {
    if (here) this.fanout.deliverHere(channel, type, payload, this.isSequenced(type), exclude);
    else this.fanout.publish(channel, type, payload, this.isSequenced(type), exclude);
  }

  toUser(userId: string, type: string, payload: unknown, exclude?: Exclusions): void {
    this.fanout.publish(userChannel(userId), type, payload, this.isSequenced(type), exclude);
  }

  toAll(type: string, payload: unknown, exclude?: Exclusions): void {
    this.fanout.publish(ALL_CHANNEL, type, payload, this.isSequenced(type), exclude);
  }

  /** One frame to one local session, sequenced or not by its type. */
  toSession(session: Session, type: string, payload: unknown): void {
    if (this.isSequenced(type)) session.dispatch(prepareDispatch(type, payload));
    else session.send(type, payload);
  }

  private recipients(channel: Channel): readonly Session[] {
    // Copies: delivery may end sessions while it walks the list.
    if (channel === ALL_CHANNEL) return [...this.sessions.values()];
    if (channel.startsWith('room:')) return this.rooms.sessions(channel.slice(5));
    return [...(this.users.get(channel.slice(5)) ?? [])];
  }
}
