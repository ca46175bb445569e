import type { ServerFrameOf } from '@gateway/protocol';
import { GatewayClientError } from '../errors';
import type { ClientState } from '../events';
import type { Delivery } from '../request-types';
import { type Clock, Timer } from '../timer';
import type { Outgoing, Reply } from './frame';
import { readReply } from './read-reply';

/**
 * Where one outgoing frame is: `queued` waits for a ready connection (or for a pause to end), `held` was
 * refused for now by the server and waits for the pause to end, `inflight` is on the wire with its reply due.
 */
export type OutgoingState = 'queued' | 'held' | 'inflight';

/** What the outgoing path needs of the client and its current connection. */
export interface OutgoingLink {
  /** The client's state: frames go out while `ready`, wait otherwise, and are refused once `closed`. */
  state(): ClientState;
  /** Writes the frame on the current connection; false when it could not be written. */
  write(frame: Outgoing): boolean;
  /** True when no frame at all has arrived since `time`. */
  silentSince(time: number): boolean;
  /** Gives the silent connection up as dead: the client reconnects and resumes, and retryable requests go again. */
  giveUp(): void;
  /** Leaves a server that said `shutting_down` and did not close in time: the client reconnects elsewhere. */
  leave(): void;
}

export interface OutgoingDeps {
  readonly clock: Clock;
  /** How long a request on the wire waits for its reply, and a stopping server for its own close, in ms. */
  readonly timeoutMs: number;
  /** How many frames may wait in the queue; one more is refused with `queue_full`. */
  readonly maxQueued: number;
  readonly link: OutgoingLink;
}

interface Entry {
  readonly outgoing: Outgoing;
  stage: OutgoingState;
  /** Its place in the queue while `queued`: the lowest goes out first. */
  place: number;
  /** Safe to send again after a reconnect (the server deduplicates it or it is idempotent). */
  readonly mayRetry: boolean;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: GatewayClientError) => void;
  /** Runs while the request is `inflight`; a frame without a ref has no reply to wait for and never starts it. */
  readonly timer: Timer;
  /** How often the server refused it for now; past `MAX_HOLDS` the refusal is final. */
  holds: number;
  /** When it last went out on a socket. */
  sentAt: number;
  /** It timed out once on a silent connection, which was given up so the request goes out again. */
  outlivedSilence?: true;
}

/** A server that refuses a request for now again and again is believed the last time. */
const MAX_HOLDS = 5;
/** How long sends wait after a `rate_limited` that does not say. */
const RATE_LIMIT_PAUSE_MS = 1000;
/** However long a server asks, sends wait at most this long per refusal (a hostile `retry_after_ms` is capped). */
const MAX_PAUSE_MS = 60_000;

const ignore = (): void => {};

/**
 * Every frame the application sends, from the call until it is settled: requests (with a `ref`, settled by
 * their reply, a timeout, a dropped connection or the client's close) and the fire-and-forget frames that
 * wait in the queue with them (done once written). Each is in one `OutgoingState`:
 *
 *   new ──ready, not paused (or `live`)────────────────────────▶ inflight ──reply, timeout──▶ settled
 *   new ──not ready, or paused──▶ queued ──flush()─────────────▶ inflight
 *   inflight ──refused for now (retryable, under MAX_HOLDS)──▶ held ──flush() after the pause──▶ inflight
 *   inflight, held ──connection dropped──▶ queued in front (retryable), else rejected `disconnected`
 *   any ──close()──▶ rejected `closed`
 *
 * A new frame the client cannot take is refused at once: `closed`, `not_ready` (a `live` one while not
 * ready), `queue_full`, or `invalid_payload` when the socket would not take it. The reply timeout runs only
 * while in flight; a timeout on a silent link gives the link up instead, once (see `_timedOut`).
 */
export class OutgoingRequests {
  /** Requests by ref, and fire-and-forget frames by themselves; insertion order is creation order. */
  private readonly _entries = new Map<string | Entry, Entry>();
  /**
   * Runs while the server refuses work for now and sends wait: over a rate limit (for `retry_after_ms`), or
   * shutting down (until the close that follows: `_draining`, and the server is left if it never comes).
   */
  private readonly _pause: Timer;
  private _pausedUntil = 0;
  private _draining = false;
  private _counter = 0;
  /** The queue's ends: a frame queued now takes `_back`, one put back in front of it takes a place before `_front`. */
  private _front = 0;
  private _back = 0;

  private readonly _clock: Clock;
  private readonly _timeoutMs: number;
  private readonly _maxQueued: number;
  private readonly _link: OutgoingLink;

  constructor(deps: OutgoingDeps) {
    this._clock = deps.clock;
    this._timeoutMs = deps.timeoutMs;
    this._maxQueued = deps.maxQueued;
    this._link = deps.link;
    // A stopping server that never closes is left; after a rate limit the held and queued sends go out.
    this._pause = new Timer(deps.clock, () => {
      const draining = this._draining;
      this._draining = false;
      if (draining) this._link.leave();
      else if (this._link.state() === 'ready') this.flush();
    });
  }

  /** Sends a request under a fresh ref (now, or queued when `delivery` allows) and resolves with its reply. */
  request<R>(frame: Outgoing, delivery: Delivery): Promise<R> {
    const ref = `r${(++this._counter).toString(36)}`;
    return new Promise<R>((resolve, reject) => {
      const entry = this._entry({ ...frame, ref }, delivery === 'retry', resolve as (result: unknown) => void, reject);
      const refused = this._place(entry, delivery);
      if (refused !== undefined) this._fail(entry, refused);
    });
  }

  /** Sends a frame that has no reply; false when it could neither be written nor queued. */
  send(frame: Outgoing, delivery: Delivery): boolean {
    return this._place(this._entry(frame, false, ignore, ignore), delivery) === undefined;
  }

  /** The connection is ready for the application's frames: what waits goes out, oldest first; nothing while paused. */
  flush(): void {
    if (this._pause.active) return;
    const waiting = [...this._entries.values()];
    const held = waiting.filter((entry) => entry.stage === 'held');
    const queued = waiting.filter((entry) => entry.stage === 'queued').sort((a, b) => a.place - b.place);
    // What the server refused for now was sent before anything still queued was made.
    for (const entry of [...held, ...queued]) {
      const failed = this._write(entry);
      if (failed !== undefined) this._fail(entry, failed);
    }
  }

  /** Settles the request a reply names; false when no request with that ref is open. */
  settle(reply: Reply): boolean {
    const entry = reply.ref === undefined ? undefined : this._entries.get(reply.ref);
    if (entry === undefined) return false;
    this._finish(entry);
    const outcome = readReply(entry.outgoing.type, reply);
    if (outcome.ok) entry.resolve(outcome.result);
    else entry.reject(outcome.error);
    return true;
  }

  /**
   * `rate_limited` and `shutting_down` refuse work for now, not for good: queued sends wait (for
   * `retry_after_ms`, or for the close a stopping server sends next) and a retryable request is held to be
   * sent again then, under the same ref and `client_msg_id`. True when the refused request is held.
   */
  refusedForNow({ ref, payload }: ServerFrameOf<'error'>): boolean {
    const draining = payload.code === 'shutting_down';
    if (!draining && payload.code !== 'rate_limited') return false;
    // Sends wait at least this long from now; a drain is not cut short by a rate limit.
    const now = this._clock.now();
    const ms = draining ? this._timeoutMs : (payload.retry_after_ms ?? RATE_LIMIT_PAUSE_MS);
    const until = now + Math.min(Math.max(0, ms), MAX_PAUSE_MS);
    if (!this._draining && (draining || !this._pause.active || until > this._pausedUntil)) {
      this._pausedUntil = until;
      this._draining = draining;
      this._pause.start(until - now);
    }
    const entry = ref === undefined ? undefined : this._entries.get(ref);
    if (entry === undefined || !entry.mayRetry || entry.holds >= MAX_HOLDS) return false;
    entry.timer.stop();
    entry.stage = 'held';
    entry.holds++;
    return true;
  }

  /** Rejects the open request with this ref, if any. */
  fail(ref: string, error: GatewayClientError): void {
    const entry = this._entries.get(ref);
    if (entry !== undefined) this._fail(entry, error);
  }

  /**
   * The connection dropped, and with it the server's limits, which are per connection: the pause ends.
   * Requests on the wire or held that may be retried go back in front of the queue, in the order they were
   * made (they were made before what is queued); the others are rejected with `disconnected`.
   */
  disconnected(): void {
    this._endPause();
    const resend: Entry[] = [];
    for (const entry of [...this._entries.values()]) {
      if (entry.stage === 'queued') continue;
      if (entry.mayRetry) resend.push(entry);
      else {
        const message = `The connection dropped before the reply to "${entry.outgoing.type}".`;
        this._fail(entry, new GatewayClientError('disconnected', message));
      }
    }
    this._front -= resend.length;
    let place = this._front;
    for (const entry of resend) this._queue(entry, place++);
  }

  /** The client closed: every request is rejected with `error`, and every waiting frame dropped. */
  close(error: GatewayClientError): void {
    this._endPause();
    for (const entry of [...this._entries.values()]) this._fail(entry, error);
  }

  private _endPause(): void {
    this._pause.stop();
    this._draining = false;
  }

  private _entry(
    frame: Outgoing,
    retryable: boolean,
    resolve: (result: unknown) => void,
    reject: (error: GatewayClientError) => void,
  ): Entry {
    const entry: Entry = {
      outgoing: frame,
      stage: 'queued',
      place: 0,
      mayRetry: retryable,
      resolve,
      reject,
      timer: new Timer(this._clock, () => this._timedOut(entry)),
      holds: 0,
      sentAt: 0,
    };
    return entry;
  }

  /** Writes a new frame now when it may go out, else queues it when it may wait; says why it did neither. */
  private _place(entry: Entry, delivery: Delivery): GatewayClientError | undefined {
    const state = this._link.state();
    if (state === 'closed') return new GatewayClientError('closed', 'The client is closed.');
    if (state === 'ready' && (delivery === 'live' || !this._pause.active)) return this._write(entry);
    if (delivery === 'live')
      return new GatewayClientError('not_ready', `"${entry.outgoing.type}" is not queued while offline.`);
    // Refused rather than an older one dropped, so the caller hears of it.
    let queued = 0;
    for (const other of this._entries.values()) if (other.stage === 'queued') queued++;
    if (queued >= this._maxQueued) return new GatewayClientError('queue_full', 'The offline queue is full.');
    this._queue(entry, this._back++);
    return undefined;
  }

  private _queue(entry: Entry, place: number): void {
    entry.timer.stop();
    entry.stage = 'queued';
    entry.place = place;
    this._entries.set(entry.outgoing.ref ?? entry, entry);
  }

  /** Writes the frame: a request is then in flight with its reply due, a frame without a ref is done. */
  private _write(entry: Entry): GatewayClientError | undefined {
    const { outgoing: frame } = entry;
    if (!this._link.write(frame)) {
      return new GatewayClientError('invalid_payload', `The "${frame.type}" frame could not be sent.`);
    }
    if (frame.ref === undefined) {
      this._finish(entry);
      return undefined;
    }
    entry.stage = 'inflight';
    entry.sentAt = this._clock.now();
    entry.timer.start(this._timeoutMs);
    this._entries.set(frame.ref, entry);
    return undefined;
  }

  /**
   * A zombie link (open, silent) is noticed only after the heartbeat interval plus grace, far later than a
   * request times out by default. Rejecting a chat send then would tempt the app to send it again under a
   * new id, and deliver it twice; giving the link up instead sends it again, under its own id, once.
   */
  private _timedOut(entry: Entry): void {
    if (entry.mayRetry && !entry.outlivedSilence && this._link.silentSince(entry.sentAt)) {
      entry.outlivedSilence = true;
      this._link.giveUp();
      return;
    }
    this._fail(
      entry,
      new GatewayClientError('timeout', `No reply to "${entry.outgoing.type}" within ${this._timeoutMs} ms.`),
    );
  }

  private _fail(entry: Entry, error: GatewayClientError): void {
    this._finish(entry);
    entry.reject(error);
  }

  private _finish(entry: Entry): void {
    entry.timer.stop();
    this._entries.delete(entry.outgoing.ref ?? entry);
  }
}
