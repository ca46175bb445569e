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
  #sessionId: string | undefined;
  #ready: ReadyPayload | undefined;
  #deviceId: string | undefined;
  #rooms: Set<string>;
  #presence: PresenceOptions | undefined;
  /** The presence the server has for this device (sent in `identify` or acknowledged as set). */
  #presenceSent: PresenceOptions | undefined;
  /** Why the session was lost, while a new one is being made; the next `ready` is then a reset. */
  #lostBecause: string | undefined;

  readonly #options: MemoryOptions;

  constructor(options: MemoryOptions) {
    this.#options = options;
    this.#deviceId = options.deviceId;
    this.#rooms = new Set(options.rooms);
    this.#presence = options.presence;
  }

  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  get ready(): ReadyPayload | undefined {
    return this.#ready;
  }

  get rooms(): string[] {
    return [...this.#rooms];
  }

  /** The `resume` to send, or undefined when there is no session to resume. */
  resumePayload(seq: number, token: string | undefined): Loose<ClientPayloads['resume']> | undefined {
    if (this.#sessionId === undefined) return undefined;
    return { session_id: this.#sessionId, seq, token };
  }

  /** A fresh `identify` that brings the rooms and the presence status back. */
  identifyPayload(token: string | undefined): Loose<ClientPayloads['identify']> {
    this.#presenceSent = this.#presence;
    const options = this.#options;
    return {
      token,
      user_id: options.userId,
      display_name: options.displayName,
      device_type: options.deviceType,
      device_id: this.#deviceId,
      protocol_version: PROTOCOL_VERSION,
      subscriptions: this.#rooms.size > 0 ? [...this.#rooms] : undefined,
      presence: this.#presence,
    };
  }

  /** A new session is ready. Returns why the old one was lost (the app must be told: reset), if there was one. */
  readied(payload: ReadyPayload): string | undefined {
    this.#sessionId = payload.session_id;
    this.#deviceId = payload.device_id;
    this.#ready = payload;
    this.#rooms = new Set(payload.subscriptions);
    const lost = this.#lostBecause;
    this.#lostBecause = undefined;
    return lost;
  }

  /** The session cannot be resumed; the next handshake identifies afresh. */
  lose(reason: string): void {
    if (this.#sessionId !== undefined) this.#lostBecause = reason;
    this.#sessionId = undefined;
  }

  /** The client closed: nothing is resumed and nothing reported about the session it had. */
  forget(): void {
    this.#sessionId = undefined;
    this.#lostBecause = undefined;
  }

  roomsJoined(roomIds: Iterable<string>): void {
    for (const id of roomIds) this.#rooms.add(id);
  }

  roomsLeft(roomIds: Iterable<string>): void {
    for (const id of roomIds) this.#rooms.delete(id);
  }

  /** The app set a status; it is sent now when connected, else restored by `identify` or after `resume`. */
  setPresence(presence: PresenceOptions): void {
    this.#presence = presence;
  }

  presenceSent(presence: PresenceOptions): void {
    this.#presenceSent = presence;
  }

  /** The status to send after a resume: the one set since the server last heard of it, if any. */
  presenceToRestore(): PresenceOptions | undefined {
    return this.#presence === this.#presenceSent ? undefined : this.#presence;
  }
}
