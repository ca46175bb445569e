import type { DeviceType, PreparedDispatch, User } from '@gateway/protocol';
import type { ClientConnection } from './client-connection';
import type { ResolvedOptions } from './options';
import type { TimerHandle } from './ports/clock';
import { ReplayBuffer } from './replay-buffer';
import { SharedBody } from './shared-body';

/** The rooms of a session that has joined none: shared, since most idle sessions never join one. */
const NO_ROOMS: ReadonlySet<string> = new Set();

/**
 * What a client resumes: identity, rooms, the per-session seq and the replay buffer. It outlives its
 * connection for the resume window; while detached it keeps receiving dispatches into the buffer.
 */
export class Session {
  /** Made at the first join (a Set costs ~170 bytes, per idle session too); `rooms` reads it. */
  private joined: Set<string> | undefined;
  /** Made at the first dispatch or read (~120 bytes): an idle session may never be sent anything. */
  private buffer: ReplayBuffer | undefined;
  /** The socket it is attached to; undefined while detached (waiting for a resume). */
  connection: ClientConnection | undefined;
  /** Ends the session when the resume window runs out while detached. */
  expiryTimer: TimerHandle | undefined;
  /** Set once; an ended session is out of every map and can no longer be resumed. */
  ended = false;
  /**
   * Resume anywhere sees each dispatch first (whether the events stream has it); false holds it back (a
   * session being rebuilt from the stream takes only what comes after its marker). Absent in one process.
   */
  gate: ((dispatch: PreparedDispatch & { readonly position?: string }) => boolean) | undefined;
  private seq = 0;

  constructor(
    readonly id: string,
    readonly user: User,
    readonly deviceId: string,
    readonly deviceType: DeviceType,
    private readonly options: ResolvedOptions,
  ) {}

  /** The recent dispatches kept for resume and `replay {since}`. */
  get replay(): ReplayBuffer {
    this.buffer ??= new ReplayBuffer(this.options.replayBufferEvents, this.options.replayBufferBytes);
    return this.buffer;
  }

  /** Drops what the client confirmed it has; a session never sent anything has no buffer to make for it. */
  trimReplay(seq: number): void {
    this.buffer?.trimThrough(seq);
  }

  /** The rooms this session is in; change them through `addRoom` and `deleteRoom`. */
  get rooms(): ReadonlySet<string> {
    return this.joined ?? NO_ROOMS;
  }

  /** False when the session was in the room already. */
  addRoom(roomId: string): boolean {
    this.joined ??= new Set();
    if (this.joined.has(roomId)) return false;
    this.joined.add(roomId);
    return true;
  }

  /** False when the session was not in the room. */
  deleteRoom(roomId: string): boolean {
    return this.joined?.delete(roomId) ?? false;
  }

  get lastSeq(): number {
    return this.seq;
  }

  /**
   * Numbers a dispatch, keeps a reference for replay and writes it when attached. Detached, no text is
   * built at all: the shared body waits in the buffer until a resume. `shared` is the body's encoding made
   * once for every recipient of a fan-out (`prepared.body` as text and bytes); absent, one is made here.
   */
  dispatch(prepared: PreparedDispatch, shared?: SharedBody): void {
    if (this.ended) return;
    if (this.gate !== undefined && !this.gate(prepared)) return;
    this.seq += 1;
    this.replay.append(this.seq, prepared);
    // The same text as sequenceDispatch(prepared, seq), in two parts so the body is never copied per session.
    this.connection?.writeSequenced(this.seq, shared ?? new SharedBody(prepared.body));
  }

  /** A session rebuilt on another instance numbers on from where its anchor says the old holder was. */
  startAt(seq: number): void {
    if (this.seq === 0) this.seq = seq;
  }

  /** Sends an unsequenced frame to the attached connection; dropped while detached (ephemeral by nature). */
  send(type: string, payload: unknown, ref?: string): void {
    this.connection?.send(type, payload, ref);
  }

  write(text: string): void {
    this.connection?.write(text);
  }

  /** An unsequenced frame shared by every recipient of a fan-out (`{` plus the shared body). */
  writeShared(prefix: string, body: SharedBody): void {
    this.connection?.writeShared(prefix, body);
  }
}
