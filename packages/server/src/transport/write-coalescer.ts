import type { Duplex } from 'node:stream';
import { type ArenaTimer, StagingArena } from './staging-arena';
import { seqPrefixLength, textFrameHeaderLength, writeSeqPrefix, writeTextFrameHeader } from './text-frame';

/** The writable side of a socket, as much of it as coalescing needs. */
export type CorkableSocket = Pick<Duplex, 'cork' | 'uncork' | 'write' | 'writableLength' | 'destroyed'>;

/** Whether a socket's frames may still be written. */
export interface WriteGate {
  isOpen(): boolean;
}

/**
 * Sockets a tick may hold while frames still go out one per socket (light load): past this many, the
 * held ones are released at once, so the first recipients of a large fan-out are not kept waiting for
 * the last.
 */
const EARLY_RELEASE = 64;

/**
 * Coalesces writes per tick: a socket's frames of a tick are staged, in one region per socket, and handed to
 * the socket in one write when the tick's synchronous work is done, so a fan-out burst leaves each socket in
 * one system call rather than one per frame (a writev per frame was half the server's busy time in the
 * fan-out profile). The regions come from one `StagingArena`, whose pages are reused after the tick unless a
 * socket's queue still points into them; a socket that already had unsent bytes when the tick began (a slow
 * reader) stages in a buffer of its own instead, so its queue pins no shared page at all. Staged frames
 * need no cork: the socket sees one write. Writes that do not go through staging (ws's own, when it frames
 * and compresses) are coalesced by corking the socket for the tick instead. One instance serves every socket
 * of a transport; `defer` decides what "the end of the tick" is (process.nextTick by default).
 *
 * Holding pays only when a tick writes several frames to the same socket. When the last tick wrote about
 * one frame per socket (light load: each message its own tick), holding a large fan-out to its end would
 * only delay its first recipients, so sockets are then released in groups of `EARLY_RELEASE` as it
 * proceeds; as soon as a tick writes twice as many frames as sockets, the next ticks hold to the end again.
 */
/**
 * Shared bodies at least this long go to each socket by reference rather than copied into its staging: a
 * presence diff or a long message to thousands would otherwise copy its bytes once per recipient, and the
 * pages those copies take (pinned while a lagging reader's queue holds them) were most of the native memory a
 * connect storm left behind. Below it, a copy costs less than one more chunk in the socket's write.
 */
export const SHARED_BODY_BYTES = 1024;

export class WriteCoalescer {
  private held: CoalescedSocket[] = [];
  private scheduled = false;
  /** Whether sockets are held to the end of the tick (heavy load) or released in groups (light load). */
  private wholeTicks = false;
  /** Counts ticks, so a socket can tell whether it was already written to in this one. */
  private ticks = 0;
  /** Frames and distinct sockets written this tick. */
  private frames = 0;
  private sockets = 0;
  /** Where sockets stage their frames of a tick. */
  readonly arena: StagingArena;

  constructor(
    private readonly defer: (flush: () => void) => void = process.nextTick,
    /** Lets the arena's spare pages go after a quiet spell; without it they shrink only as ticks pass. */
    timer?: ArenaTimer,
  ) {
    this.arena = new StagingArena(timer);
  }

  /**
   * Wraps one socket. `gate` tells whether frames may still be written: staged frames are dropped once
   * it says no (the WebSocket is closing: nothing may follow a close frame). An object rather than a
   * callback so the transport's per-socket adapter can be the gate, with no closure per socket.
   */
  wrap(socket: CorkableSocket, gate: WriteGate): CoalescedSocket {
    return new CoalescedSocket(socket, this, gate);
  }

  get tick(): number {
    return this.ticks;
  }

  /** Whether ticks are held to their end (the mode the last tick chose). */
  get holdingWholeTicks(): boolean {
    return this.wholeTicks;
  }

  /** Called on every write: `first` when it is the socket's first in this tick. */
  counted(first: boolean): void {
    this.frames++;
    if (first) this.sockets++;
  }

  /** Called by a socket at its first write of a tick: it is released with the others at the end of it. */
  enlist(socket: CoalescedSocket): void {
    // The sockets held so far go now, before this one is added (it is in the middle of a write).
    if (!this.wholeTicks && this.held.length >= EARLY_RELEASE) this.release();
    if (!this.scheduled) {
      this.scheduled = true;
      this.defer(this.flush);
    }
    this.held.push(socket);
  }

  /** The end of the tick: releases every socket still held and picks the next ticks' mode. */
  readonly flush = (): void => {
    this.scheduled = false;
    this.release();
    this.arena.endTick();
    this.wholeTicks = this.frames >= 2 * this.sockets && this.sockets > 0;
    this.frames = 0;
    this.sockets = 0;
    this.ticks++;
  };

  /** Writes and uncorks the held sockets, in the order they were first written to. */
  private release(): void {
    const sockets = this.held;
    this.held = [];
    for (const socket of sockets) socket.release();
  }
}

/** One socket's side of the coalescing: whether it is held this tick, its staged frames, its backlog. */
export class CoalescedSocket {
  /** The socket's unsent bytes when it was first written to this tick; -1 while not held. */
  private backlogAtHold = -1;
  /** Whether `cork` corked the socket this tick. */
  private corked = false;
  /** Bytes staged by the last write: a socket's next tick likely needs as much, so its region starts that big. */
  private sizeHint = 0;
  /** Where this tick's frames are staged: a region of an arena page, or a buffer of the socket's own. */
  private staged: Buffer | undefined;
  private stagedStart = 0;
  private stagedCapacity = 0;
  private stagedLength = 0;
  /** Whether `staged` is a shared arena page. */
  private stagedShared = false;
  /** The arena pages this tick's writes came from: pinned when the socket's queue keeps them. */
  private writtenPages: Buffer | Buffer[] | undefined;
  /** The coalescer's tick this socket was last written in. */
  private tick = -1;

  constructor(
    private readonly socket: CorkableSocket,
    private readonly coalescer: WriteCoalescer,
    private readonly gate: WriteGate,
  ) {}

  get holding(): boolean {
    return this.backlogAtHold >= 0;
  }

  /** Holds the socket until the end of the tick, unless it already is or is gone. Call before each write. */
  hold(): void {
    const first = this.tick !== this.coalescer.tick;
    this.tick = this.coalescer.tick;
    this.coalescer.counted(first);
    if (this.backlogAtHold >= 0 || this.socket.destroyed) return;
    this.backlogAtHold = this.socket.writableLength;
    this.coalescer.enlist(this);
  }

  /** Holds the socket and corks it until the end of the tick: for writes made past the staging (ws's own). */
  cork(): void {
    this.hold();
    if (this.backlogAtHold < 0 || this.corked) return;
    this.corked = true;
    this.socket.cork();
  }

  /**
   * Adds one text frame, `prefix` (ASCII) then `body`, to what leaves at the end of the tick. Anything else
   * written to the socket this tick must come after `writeStaged`, or it would overtake these frames.
   */
  stageText(prefix: string, body: Uint8Array): void {
    const at = this.reserve(prefix.length + body.byteLength);
    if (at < 0) return;
    const staged = this.staged as Buffer;
    // Byte by byte: for a prefix of a dozen ASCII characters this is several times cheaper than Buffer#write.
    for (let i = 0; i < prefix.length; i++) staged[at + i] = prefix.charCodeAt(i);
    staged.set(body, at + prefix.length);
  }

  /** `stageText('{"seq":<seq>,', body)` without making the prefix string: what a fan-out does per recipient. */
  stageSequenced(seq: number, body: Uint8Array): void {
    const prefixLength = seqPrefixLength(seq);
    if (body.byteLength >= SHARED_BODY_BYTES) {
      const at = this.reserve(prefixLength + body.byteLength, prefixLength);
      if (at < 0) return;
      writeSeqPrefix(this.staged as Buffer, at, seq, prefixLength);
      this.writeShared(body);
      return;
    }
    const at = this.reserve(prefixLength + body.byteLength);
    if (at < 0) return;
    const staged = this.staged as Buffer;
    staged.set(body, writeSeqPrefix(staged, at, seq, prefixLength));
  }

  /**
   * A body every recipient shares, after the header and prefix staged just before it: the staged frames go to
   * the socket, then the body itself, by reference, into the cork, so the socket still sees one write at the
   * end of the tick and the body is never copied per recipient.
   */
  private writeShared(body: Uint8Array): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
    }
    this.writeStaged();
    if (this.socket.destroyed || !this.gate.isOpen()) return;
    this.socket.write(body);
  }

  /** Adds one text frame whose payload is `text` (any string; written as UTF-8). */
  stageString(text: string): void {
    const length = Buffer.byteLength(text);
    const at = this.reserve(length);
    if (at < 0) return;
    this.staged?.write(text, at, length, 'utf8');
  }

  /**
   * Holds the socket, makes room for a frame and writes its header; the offset for its payload, or -1
   * (destroyed). `staged` bytes of the payload are staged (all by default); the rest the caller writes itself.
   */
  private reserve(payloadLength: number, staged = payloadLength): number {
    this.hold();
    if (this.backlogAtHold < 0) return -1;
    const needed = this.stagedLength + textFrameHeaderLength(payloadLength) + staged;
    if (this.staged === undefined || needed > this.stagedCapacity) this.grow(needed);
    const target = this.staged as Buffer;
    const at = writeTextFrameHeader(target, this.stagedStart + this.stagedLength, payloadLength);
    this.stagedLength = at - this.stagedStart + staged;
    return at;
  }

  /** As much as the last tick staged at first, then doubling, keeping what is staged. */
  private grow(needed: number): void {
    const capacity = Math.max(needed, 2 * this.stagedCapacity, this.stagedCapacity === 0 ? this.sizeHint : 0);
    const old = this.staged;
    const oldStart = this.stagedStart;
    if (this.backlogAtHold === 0) {
      const arena = this.coalescer.arena;
      this.stagedStart = arena.carve(capacity);
      this.staged = arena.slab;
      this.stagedShared = arena.shared;
    } else {
      this.staged = Buffer.allocUnsafe(capacity);
      this.stagedStart = 0;
      this.stagedShared = false;
    }
    this.stagedCapacity = capacity;
    if (old !== undefined) old.copy(this.staged, this.stagedStart, oldStart, oldStart + this.stagedLength);
  }

  /** Hands the staged frames to the socket, so a frame written next follows them. */
  writeStaged(): void {
    const staged = this.staged;
    if (staged === undefined) return;
    const start = this.stagedStart;
    const end = start + this.stagedLength;
    this.sizeHint = this.stagedLength;
    this.staged = undefined;
    this.stagedCapacity = 0;
    this.stagedLength = 0;
    if (this.socket.destroyed || !this.gate.isOpen()) return;
    this.socket.write(staged.subarray(start, end));
    if (this.stagedShared) this.noteWrittenPage(staged);
  }

  /** Most ticks write from one page; the list is made only for a socket written twice in a tick. */
  private noteWrittenPage(page: Buffer): void {
    const pages = this.writtenPages;
    if (pages === undefined) this.writtenPages = page;
    else if (Array.isArray(pages)) pages.push(page);
    else if (pages !== page) this.writtenPages = [pages, page];
  }

  /**
   * Unsent bytes as the slow-consumer check should see them: the socket's queue less what this tick wrote
   * (staged or into the cork), which has not had a chance to leave yet; `extra` is what the WebSocket
   * layer holds itself (0 unless it compresses). A reader keeping up is never judged on one tick's burst,
   * and a stalled one is caught at its first write of a later tick. While held this is one field read: it
   * is asked after every frame.
   */
  backlog(extra: number): number {
    return (this.backlogAtHold < 0 ? this.socket.writableLength : this.backlogAtHold) + extra;
  }

  /**
   * Writes what is staged and uncorks what `cork` corked (a destroyed socket drops its buffer itself). The
   * arena pages written from stay out of reuse when the kernel did not take all of it at once.
   */
  release(): void {
    if (this.backlogAtHold < 0) return;
    this.writeStaged();
    this.backlogAtHold = -1;
    if (this.corked) {
      this.corked = false;
      this.socket.uncork();
    }
    const pages = this.writtenPages;
    if (pages === undefined) return;
    this.writtenPages = undefined;
    if (this.socket.writableLength === 0 || this.socket.destroyed) return;
    if (Array.isArray(pages)) for (const page of pages) this.coalescer.arena.pin(page);
    else this.coalescer.arena.pin(pages);
  }
}
