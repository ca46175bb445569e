import type { Data, DeviceType, PreparedDispatch, PresenceStatus, User } from '@gateway/protocol';
import type { ClientConnection } from './client-connection';
import { type BufferedDispatch, ReplayBuffer } from './delivery/replay-buffer';
import { SharedBody } from './delivery/shared-body';
import type { Channel } from './ports/backplane';
import type { LoggedAt, LogPosition } from './ports/room-logs';

/** The rooms of a session that has joined none: shared, since most idle sessions never join one. */
const NO_ROOMS: ReadonlySet<string> = new Set();

export interface ReplayLimits {
  readonly replayBufferEvents: number;
  readonly replayBufferBytes: number;
}

/**
 * A dispatch as it reaches a session, with its events-stream position when a networked backplane gave one,
 * and its place in its room's log when it was logged.
 */
export type SessionDispatch = PreparedDispatch & { readonly position?: string; readonly logged?: LoggedAt };

/** A live dispatch held back while its room is recovered, with the encoding shared by its recipients. */
type Held = readonly [SessionDispatch, SharedBody | undefined];

/**
 * Sees each dispatch before it is numbered, with the backplane channel it came on (none for one made for this
 * session alone); false holds it back (a session being rebuilt here, or handed over to another instance).
 */
export type DispatchGate = (dispatch: SessionDispatch, channel: Channel | undefined) => boolean;

/** This device's own presence as this instance set it last: what it writes to stores and sends in syncs. */
export interface OwnPresence {
  readonly status: PresenceStatus;
  readonly data: Data | undefined;
  readonly updatedAt: string;
}

/** A ring slot and its share of the entry: what one buffered dispatch costs beyond its body. */
const REPLAY_SLOT_BYTES = 16;

/**
 * What a client resumes: identity, rooms, the per-session seq and the replay buffer. It outlives its
 * connection for the resume window; while detached it keeps receiving dispatches into the buffer.
 */
export class Session {
  /** Made at the first join (a Set costs ~170 bytes, per idle session too); `rooms` reads it. */
  private joined: Set<string> | undefined;
  /** Made at the first dispatch or read (~120 bytes): an idle session may never be sent anything. */
  private buffer: ReplayBuffer | undefined;
  private link: ClientConnection | undefined;
  private over = false;
  private gate: DispatchGate | undefined;
  /** Rooms being recovered (`since`): their live dispatches wait here until the replay has gone out. */
  private recovering: Map<string, Held[]> | undefined;
  private own: OwnPresence | undefined;
  /** While it waits for a resume: its mark in the presence away log (`AwayLog`). */
  private awaySince: number | undefined;
  private seq = 0;

  constructor(
    readonly id: string,
    readonly user: User,
    readonly deviceId: string,
    readonly deviceType: DeviceType,
    private readonly limits: ReplayLimits,
  ) {}

  /** The connection it is attached to; undefined while detached (waiting for a resume). */
  get connection(): ClientConnection | undefined {
    return this.link;
  }

  /** Attaches to a connection or detaches (undefined); the lifecycle does this, for both sides at once. */
  attachTo(connection: ClientConnection | undefined): void {
    this.link = connection;
  }

  /** Set once; an ended session is out of every table and can no longer be resumed. */
  get ended(): boolean {
    return this.over;
  }

  /** Marks the session ended; false when it was already. */
  end(): boolean {
    if (this.over) return false;
    this.over = true;
    return true;
  }

  /** Puts a gate before the numbering (resume anywhere); undefined removes it. */
  gateWith(gate: DispatchGate | undefined): void {
    this.gate = gate;
  }

  get presence(): OwnPresence | undefined {
    return this.own;
  }

  /** Records this device's status; `data` is kept from before when not given. */
  setPresence(status: PresenceStatus, data: Data | undefined, updatedAt: string): void {
    this.own = { status, data: data ?? this.own?.data, updatedAt };
  }

  /**
   * True while the session waits for a resume: presence events are not buffered for it then, but summed up
   * once for every waiting session, and it is told presence as it is when it comes back (`Presence.catchUp`).
   */
  get away(): boolean {
    return this.awaySince !== undefined;
  }

  /** Its place in the presence away log; undefined when it is not away. */
  get awayMark(): number | undefined {
    return this.awaySince;
  }

  /** Only the presence away log sets this. */
  markAway(mark: number | undefined): void {
    this.awaySince = mark;
  }

  /** The recent dispatches kept for resume and `replay {since}`. */
  get replay(): ReplayBuffer {
    this.buffer ??= new ReplayBuffer(this.limits.replayBufferEvents, this.limits.replayBufferBytes);
    return this.buffer;
  }

  /**
   * What the replay buffer pins, for the detached sessions' budget: its bodies' lengths plus a slot per entry
   * (bodies shared with other sessions count here too, so this is an upper bound).
   */
  get replayBytes(): number {
    const buffer = this.buffer;
    return buffer === undefined ? 0 : buffer.byteSize + buffer.size * REPLAY_SLOT_BYTES;
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
   * What a client that has everything up to `seq` missed, oldest first; undefined when that cannot be told
   * whole: `seq` is ahead of the session, or the replay buffer no longer reaches back to it.
   */
  missedSince(seq: number): BufferedDispatch[] | undefined {
    return seq > this.seq ? undefined : this.replay.since(seq);
  }

  /**
   * Numbers a dispatch, keeps a reference for replay and writes it when attached. Detached, no text is
   * built at all: the shared body waits in the buffer until a resume. `shared` is the body's encoding made
   * once for every recipient of a fan-out (`prepared.body` as text and bytes); absent, one is made here.
   */
  dispatch(prepared: SessionDispatch, shared?: SharedBody, channel?: Channel): void {
    if (this.over) return;
    if (this.gate !== undefined && !this.gate(prepared, channel)) return;
    if (this.recovering !== undefined && prepared.logged !== undefined) {
      const held = this.recovering.get(prepared.logged.roomId);
      if (held !== undefined) {
        held.push([prepared, shared]);
        return;
      }
    }
    this.seq += 1;
    this.replay.append(this.seq, prepared);
    // The same text as sequenceDispatch(prepared, seq), in two parts so the body is never copied per session.
    this.link?.writeSequenced(this.seq, shared ?? new SharedBody(prepared.body));
  }

  /**
   * Holds the room's live dispatches back from now on, so the replay of what the client missed can go first
   * whenever the room's log answers; `releaseRoom` ends it.
   */
  holdRoom(roomId: string): void {
    this.recovering ??= new Map();
    if (!this.recovering.has(roomId)) this.recovering.set(roomId, []);
  }

  /**
   * Dispatches the replay, then what was held meanwhile, less what the replay's read already covered (up to
   * `covered`, the log's head when it was read): each dispatch of the room once, in offset order.
   */
  releaseRoom(roomId: string, replay: readonly SessionDispatch[], covered: LogPosition | undefined): void {
    const held = this.recovering?.get(roomId);
    if (held === undefined) return;
    this.recovering?.delete(roomId);
    if (this.recovering?.size === 0) this.recovering = undefined;
    for (const dispatch of replay) this.dispatch(dispatch);
    for (const [dispatch, shared] of held) {
      const at = dispatch.logged;
      if (covered !== undefined && at !== undefined && at.epoch === covered.epoch && at.offset <= covered.offset) {
        continue;
      }
      this.dispatch(dispatch, shared);
    }
  }

  /** A session rebuilt on another instance numbers on from where its anchor says the old holder was. */
  startAt(seq: number): void {
    if (this.seq === 0) this.seq = seq;
  }

  /** Sends an unsequenced frame to the attached connection; dropped while detached (ephemeral by nature). */
  send(type: string, payload: unknown, ref?: string): void {
    this.link?.send(type, payload, ref);
  }

  write(text: string): void {
    this.link?.write(text);
  }

  /** An unsequenced frame shared by every recipient of a fan-out (`{` plus the shared body). */
  writeShared(prefix: string, body: SharedBody): void {
    this.link?.writeShared(prefix, body);
  }
}
