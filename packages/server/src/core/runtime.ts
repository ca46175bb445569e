import {
  CLOSE_CODES,
  type CloseCodeName,
  type ErrorCode,
  isDispatchType,
  limitCloseReason,
  prepareDispatch,
} from '@gateway/protocol';
import { ALL_CHANNEL, type Channel, roomChannel, userChannel } from '../backplane/types';
import { DedupWindow } from './dedup';
import { type Exclusions, Fanout } from './fanout';
import { HeartbeatSweep } from './heartbeat';
import { RoomHistory } from './history';
import { sortableId } from './ids';
import type { ResolvedOptions } from './options';
import { type PresenceChange, PresenceTable } from './presence';
import { RecordingStore } from './recordings';
import { RoomRegistry } from './rooms';
import type { Session } from './session';
import { StreamStore } from './streams';
import { TypingTracker } from './typing';

/** The ack a chat send earned, kept for the dedup window so a retry gets the same one. */
export interface ChatSendAck {
  status: 'accepted';
  message_id: string;
  client_msg_id: string;
  room_id: string;
}

/**
 * The gateway's shared state and the operations every frame handler builds on: replies, closes,
 * room membership with its presence events, and fan-out by room, user or everyone.
 */
export class Runtime {
  readonly sessions = new Map<string, Session>();
  readonly users = new Map<string, Set<Session>>();
  readonly rooms = new RoomRegistry();
  readonly presence: PresenceTable;
  readonly history: RoomHistory;
  readonly dedup: DedupWindow<ChatSendAck>;
  readonly typing: TypingTracker;
  readonly streams: StreamStore;
  readonly recordings = new RecordingStore();
  readonly fanout: Fanout;
  readonly heartbeat: HeartbeatSweep;
  readonly counters = { framesIn: 0, framesOut: 0 };
  readonly startedAt: number;
  private readonly ephemeralCustomTypes: ReadonlySet<string>;

  constructor(readonly options: ResolvedOptions) {
    const { clock } = options;
    this.startedAt = clock.now();
    this.presence = new PresenceTable(() => this.timestamp());
    this.history = new RoomHistory(options.historySize);
    this.dedup = new DedupWindow(options.dedupWindowMs, () => clock.now());
    this.typing = new TypingTracker(clock, options.typingTtlMs, options.typingThrottleMs, (roomId, userId) =>
      this.sendTypingStop(roomId, userId),
    );
    this.streams = new StreamStore(options.maxStreams);
    this.fanout = new Fanout(options.backplane, (channel) => this.recipients(channel));
    this.fanout.watch(ALL_CHANNEL);
    this.heartbeat = new HeartbeatSweep(
      clock,
      options.heartbeatIntervalMs,
      options.heartbeatGraceMs,
      () => this.sessions.values(),
      {
        ping: (session) => session.send('heartbeat', {}),
        expire: (session) => this.close(session, 'heartbeat_timeout', 'No heartbeat heard in time.', true),
      },
    );
    this.ephemeralCustomTypes = new Set(options.events.filter((event) => event.ephemeral).map((event) => event.name));
  }

  timestamp(): string {
    return new Date(this.options.clock.now()).toISOString();
  }

  newId(): string {
    return sortableId(this.options.clock.now(), this.options.random);
  }

  /** True for types that carry a seq: built-in dispatches and non-ephemeral custom events. */
  isSequenced(type: string): boolean {
    return isDispatchType(type) && !this.ephemeralCustomTypes.has(type);
  }

  ack(session: Session, payload: object, ref?: string): void {
    session.send('ack', payload, ref);
  }

  fail(session: Session, code: ErrorCode, message: string, ref?: string, details?: Record<string, unknown>): void {
    session.send('error', details === undefined ? { code, message } : { code, message, details }, ref);
  }

  /**
   * Answers a frame that broke the protocol with an error, and closes the connection (4400) once
   * it has sent too many of them.
   */
  reject(session: Session, code: ErrorCode, message: string, ref?: string): void {
    this.fail(session, code, message, ref);
    if (session.badInput.record(this.options.clock.now())) {
      this.close(session, 'protocol_violation', 'Too many invalid frames.', false);
    }
  }

  /** Sends goodbye, closes the socket and forgets the session. */
  close(session: Session, name: CloseCodeName, reason: string, resumable: boolean): void {
    this.closeWithCode(session, CLOSE_CODES[name].code, reason, resumable);
  }

  closeWithCode(session: Session, code: number, reason: string, resumable: boolean): void {
    if (session.state === 'closed') return;
    session.send('goodbye', { code, reason, resumable });
    session.closeSocket(code, limitCloseReason(reason));
    this.forget(session);
  }

  /** Removes every trace of a closed connection; safe to call twice. */
  forget(session: Session): void {
    session.state = 'closed';
    if (session.identifyTimer !== undefined) this.options.clock.clearTimeout(session.identifyTimer);
    session.identifyTimer = undefined;
    if (!this.sessions.delete(session.id)) return;
    const user = session.user;
    if (user !== undefined) {
      for (const roomId of [...session.rooms]) this.leaveRoom(session, roomId);
      const devices = this.users.get(user.id);
      devices?.delete(session);
      if (devices?.size === 0) {
        this.users.delete(user.id);
        this.fanout.unwatch(userChannel(user.id));
      }
      this.publishPresence(this.presence.disconnect(session.id, user.id), user.id);
    }
    if (this.sessions.size === 0) this.heartbeat.stop();
  }

  /** Makes an identified session reachable by user and announces its presence. */
  register(session: Session, status: Parameters<PresenceTable['update']>[2], data?: Record<string, unknown>): void {
    const user = session.user;
    if (user === undefined) return;
    let devices = this.users.get(user.id);
    if (devices === undefined) {
      devices = new Set();
      this.users.set(user.id, devices);
      this.fanout.watch(userChannel(user.id));
    }
    devices.add(session);
    const device = { device_id: session.deviceId, device_type: session.deviceType, status };
    this.publishPresence(this.presence.connect(session.id, user, device, data), user.id);
  }

  joinRoom(session: Session, roomId: string): void {
    const user = session.user;
    if (user === undefined || session.rooms.has(roomId)) return;
    session.rooms.add(roomId);
    const { firstOfUser, firstLocal } = this.rooms.join(roomId, session, user.id);
    if (firstLocal) this.fanout.watch(roomChannel(roomId));
    const entry = this.presence.entry(user.id);
    if (firstOfUser && entry !== undefined) {
      this.toRoom(roomId, 'presence.join', { room_id: roomId, presence: entry }, { users: [user.id] });
    }
  }

  leaveRoom(session: Session, roomId: string): void {
    const user = session.user;
    if (user === undefined || !session.rooms.delete(roomId)) return;
    const { lastOfUser, lastLocal } = this.rooms.leave(roomId, session, user.id);
    if (lastOfUser) {
      if (this.typing.stop(roomId, user.id)) this.sendTypingStop(roomId, user.id);
      this.toRoom(roomId, 'presence.leave', { room_id: roomId, user_id: user.id }, { users: [user.id] });
    }
    if (lastLocal) this.fanout.unwatch(roomChannel(roomId));
  }

  /** Tells others how a user's presence changed: everyone in global scope, else the rooms the user is in. */
  publishPresence(change: PresenceChange, userId: string): void {
    if (change.kind === 'none') return;
    const exclude = { users: [userId] };
    if (this.options.globalPresence) {
      if (change.kind === 'leave') this.toAll('presence.leave', { user_id: userId }, exclude);
      else
        this.toAll(change.kind === 'join' ? 'presence.join' : 'presence.update', { presence: change.entry }, exclude);
      return;
    }
    if (change.kind !== 'update') return;
    const rooms = new Set<string>();
    for (const session of this.users.get(userId) ?? []) for (const roomId of session.rooms) rooms.add(roomId);
    for (const roomId of rooms)
      this.toRoom(roomId, 'presence.update', { room_id: roomId, presence: change.entry }, exclude);
  }

  sendTypingStop(roomId: string, userId: string): void {
    this.toRoom(roomId, 'typing.stop', { room_id: roomId, user_id: userId }, { users: [userId] });
  }

  toRoom(roomId: string, type: string, payload: unknown, exclude?: Exclusions): void {
    this.fanout.publish(roomChannel(roomId), type, payload, this.isSequenced(type), exclude);
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

  private recipients(channel: Channel): Session[] {
    if (channel === ALL_CHANNEL) return [...this.sessions.values()];
    if (channel.startsWith('room:')) return this.rooms.sessions(channel.slice(5));
    return [...(this.users.get(channel.slice(5)) ?? [])];
  }
}
