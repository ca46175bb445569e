import { type DecodeError, type Decoder, type ServerFrameOf, serializeFrame } from '@gateway/protocol';
import type { Outgoing } from './requests';
import { type Clock, Timer } from './timer';
import { type Transport, type WebSocketConstructor, webSocketTransport } from './transport';

/** The least every received frame has; the decoder guarantees the rest per type. */
export interface InboundFrame {
  readonly type: string;
  readonly payload?: unknown;
  readonly seq?: number | undefined;
  readonly ref?: string | undefined;
}

export type Hello = ServerFrameOf<'hello'>['payload'];

export interface ConnectionDeps {
  readonly url: string;
  readonly WebSocket: WebSocketConstructor;
  readonly clock: Clock;
  readonly random: () => number;
  readonly decoder: Decoder<InboundFrame>;
  /** Extra silence tolerated beyond a heartbeat interval before the connection counts as dead. */
  readonly graceMs: number;
  /** How long the socket may take to open and say `hello`. */
  readonly connectTimeoutMs: number;
  /** The last seq the session delivered, carried by each heartbeat. */
  readonly lastSeq: () => number;
}

export interface ConnectionEvents {
  /** Every valid frame, `hello` and `heartbeat` included, in arrival order. */
  frame(frame: InboundFrame): void;
  invalid(error: DecodeError): void;
  /** Once, when the socket closed or was deemed dead; never after `close()`. */
  closed(code: number, reason: string): void;
}

/** The code a socket reports when it ends without a close frame; the client uses it for the closes it infers. */
export const ABNORMAL_CLOSURE = 1006;
/** What the client sends when it gives a socket up (resumable, in the 4000 range the protocol reserves for that). */
const GIVING_UP = 4000;

/**
 * One socket's life: open, `hello`, heartbeats (the first after a random fraction of the interval, so a
 * fleet does not beat in step), an immediate `heartbeat_ack` to the server's `heartbeat`, and liveness.
 * Dead means no frame at all for interval + grace measured on the clock, checked when a timer fires or
 * when asked (network back, tab visible) — never by counting timer runs, which background tabs delay.
 */
export class Connection {
  readonly #transport: Transport;
  readonly #connectTimer: Timer;
  readonly #beatTimer: Timer;
  readonly #watchdog: Timer;
  #intervalMs = 0;
  #lastHeardAt: number;
  #open = true;

  readonly #deps: ConnectionDeps;
  readonly #events: ConnectionEvents;

  constructor(deps: ConnectionDeps, events: ConnectionEvents) {
    this.#deps = deps;
    this.#events = events;
    const { clock } = deps;
    this.#lastHeardAt = clock.now();
    this.#connectTimer = new Timer(clock, () => this.#abandon('no hello from the server in time'));
    this.#beatTimer = new Timer(clock, () => this.#beat());
    this.#watchdog = new Timer(clock, () => this.checkAlive());
    this.#connectTimer.start(deps.connectTimeoutMs);
    try {
      this.#transport = webSocketTransport(deps.url, deps.WebSocket, {
        open: () => {},
        message: (data) => this.#receive(data),
        close: (code, reason) => this.#ended(code, reason),
        // Every error is followed by a close, which is where the client decides what to do.
        error: () => {},
      });
    } catch (cause) {
      this.#stopTimers();
      throw cause;
    }
  }

  /** Serialises and sends a frame; false when the connection is closed or the frame cannot be serialised. */
  send(frame: Outgoing): boolean {
    if (!this.#open) return false;
    const text = serializeFrame(frame);
    if (!text.ok) return false;
    this.#transport.send(text.text);
    return true;
  }

  /** Closes the socket; no `closed` event follows. */
  close(code: number, reason: string): void {
    if (!this.#open) return;
    this.#open = false;
    this.#stopTimers();
    this.#transport.close(code, reason);
  }

  /** True while frames keep arriving; otherwise gives the socket up (reporting `closed`) and returns false. */
  checkAlive(): boolean {
    if (!this.#open) return false;
    if (this.#intervalMs === 0) return true;
    const deadline = this.#lastHeardAt + this.#intervalMs + this.#deps.graceMs;
    const now = this.#deps.clock.now();
    if (now > deadline) {
      this.#abandon('no frame within the heartbeat interval plus grace');
      return false;
    }
    this.#watchdog.start(deadline - now + 1);
    return true;
  }

  #receive(data: unknown): void {
    this.#lastHeardAt = this.#deps.clock.now();
    if (typeof data !== 'string') {
      this.#events.invalid({ code: 'invalid_frame', message: 'Binary frames are not part of the protocol.' });
      return;
    }
    const result = this.#deps.decoder.decode(data);
    if (!result.ok) {
      this.#events.invalid(result.error);
      return;
    }
    const frame = result.frame;
    // Answered here, not from a timer, so a background tab with throttled timers still keeps its connection.
    if (frame.type === 'heartbeat') this.send({ type: 'heartbeat_ack' });
    if (frame.type === 'hello') {
      const hello = frame.payload as Hello;
      this.#connectTimer.stop();
      this.#intervalMs = hello.heartbeat_interval;
      this.#beatTimer.start(this.#deps.random() * this.#intervalMs);
      this.checkAlive();
    }
    this.#events.frame(frame);
  }

  #beat(): void {
    if (!this.checkAlive()) return;
    this.send({ type: 'heartbeat', payload: { last_seq: this.#deps.lastSeq() } });
    this.#beatTimer.start(this.#intervalMs);
  }

  #abandon(reason: string): void {
    this.close(GIVING_UP, reason);
    this.#events.closed(ABNORMAL_CLOSURE, reason);
  }

  #ended(code: number, reason: string): void {
    if (!this.#open) return;
    this.#open = false;
    this.#stopTimers();
    this.#events.closed(code, reason);
  }

  #stopTimers(): void {
    this.#connectTimer.stop();
    this.#beatTimer.stop();
    this.#watchdog.stop();
  }
}
