import { type ClientPayloads, PROTOCOL_VERSION, type ServerPayloads } from '@gateway/protocol';
import type { ClientOptions, PresenceOptions } from './options';

type ReadyPayload = ServerPayloads['ready'];

/** Optional fields may be left undefined: JSON drops them on the wire. */
export type Loose<T> = { [K in keyof T]: T[K] | undefined };

type MemoryOptions = Pick<ClientOptions, 'userId' | 'displayName' | 'deviceType' | 'deviceId' | 'rooms' | 'presence'>;

/**
 * What the client keeps across connections so a drop costs the application nothing: the session to
 * resume, and what to rebuild when it cannot be resumed (the device, the rooms, the presence status).
 */
export class SessionMemory {
  private _sessionId: string | undefined;
  private _ready: ReadyPayload | undefined;
  private _deviceId: string | undefined;
  private _rooms: Set<string>;
  private _presence: PresenceOptions | undefined;
  /** The presence the server has for this device (sent in `identify` or acknowledged as set). */
  private _presenceSent: PresenceOptions | undefined;
  /** Why the session was lost, while a new one is being made; the next `ready` is then a reset. */
  private _lostBecause: string | undefined;

  private readonly _options: MemoryOptions;

  constructor(options: MemoryOptions) {
    this._options = options;
    this._deviceId = options.deviceId;
    this._rooms = new Set(options.rooms);
    this._presence = options.presence;
  }

  get sessionId(): string | undefined {
    return this._sessionId;
  }

  get ready(): ReadyPayload | undefined {
    return this._ready;
  }

  get rooms(): string[] {
    return [...this._rooms];
  }

  /** The `resume` to send, or undefined when there is no session to resume. */
  resumePayload(seq: number, token: string | undefined): Loose<ClientPayloads['resume']> | undefined {
    if (this._sessionId === undefined) return undefined;
    return { session_id: this._sessionId, seq, token };
  }

  /** A fresh `identify` that brings the rooms and the presence status back. */
  identifyPayload(token: string | undefined): Loose<ClientPayloads['identify']> {
    this._presenceSent = this._presence;
    const options = this._options;
    return {
      token,
      user_id: options.userId,
      display_name: options.displayName,
      device_type: options.deviceType,
      device_id: this._deviceId,
      protocol_version: PROTOCOL_VERSION,
      subscriptions: this._rooms.size > 0 ? [...this._rooms] : undefined,
      presence: this._presence,
    };
  }

  /** A new session is ready. Returns why the old one was lost (the app must be told: reset), if there was one. */
  readied(payload: ReadyPayload): string | undefined {
    this._sessionId = payload.session_id;
    this._deviceId = payload.device_id;
    this._ready = payload;
    this._rooms = new Set(payload.subscriptions);
    const lost = this._lostBecause;
    this._lostBecause = undefined;
    return lost;
  }

  /** The session cannot be resumed; the next handshake identifies afresh. */
  lose(reason: string): void {
    if (this._sessionId !== undefined) this._lostBecause = reason;
    this._sessionId = undefined;
  }

  /** The client closed: nothing is resumed and nothing reported about the session it had. */
  forget(): void {
    this._sessionId = undefined;
    this._lostBecause = undefined;
  }

  roomsJoined(roomIds: Iterable<string>): void {
    for (const id of roomIds) this._rooms.add(id);
  }

  roomsLeft(roomIds: Iterable<string>): void {
    for (const id of roomIds) this._rooms.delete(id);
  }

  /** The app set a status; it is sent now when connected, else restored by `identify` or after `resume`. */
  setPresence(presence: PresenceOptions): void {
    this._presence = presence;
  }

  presenceSent(presence: PresenceOptions): void {
    this._presenceSent = presence;
  }

  /** The status to send after a resume: the one set since the server last heard of it, if any. */
  presenceToRestore(): PresenceOptions | undefined {
    return this._presence === this._presenceSent ? undefined : this._presence;
  }
}
