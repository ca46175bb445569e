import type { DecodeError, Decoder, ServerFrameOf } from '@gateway/protocol';
import { connectFailure, handshakeFailure } from './attempt-failure';
import type { GatewayClientError } from './errors';
import type { Outgoing } from './outgoing/frame';
import { type Clock, Timer } from './timer';
import type { WebSocketConstructor, WebSocketLike } from './transport';

/** The least every received frame has; the decoder guarantees the rest per type. */
export interface InboundFrame {
  readonly type: string;
  readonly payload?: unknown;
  readonly seq?: number | undefined;
  readonly ref?: string | undefined;
}

export type Hello = ServerFrameOf<'hello'>['payload'];

/** A frame the connection dropped: the decoder's verdict, or one of the checks made before decoding. */
export interface BadFrame extends Omit<DecodeError, 'code'> {
  readonly code: DecodeError['code'] | 'frame_too_large' | 'binary_unsupported';
}

export interface ConnectionDeps {
  readonly url: string;
  readonly WebSocket: WebSocketConstructor;
  readonly clock: Clock;
  readonly random: () => number;
  readonly decoder: Decoder<InboundFrame>;
  /** Extra silence tolerated beyond a heartbeat interval before the connection counts as dead. */
  readonly graceMs: number;
  /** How long the socket may take to open and say `hello`, and then again to answer with `ready` or `resumed`. */
  readonly connectTimeoutMs: number;
  /** Longer frames (characters of text, bytes of binary) are dropped unread. */
  readonly maxFrameBytes: number;
  /** The last seq the session delivered, carried by each heartbeat. */
  readonly lastSeq: () => number;
}

export interface ConnectionEvents {
  /** Every valid frame, `hello` and `heartbeat` included, in arrival order. */
  frame(frame: InboundFrame): void;
  /** A frame was dropped; too many of them in a short time close the connection (reported as `closed`). */
  invalid(error: BadFrame): void;
  /**
   * Once, when the socket closed or was deemed dead; never after `close()`. `failure` says why, when the
   * socket closed before `ready` or `resumed`: it never opened, or the handshake did not end.
   */
  closed(code: number, reason: string, failure?: GatewayClientError): void;
}

/** The code a socket reports when it ends without a close frame; the client uses it for the closes it infers. */
export const ABNORMAL_CLOSURE = 1006;
/** What the client sends when it gives a socket up (resumable, in the 4000 range the protocol reserves for that). */
export const GIVING_UP = 4000;
/**
 * A hostile server's `heartbeat_interval` must neither make the client beat in a tight loop nor overflow a
 * timer (browsers fire a timeout past 2^31 - 1 ms at once).
 */
const MIN_HEARTBEAT_MS = 100;
const MAX_HEARTBEAT_MS = 86_400_000;
/**
 * A stray bad frame is reported and ignored; a server that sends this many within the window is broken or
 * hostile, and answering each with an `error` event forever helps no one: the connection is given up.
 */
const BAD_FRAMES_LIMIT = 20;
const BAD_FRAMES_WINDOW_MS = 10_000;

const ignore = (): void => {};

/**
 * One socket's life: open, `hello`, heartbeats (the first after a random fraction of the interval, so a
 * fleet does not beat in step), an immediate `heartbeat_ack` to the server's `heartbeat`, and liveness.
 * Dead means no frame at all for interval + grace measured on the clock, checked when a timer fires or
 * when asked (network back, tab visible) — never by counting timer runs, which background tabs delay.
 * A server that never finishes the handshake, or keeps sending frames it cannot read, is given up on.
 */
export class Connection {
  private readonly _socket: WebSocketLike;
  private readonly _connectTimer: Timer;
  private readonly _beatTimer: Timer;
  private readonly _watchdog: Timer;
  /** When the frames dropped within the last `BAD_FRAMES_WINDOW_MS` arrived. */
  private _badFrames: number[] = [];
  private readonly _reportedUnknownTypes = new Set<string>();
  private _intervalMs = 0;
  private _lastHeardAt: number;
  private _open = true;
  /** The socket opened; and then the session was ready (`ready` or `resumed` arrived). */
  private _opened?: boolean;
  private _ready?: boolean;
  /** The last error event the socket reported: it tells why a socket that never opened failed. */
  private _error: unknown;

  private readonly _deps: ConnectionDeps;
  private readonly _events: ConnectionEvents;

  constructor(deps: ConnectionDeps, events: ConnectionEvents) {
    this._deps = deps;
    this._events = events;
    const { clock } = deps;
    this._lastHeardAt = clock.now();
    this._connectTimer = new Timer(clock, () =>
      this._abandon(
        !this._opened
          ? `the socket did not open within ${deps.connectTimeoutMs} ms`
          : this._intervalMs === 0
            ? 'no hello from the server in time: is this a gateway?'
            : 'no ready from the server in time',
      ),
    );
    this._beatTimer = new Timer(clock, () => this._beat());
    this._watchdog = new Timer(clock, () => this.checkAlive());
    // A constructor that throws (a URL the runtime refuses) leaves nothing running: the timer starts after it.
    const socket = new deps.WebSocket(deps.url);
    this._socket = socket;
    this._connectTimer.start(deps.connectTimeoutMs);
    // Handlers are detached on close; each also checks `_open`, for a runtime that calls one it held already.
    socket.onopen = () => {
      if (this._open) this._opened = true;
    };
    socket.onmessage = (event) => {
      if (!this._open) return;
      this._lastHeardAt = clock.now();
      // Nothing a server sends may throw into the socket's event loop (in Node that would crash the app).
      try {
        this._receive(event.data);
      } catch (cause) {
        this._invalid({ code: 'invalid_frame', message: `The frame could not be handled: ${String(cause)}` });
      }
    };
    // Every error is followed by a close, which is where the client decides what to do.
    socket.onerror = (event) => {
      if (this._open) this._error = event;
    };
    socket.onclose = (event) => this._ended(event.code, event.reason);
  }

  /** Serialises and sends a frame; false when the connection is closed or the frame cannot be serialised. */
  send(frame: Outgoing): boolean {
    if (!this._open) return false;
    // Not the protocol's serializeFrame: its error, which nothing here reads, would cost the bundle its code.
    // Some runtimes also throw on a socket that is not open.
    try {
      this._socket.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  /** Closes the socket; no `closed` event follows. */
  close(code: number, reason: string): void {
    if (!this._end()) return;
    try {
      this._socket.close(code, reason);
    } catch {
      // A socket still connecting may refuse to close in some runtimes; it is detached either way.
    }
  }

  /** True while frames keep arriving; otherwise gives the socket up (reporting `closed`) and returns false. */
  checkAlive(): boolean {
    if (!this._open) return false;
    if (this._intervalMs === 0) return true;
    const deadline = this._lastHeardAt + this._intervalMs + this._deps.graceMs;
    const now = this._deps.clock.now();
    if (now > deadline) {
      this._abandon('no frame within the heartbeat interval plus grace');
      return false;
    }
    this._watchdog.start(deadline - now + 1);
    return true;
  }

  /** True when no frame has arrived since `time` (milliseconds on the client's clock). */
  silentSince(time: number): boolean {
    return this._lastHeardAt <= time;
  }

  /** Gives the socket up as dead, reporting `closed` as a lost connection. */
  giveUp(reason: string): void {
    if (this._open) this._abandon(reason);
  }

  private _receive(data: unknown): void {
    // Dropped unread: a frame too large (checked first, so a huge one is never parsed), or a binary one. Its
    // weight: characters of text, bytes of a binary frame.
    const size =
      typeof data === 'string'
        ? data.length
        : ((data as { byteLength?: number } | null)?.byteLength ?? (data as { size?: number } | null)?.size ?? 0);
    const max = this._deps.maxFrameBytes;
    if (size > max || typeof data !== 'string') {
      this._invalid(
        size > max
          ? { code: 'frame_too_large', message: `A frame of ${size} (over ${max}) was dropped unread.` }
          : { code: 'binary_unsupported', message: 'Binary frames are not part of the protocol.' },
      );
      return;
    }
    const result = this._deps.decoder.decode(data);
    if (!result.ok) {
      if (result.error.code === 'unknown_type') this._unknownType(data, result.error);
      else this._invalid(result.error);
      return;
    }
    const frame = result.frame;
    // Nothing before `hello`: a session made without it would have no heartbeat to prove itself by.
    if (this._intervalMs === 0 && frame.type !== 'hello') {
      this._invalid({ code: 'invalid_frame', message: `"${frame.type}" before hello.` });
      return;
    }
    // Answered here, not from a timer, so a background tab with throttled timers still keeps its connection.
    if (frame.type === 'heartbeat') this.send({ type: 'heartbeat_ack' });
    if (frame.type === 'hello') {
      if (this._intervalMs !== 0) {
        this._invalid({ code: 'invalid_frame', message: 'A second hello.' });
        return;
      }
      const hello = frame.payload as Hello;
      this._intervalMs = Math.min(Math.max(hello.heartbeat_interval, MIN_HEARTBEAT_MS), MAX_HEARTBEAT_MS);
      // The handshake gets as long again to end in `ready` or `resumed`.
      this._connectTimer.start(this._deps.connectTimeoutMs);
      this._beatTimer.start(this._deps.random() * this._intervalMs);
      this.checkAlive();
    }
    if (frame.type === 'ready' || frame.type === 'resumed') {
      this._connectTimer.stop();
      this._ready = true;
    }
    this._events.frame(frame);
  }

  /**
   * A type this client was not built with: a newer server's event or an application event the app did not
   * pass in `events`. That is forward compatibility, not hostility, so it never counts towards giving the
   * server up; it is reported once per type. A sequenced one still takes its place in the seq order (with its
   * payload unread), or every later event would wait behind a gap nobody can fill.
   */
  private _unknownType(text: string, error: DecodeError): void {
    // An unknown_type error always names the type.
    const type = error.type as string;
    if (!this._reportedUnknownTypes.has(type)) {
      this._reportedUnknownTypes.add(type);
      this._events.invalid(error);
    }
    // Parsed again (it parsed once already, so it cannot throw): rare enough not to keep the value on the common path.
    const seq = (JSON.parse(text) as { seq?: unknown }).seq;
    if (Number.isSafeInteger(seq) && (seq as number) > 0) this._events.frame({ type, seq: seq as number });
  }

  /** Reports a dropped frame; a server that keeps sending them is given up on, and reconnected to with backoff. */
  private _invalid(error: BadFrame): void {
    this._events.invalid(error);
    if (!this._open) return;
    const now = this._deps.clock.now();
    this._badFrames = this._badFrames.filter((at) => now - at < BAD_FRAMES_WINDOW_MS);
    if (this._badFrames.push(now) >= BAD_FRAMES_LIMIT) this._abandon('too many bad frames from the server');
  }

  private _beat(): void {
    if (!this.checkAlive()) return;
    this.send({ type: 'heartbeat', payload: { last_seq: this._deps.lastSeq() } });
    this._beatTimer.start(this._intervalMs);
  }

  private _abandon(reason: string): void {
    this.close(GIVING_UP, reason);
    this._events.closed(ABNORMAL_CLOSURE, reason, this._failure(ABNORMAL_CLOSURE, reason));
  }

  private _ended(code: number, reason: string): void {
    if (this._end()) this._events.closed(code, reason, this._failure(code, reason));
  }

  /** Why the attempt failed, when it did: none once the session was ready. */
  private _failure(code: number, reason: string): GatewayClientError | undefined {
    if (this._ready) return undefined;
    return this._opened ? handshakeFailure(code, reason) : connectFailure(this._deps.url, this._error, reason);
  }

  /**
   * Ends the connection, once (false after the first time): the timers and every socket handler stop, so
   * nothing reaches the client after `close()` or a close.
   */
  private _end(): boolean {
    if (!this._open) return false;
    this._open = false;
    const socket = this._socket;
    socket.onopen = socket.onmessage = socket.onclose = null;
    // Never null: `ws` throws an 'error' it cannot deliver (closing while connecting), crashing Node.
    socket.onerror = ignore;
    this._connectTimer.stop();
    this._beatTimer.stop();
    this._watchdog.stop();
    return true;
  }
}
