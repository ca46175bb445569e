import { readAckResult, type ServerFrameOf } from '@gateway/protocol';
import { GatewayClientError } from './errors';
import { type Clock, Timer } from './timer';

/** A frame on its way to the server. */
export interface Outgoing {
  readonly type: string;
  readonly payload?: unknown;
  readonly ref?: string;
}

export type Reply = ServerFrameOf<'ack' | 'error' | 'subscribed' | 'unsubscribed'>;

interface Pending {
  readonly frame: Outgoing & { readonly ref: string };
  /** Safe to send again after a reconnect (the server deduplicates it or it is idempotent). */
  readonly retryable: boolean;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: GatewayClientError) => void;
  readonly timer: Timer;
  /** Refused for now (`rate_limited`, `shutting_down`) and waiting to be sent again. */
  held: boolean;
  /** How often it was refused for now; past `MAX_HOLDS` the refusal is final. */
  holds: number;
  /** When it last went out on a socket. */
  sentAt: number;
  /** It timed out once on a silent connection, which was given up so the request goes out again. */
  outlivedSilence: boolean;
}

/**
 * What the requests need of the connection: a retryable request that times out on a connection the
 * server has said nothing on since it was sent is more likely lost with a dead link than refused.
 */
export interface LinkProbe {
  /** True when no frame at all has arrived since `time`. */
  silentSince(time: number): boolean;
  /** Gives the connection up as dead: the client reconnects and resumes, and retryable requests go again. */
  giveUp(): void;
}

/** A server that refuses a request for now again and again is believed the last time. */
const MAX_HOLDS = 5;

/**
 * Requests awaiting their reply, by `ref`. The timeout runs while a request is on the wire, not while it
 * waits in the offline queue; a dropped connection rejects what cannot be retried and hands back the rest.
 */
export class Requests {
  private readonly _pending = new Map<string, Pending>();
  private _counter = 0;

  private readonly _clock: Clock;
  private readonly _timeoutMs: number;
  private readonly _link: LinkProbe;

  constructor(clock: Clock, timeoutMs: number, link: LinkProbe) {
    this._clock = clock;
    this._timeoutMs = timeoutMs;
    this._link = link;
  }

  create<R>(frame: Outgoing, retryable: boolean): { frame: Outgoing & { ref: string }; result: Promise<R> } {
    const ref = `r${(++this._counter).toString(36)}`;
    const withRef = { ...frame, ref };
    const result = new Promise<R>((resolve, reject) => {
      const timer = new Timer(this._clock, () => this._timedOut(ref));
      this._pending.set(ref, {
        frame: withRef,
        retryable,
        resolve: resolve as (r: unknown) => void,
        reject,
        timer,
        held: false,
        holds: 0,
        sentAt: 0,
        outlivedSilence: false,
      });
    });
    return { frame: withRef, result };
  }

  /** The request went out on a socket: its reply is due within the timeout. */
  sent(ref: string): void {
    const entry = this._pending.get(ref);
    if (entry === undefined) return;
    entry.sentAt = this._clock.now();
    entry.timer.start(this._timeoutMs);
  }

  /** Settles the request a reply names; false when no request with that ref is open. */
  settle(reply: Reply): boolean {
    const entry = reply.ref === undefined ? undefined : this._pending.get(reply.ref);
    if (entry === undefined) return false;
    const ref = entry.frame.ref;
    if (reply.type === 'error') {
      const { code, message, details, retry_after_ms: retryAfterMs } = reply.payload;
      this.fail(
        ref,
        new GatewayClientError(code, message, {
          ...(details === undefined ? {} : { details }),
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        }),
      );
      return true;
    }
    const read = reply.type === 'ack' ? readAckResult(entry.frame.type, reply.payload) : undefined;
    if (read === undefined) {
      this._finish(ref)?.resolve(reply.payload);
      return true;
    }
    if (read.ok) this._finish(ref)?.resolve(read.result);
    else
      this.fail(ref, new GatewayClientError('invalid_frame', `The ack to "${entry.frame.type}" has the wrong shape.`));
    return true;
  }

  /**
   * The server refused the request for now: true when it is kept to be sent again (it is retryable and
   * was not refused too often), its timeout stopped until then.
   */
  hold(ref: string): boolean {
    const entry = this._pending.get(ref);
    if (entry === undefined || !entry.retryable || entry.holds >= MAX_HOLDS) return false;
    entry.timer.stop();
    entry.held = true;
    entry.holds++;
    return true;
  }

  /** The held requests, in the order they were made, to be sent again now. */
  takeHeld(): Outgoing[] {
    const frames: Outgoing[] = [];
    for (const entry of this._pending.values()) {
      if (entry.held) frames.push(entry.frame);
      entry.held = false;
    }
    return frames;
  }

  fail(ref: string, error: GatewayClientError): void {
    this._finish(ref)?.reject(error);
  }

  /**
   * The connection dropped. Requests on the wire that may be retried are returned, in the order they were
   * made, to be queued again; the others are rejected with `disconnected`.
   */
  disconnected(isQueued: (ref: string) => boolean): Outgoing[] {
    const resend: Outgoing[] = [];
    for (const entry of [...this._pending.values()]) {
      if (isQueued(entry.frame.ref)) continue;
      if (entry.retryable) {
        entry.timer.stop();
        entry.held = false;
        resend.push(entry.frame);
      } else {
        this.fail(
          entry.frame.ref,
          new GatewayClientError('disconnected', `The connection dropped before the reply to "${entry.frame.type}".`),
        );
      }
    }
    return resend;
  }

  rejectAll(error: GatewayClientError): void {
    for (const ref of [...this._pending.keys()]) this.fail(ref, error);
  }

  /**
   * A zombie link (open, silent) is noticed only after the heartbeat interval plus grace, far later than a
   * request times out by default. Rejecting a chat send then would tempt the app to send it again under a
   * new id, and deliver it twice; giving the link up instead sends it again, under its own id, once.
   */
  private _timedOut(ref: string): void {
    const entry = this._pending.get(ref);
    if (entry === undefined) return;
    if (entry.retryable && !entry.outlivedSilence && this._link.silentSince(entry.sentAt)) {
      entry.outlivedSilence = true;
      this._link.giveUp();
      return;
    }
    this.fail(
      ref,
      new GatewayClientError('timeout', `No reply to "${entry.frame.type}" within ${this._timeoutMs} ms.`),
    );
  }

  private _finish(ref: string): Pending | undefined {
    const entry = this._pending.get(ref);
    if (entry === undefined) return undefined;
    entry.timer.stop();
    this._pending.delete(ref);
    return entry;
  }
}
